//! Silences: while one matches a rule, its firing and resolution are
//! recorded with `silenced: true` and notify nobody; once `until` passes
//! it stops matching on its own (the fake clock moves past it) and the
//! rule notifies again. Creating one checks every field against the
//! project, bounds the reason and the count, and strangers see nothing.

use chrono::{DateTime, Duration, Utc};
use orion_core::ServiceError;
use orion_core::model::alert::{AlertEventKind, AlertRule, Decision, Silence};
use orion_core::service::RuleInput;
use orion_core::service::alerts::{MAX_SILENCES, SilenceInput};
use orion_testkit::builders::{register_user, rule_input};

use super::{Fixture, HOOK, fixture, rfc3339, validation};

impl Fixture {
    async fn silence(&self, rule: Option<&AlertRule>, server: Option<&str>, until: DateTime<Utc>) -> Silence {
        let input = SilenceInput {
            rule_id: rule.map(|r| r.id.get()),
            server_id: server.map(str::to_owned),
            until: Some(rfc3339(until)),
            reason: "  deploy of v2  ".into(),
        };
        self.orion.alerts().create_silence(&self.owner.principal, "shop", input).await.expect("silence")
    }
}

#[tokio::test]
async fn a_silenced_firing_notifies_nobody_is_recorded_and_the_rule_notifies_again_after_until() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "error_count >= 1", &["email", HOOK])).await;
    let until = f.now() + Duration::minutes(10);
    let silence = f.silence(Some(&rule), None, until).await;
    assert_eq!((silence.reason.as_str(), silence.until), ("deploy of v2", until), "trimmed");

    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    let fired = f.evaluate_rule(&rule).await;
    assert_eq!((fired.decision, fired.silenced), (Decision::Fire, true));
    assert!(f.notifier.take().is_empty(), "no sink is notified");
    // Still holding while silenced: quiet, nothing recorded.
    f.advance(Duration::minutes(5));
    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet);
    assert!(f.notifier.take().is_empty());

    let events = f.events().await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].kind, events[0].silenced), (AlertEventKind::Firing, true));
    assert!(events[0].deliveries.is_empty());

    // `until` passes (strictly: at `until` the silence is over); the rule
    // still holds and notifies at once.
    f.clock.set(until - Duration::milliseconds(1));
    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet, "a millisecond before until");
    f.clock.set(until);
    let again = f.evaluate_rule(&rule).await;
    assert_eq!((again.decision, again.silenced), (Decision::Repeat, false));
    assert_eq!(f.notifier.take().len(), 2, "both channels");
    assert!(f.orion.alerts().silences(&f.owner.principal, "shop").await.unwrap().is_empty(), "expired: gone");
    let events = f.events().await;
    assert_eq!(
        (events[0].kind, events[0].silenced, events[0].deliveries.len()),
        (AlertEventKind::Repeat, false, 2)
    );
}

#[tokio::test]
async fn a_silenced_resolution_is_recorded_and_notifies_nobody() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "error_count >= 1", &[HOOK])).await;
    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
    assert_eq!(f.notifier.take().len(), 1);
    f.silence(None, None, f.now() + Duration::hours(1)).await;
    f.advance(Duration::minutes(6));
    let resolved = f.evaluate_rule(&rule).await;
    assert_eq!((resolved.decision, resolved.silenced), (Decision::Resolve, true));
    assert!(f.notifier.take().is_empty());
    let kinds: Vec<_> = f.events().await.iter().map(|e| (e.kind, e.silenced)).collect();
    assert_eq!(kinds, [(AlertEventKind::Resolved, true), (AlertEventKind::Firing, false)]);
}

#[tokio::test]
async fn a_silence_matches_only_its_rule_or_the_rules_of_its_server() {
    let f = fixture().await;
    f.agent("web-2").await;
    let errors = f.rule(rule_input("errors", "log_count >= 0", &[HOOK])).await;
    let other = f.rule(rule_input("other", "log_count >= 0", &[HOOK])).await;
    let on_web1 = f
        .rule(RuleInput { server_id: Some("web-1".into()), ..rule_input("w1", "log_count >= 0", &[HOOK]) })
        .await;
    let on_web2 = f
        .rule(RuleInput { server_id: Some("web-2".into()), ..rule_input("w2", "log_count >= 0", &[HOOK]) })
        .await;
    let until = f.now() + Duration::minutes(30);
    f.silence(Some(&errors), None, until).await;
    f.silence(None, Some("web-1"), until).await;
    let evaluations = f.evaluate().await;
    let silenced = |id| evaluations.iter().find(|e| e.rule_id == id).map(|e| (e.decision, e.silenced));
    assert_eq!(silenced(errors.id), Some((Decision::Fire, true)));
    assert_eq!(silenced(other.id), Some((Decision::Fire, false)));
    assert_eq!(silenced(on_web1.id), Some((Decision::Fire, true)));
    assert_eq!(silenced(on_web2.id), Some((Decision::Fire, false)));
    assert_eq!(f.notifier.take().len(), 2);
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_stored() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "error_count >= 1", &[HOOK])).await;
    let good = || SilenceInput {
        rule_id: Some(rule.id.get()),
        server_id: Some("web-1".into()),
        until: Some(rfc3339(f.now() + Duration::hours(1))),
        reason: "maintenance".into(),
    };
    let create = |input: SilenceInput| f.orion.alerts().create_silence(&f.owner.principal, "shop", input);
    let cases: Vec<(SilenceInput, &str)> = vec![
        (SilenceInput { rule_id: Some(rule.id.get() + 1_000), ..good() }, "ruleId"),
        (SilenceInput { rule_id: Some(0), ..good() }, "ruleId"),
        (SilenceInput { rule_id: Some(-4), ..good() }, "ruleId"),
        (SilenceInput { server_id: Some("web-9".into()), ..good() }, "serverId"),
        (SilenceInput { server_id: Some("web 1".into()), ..good() }, "serverId"),
        (SilenceInput { until: None, ..good() }, "until"),
        (SilenceInput { until: Some("tomorrow".into()), ..good() }, "until"),
        (SilenceInput { until: Some(rfc3339(f.now())), ..good() }, "until"),
        (SilenceInput { until: Some(rfc3339(f.now() + Duration::days(91))), ..good() }, "until"),
        (SilenceInput { reason: "   ".into(), ..good() }, "reason"),
        (SilenceInput { reason: "x".repeat(501), ..good() }, "reason"),
        (SilenceInput { reason: "a\u{7}b".into(), ..good() }, "reason"),
    ];
    for (input, field) in cases {
        let errors = validation(create(input.clone()).await);
        assert_eq!(errors.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), [field], "{input:?}");
    }
    let all =
        SilenceInput { rule_id: Some(0), server_id: Some("nope".into()), until: None, reason: String::new() };
    let fields: Vec<String> = validation(create(all).await).into_iter().map(|e| e.0).collect();
    assert_eq!(fields, ["ruleId", "serverId", "until", "reason"]);
    assert!(f.orion.alerts().silences(&f.owner.principal, "shop").await.unwrap().is_empty());
    create(SilenceInput { reason: "é".repeat(500), ..good() }).await.expect("500 characters");
}

#[tokio::test]
async fn a_project_holds_a_bounded_number_of_active_silences() {
    let f = fixture().await;
    let soon = f.now() + Duration::minutes(1);
    for _ in 0..MAX_SILENCES {
        f.silence(None, None, soon).await;
    }
    let input =
        SilenceInput { until: Some(rfc3339(soon)), reason: "one more".into(), ..SilenceInput::default() };
    let over = f.orion.alerts().create_silence(&f.owner.principal, "shop", input.clone()).await;
    assert!(matches!(over, Err(ServiceError::Conflict(_))), "{over:?}");
    // Expired ones do not count.
    f.clock.set(soon);
    let input = SilenceInput { until: Some(rfc3339(soon + Duration::minutes(1))), ..input };
    f.orion.alerts().create_silence(&f.owner.principal, "shop", input).await.expect("room again");
    assert_eq!(f.orion.alerts().silences(&f.owner.principal, "shop").await.unwrap().len(), 1);
}

#[tokio::test]
async fn strangers_see_no_project_and_no_silence() {
    let f = fixture().await;
    let silence = f.silence(None, None, f.now() + Duration::hours(1)).await;
    let eve = register_user(&f.orion, "eve").await;
    let alerts = f.orion.alerts();
    assert!(matches!(alerts.silences(&eve.principal, "shop").await, Err(ServiceError::NotFound(_))));
    let input = SilenceInput {
        until: Some(rfc3339(f.now() + Duration::hours(1))),
        reason: "x".into(),
        ..SilenceInput::default()
    };
    assert!(matches!(
        alerts.create_silence(&eve.principal, "shop", input).await,
        Err(ServiceError::NotFound(_))
    ));
    let id = silence.id.to_string();
    assert!(matches!(
        alerts.delete_silence(&eve.principal, "shop", &id).await,
        Err(ServiceError::NotFound(_))
    ));
    // Eve's own project does not hold Ada's silence either.
    orion_testkit::builders::create_project(&f.orion, &eve.principal, "eves").await;
    assert!(matches!(
        alerts.delete_silence(&eve.principal, "eves", &id).await,
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        alerts.delete_silence(&f.owner.principal, "shop", "x1").await,
        Err(ServiceError::NotFound(_))
    ));
    alerts.delete_silence(&f.owner.principal, "shop", &id).await.expect("the owner deletes it");
    assert!(matches!(
        alerts.delete_silence(&f.owner.principal, "shop", &id).await,
        Err(ServiceError::NotFound(_))
    ));
    // An API token of the project may not manage silences.
    assert!(alerts.silences(&f.ingest, "shop").await.is_err());
}
