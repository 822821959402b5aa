//! Rule management: defaults, validation with field names and positioned
//! condition errors, replace resets the firing state, delete keeps the
//! history, and only the owner ever sees a project's rules.

use chrono::Duration;
use orion_core::ServiceError;
use orion_core::model::alert::{Channel, Condition, Decision};
use orion_core::service::RuleInput;
use orion_testkit::builders::{create_project, register_user, rule_input};

use super::{BROKEN, HOOK, fixture, validation};

#[tokio::test]
async fn a_created_rule_has_the_documented_defaults_and_is_listed_oldest_first() {
    let f = fixture().await;
    let first = f.rule(rule_input("  errors  ", " error_count>=3 ", &["email", HOOK])).await;
    assert_eq!(first.name, "errors", "the name is trimmed");
    assert_eq!(first.condition, Condition::parse("error_count >= 3").unwrap());
    assert_eq!(first.channels, [Channel::OwnerEmail, Channel::parse(HOOK).unwrap()]);
    assert_eq!((first.window_minutes, first.repeat_minutes, first.enabled), (5, 60, true));
    assert_eq!((first.source.as_deref(), first.server_id.as_ref()), (None, None));
    assert_eq!((first.project_id, first.created_at, first.updated_at), (f.project.id, f.now(), f.now()));

    f.advance(Duration::seconds(1));
    let second = RuleInput {
        window_minutes: Some(1_440),
        repeat_minutes: Some(1),
        enabled: Some(false),
        source: Some("api".into()),
        server_id: Some("web-1".into()),
        ..rule_input("cpu", "cpu_percent > 90", &["slack:https://hooks.slack.com/services/T/B/x"])
    };
    let second = f.rule(second).await;
    assert_eq!((second.window_minutes, second.repeat_minutes, second.enabled), (1_440, 1, false));
    assert_eq!(second.source.as_deref(), Some("api"));
    assert_eq!(second.server_id.as_ref().map(|s| s.as_str()), Some("web-1"));

    let listed = f.orion.alerts().list_rules(&f.owner.principal, "shop").await.unwrap();
    assert_eq!(listed, [first, second]);
}

#[tokio::test]
async fn a_bad_condition_is_a_validation_error_on_condition_saying_where() {
    let f = fixture().await;
    let cases = [
        ("error_count >= abc", "`abc` is not a number (at character 16)"),
        ("cpu > 90", "unknown metric `cpu`"),
        ("error_count = 3", "expected an operator (>, >=, <, <=, ==, !=) but found `=` (at character 13)"),
        ("", "the condition is empty"),
    ];
    for (condition, message) in cases {
        let err = f
            .orion
            .alerts()
            .create_rule(&f.owner.principal, "shop", rule_input("r", condition, &[HOOK]))
            .await;
        let errors = validation(err);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "condition");
        assert!(errors[0].1.contains(message), "{condition:?}: {}", errors[0].1);
    }
}

#[tokio::test]
async fn every_invalid_field_is_named_at_once() {
    let f = fixture().await;
    let bad = RuleInput {
        name: " ".into(),
        condition: "nope".into(),
        window_minutes: Some(0),
        channels: vec![
            "sms:+33600000000".into(),
            HOOK.into(),
            "email:nobody".into(),
            "webhook:ftp://x".into(),
        ],
        enabled: None,
        source: Some("bad source!".into()),
        filter: Some("level:nope".into()),
        server_id: Some("has space".into()),
        repeat_minutes: Some(0),
        actions: vec![orion_core::service::ActionInput {
            kind: "reboot".into(),
            server_id: "web-1".into(),
            script_name: "api".into(),
        }],
    };
    let fields: Vec<String> = validation(f.orion.alerts().create_rule(&f.owner.principal, "shop", bad).await)
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "condition",
            "windowMinutes",
            "repeatMinutes",
            "channels[0]",
            "channels[2]",
            "channels[3]",
            "source",
            "filter",
            "serverId",
            "actions[0].type"
        ]
    );
}

#[tokio::test]
async fn channels_window_and_repeat_have_bounds() {
    let f = fixture().await;
    let create = |input: RuleInput| f.orion.alerts().create_rule(&f.owner.principal, "shop", input);
    let base = || rule_input("r", "log_count > 1", &[HOOK]);

    let unknown = validation(create(rule_input("r", "log_count > 1", &["pager:123"])).await);
    assert_eq!(unknown[0].0, "channels[0]");
    assert!(unknown[0].1.contains("unknown channel kind `pager`"), "{}", unknown[0].1);
    let twice =
        create(rule_input("r", "log_count > 1", &["email", " email", "email:a@x.io", "email:A@x.io"]));
    let channels = twice.await.expect("duplicates are merged").channels;
    assert_eq!(channels.iter().map(|c| c.to_wire()).collect::<Vec<_>>(), ["email", "email:a@x.io"]);
    assert_eq!(validation(create(RuleInput { channels: vec![], ..base() }).await)[0].0, "channels");
    let eleven = (0..11).map(|i| format!("webhook:https://h.example.com/{i}")).collect();
    assert_eq!(validation(create(RuleInput { channels: eleven, ..base() }).await)[0].0, "channels");
    let ten = (0..10).map(|i| format!("webhook:https://h.example.com/{i}")).collect();
    create(RuleInput { channels: ten, ..base() }).await.expect("ten channels");

    for (window, ok) in [(0, false), (1, true), (1_440, true), (1_441, false)] {
        let result = create(RuleInput { window_minutes: Some(window), ..base() }).await;
        assert_eq!(result.is_ok(), ok, "window {window}: {result:?}");
    }
    for (repeat, ok) in [(0, false), (1, true), (10_080, true), (10_081, false)] {
        let result = create(RuleInput { repeat_minutes: Some(repeat), ..base() }).await;
        assert_eq!(result.is_ok(), ok, "repeat {repeat}: {result:?}");
    }
    // The owner's address and the same address spelled out are two channels.
    create(rule_input("r", "log_count > 1", &["email", "email:ada@example.com"])).await.expect("distinct");
}

#[tokio::test]
async fn replacing_a_rule_keeps_its_id_and_creation_and_starts_its_firing_over() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "error_count >= 1", &[HOOK])).await;
    f.logs(1, "error", f.now(), None).await;
    f.advance(Duration::seconds(1));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);

    f.advance(Duration::seconds(1));
    let input =
        RuleInput { window_minutes: Some(10), ..rule_input("renamed", "error_count >= 1", &[HOOK, BROKEN]) };
    let id = rule.id.to_string();
    let updated = f.orion.alerts().update_rule(&f.owner.principal, "shop", &id, input).await.unwrap();
    assert_eq!((updated.id, updated.created_at, updated.updated_at), (rule.id, rule.created_at, f.now()));
    assert_eq!((updated.name.as_str(), updated.window_minutes), ("renamed", 10));
    assert_eq!(f.orion.alerts().list_rules(&f.owner.principal, "shop").await.unwrap(), [updated]);

    // Still holding, but the replaced rule is new: it fires again.
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
    let bad = rule_input("renamed", "error_count >=", &[HOOK]);
    assert_eq!(
        validation(f.orion.alerts().update_rule(&f.owner.principal, "shop", &id, bad).await)[0].0,
        "condition"
    );
}

#[tokio::test]
async fn deleting_a_rule_stops_it_and_keeps_its_history() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "log_count >= 0", &[HOOK])).await;
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
    let id = rule.id.to_string();
    f.orion.alerts().delete_rule(&f.owner.principal, "shop", &id).await.unwrap();

    assert!(f.orion.alerts().list_rules(&f.owner.principal, "shop").await.unwrap().is_empty());
    assert!(f.evaluate().await.is_empty());
    let history = f.events().await;
    assert_eq!((history.len(), history[0].rule_id, history[0].rule_name.as_str()), (1, rule.id, "errors"));
    let again = f.orion.alerts().delete_rule(&f.owner.principal, "shop", &id).await;
    assert!(matches!(again, Err(ServiceError::NotFound("rule"))), "{again:?}");
}

#[tokio::test]
async fn another_users_project_and_rules_are_not_found() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "log_count >= 0", &[HOOK])).await;
    let id = rule.id.to_string();
    let bob = register_user(&f.orion, "bob").await;
    create_project(&f.orion, &bob.principal, "shop").await;
    let alerts = f.orion.alerts();
    let input = || rule_input("mine now", "log_count >= 0", &[HOOK]);

    // Bob's own `shop` is a different project: Ada's rule is not in it.
    assert!(alerts.list_rules(&bob.principal, "shop").await.unwrap().is_empty());
    let not_found =
        |r: Result<(), ServiceError>| assert!(matches!(r, Err(ServiceError::NotFound("rule"))), "{r:?}");
    not_found(alerts.update_rule(&bob.principal, "shop", &id, input()).await.map(drop));
    not_found(alerts.delete_rule(&bob.principal, "shop", &id).await);
    not_found(alerts.test_rule(&bob.principal, "shop", &id).await.map(drop));
    // Ada's other project does not reach it either, nor does a garbage id.
    create_project(&f.orion, &f.owner.principal, "blog").await;
    not_found(alerts.delete_rule(&f.owner.principal, "blog", &id).await);
    not_found(alerts.delete_rule(&f.owner.principal, "shop", "not-a-uuid").await);

    // A project Bob does not have at all.
    let missing = alerts.list_rules(&bob.principal, "ada-only").await;
    assert!(matches!(missing, Err(ServiceError::NotFound(_))), "{missing:?}");
    let created = alerts.create_rule(&bob.principal, "ada-only", input()).await;
    assert!(matches!(created, Err(ServiceError::NotFound(_))), "{created:?}");

    assert_eq!(alerts.list_rules(&f.owner.principal, "shop").await.unwrap(), [rule]);
    let events = alerts.events(&bob.principal, "shop", 10).await.unwrap();
    assert!(events.is_empty());
}

#[tokio::test]
async fn the_history_page_size_is_bounded() {
    let f = fixture().await;
    for limit in [0, 1_001] {
        let err = f.orion.alerts().events(&f.owner.principal, "shop", limit).await;
        assert_eq!(validation(err)[0].0, "limit", "limit {limit}");
    }
    f.orion.alerts().events(&f.owner.principal, "shop", 1_000).await.unwrap();
}

#[tokio::test]
async fn an_api_token_cannot_manage_rules() {
    let f = fixture().await;
    let result = f.orion.alerts().list_rules(&f.ingest, "shop").await;
    assert!(matches!(result, Err(ServiceError::UserTokenRequired)), "{result:?}");
}
