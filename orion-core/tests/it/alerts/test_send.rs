//! `POST …/rules/:id/test`: a clearly marked test notification on every
//! channel, each outcome reported, nothing stored, and a server with no
//! notifier says so instead of pretending.

use chrono::Duration;
use orion_core::model::alert::{Channel, Decision, Delivery};
use orion_core::port::NotificationKind;
use orion_testkit::builders::{create_project, register_user, rule_input, test_orion};
use orion_testkit::{FakeClock, InMemoryRepos};

use super::{BROKEN, BROKEN_ERROR, HOOK, fixture};

#[tokio::test]
async fn a_test_send_notifies_every_channel_and_reports_each_outcome() {
    let f = fixture().await;
    let channels = ["email", HOOK, BROKEN, "email:oncall@example.com"];
    let rule = f.rule(rule_input("errors", "error_count >= 3", &channels)).await;

    let results = f.orion.alerts().test_rule(&f.owner.principal, "shop", &rule.id.to_string()).await.unwrap();
    assert_eq!(
        results,
        [
            Delivery { channel: "email".into(), ok: true, error: None },
            Delivery { channel: HOOK.into(), ok: true, error: None },
            Delivery { channel: BROKEN.into(), ok: false, error: Some(BROKEN_ERROR.into()) },
            Delivery { channel: "email:oncall@example.com".into(), ok: true, error: None },
        ]
    );
    let sent = f.notifier.take();
    let targets: Vec<Channel> = sent.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(targets[0], Channel::Email("ada@example.com".into()), "the owner's address, resolved");
    assert_eq!(targets[3], Channel::Email("oncall@example.com".into()));
    for (_, n) in &sent {
        assert_eq!((n.kind, n.value, n.at), (NotificationKind::Test, None, f.now()));
        assert_eq!(
            (n.project.as_str(), n.rule.as_str(), n.condition.as_str()),
            ("shop", "errors", "error_count >= 3")
        );
        assert!(n.subject().contains("TEST"), "{}", n.subject());
        assert!(n.text().contains("This is a test notification"), "{}", n.text());
    }
}

#[tokio::test]
async fn a_test_send_stores_nothing_and_leaves_the_rule_ready_to_fire() {
    let f = fixture().await;
    let rule = f.rule(rule_input("any log", "log_count >= 0", &[HOOK])).await;
    f.orion.alerts().test_rule(&f.owner.principal, "shop", &rule.id.to_string()).await.unwrap();
    assert!(f.events().await.is_empty());
    f.advance(Duration::seconds(1));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
}

#[tokio::test]
async fn a_disabled_rule_can_still_be_tested() {
    let f = fixture().await;
    let input = orion_core::service::RuleInput {
        enabled: Some(false),
        ..rule_input("off", "log_count > 1", &[HOOK])
    };
    let rule = f.rule(input).await;
    let results = f.orion.alerts().test_rule(&f.owner.principal, "shop", &rule.id.to_string()).await.unwrap();
    assert!(results[0].ok);
}

#[tokio::test]
async fn without_a_notifier_every_channel_fails_with_a_reason() {
    let orion = test_orion(InMemoryRepos::new(), FakeClock::default());
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "shop").await;
    let rule = orion
        .alerts()
        .create_rule(&ada.principal, "shop", rule_input("r", "log_count >= 0", &["email", HOOK]))
        .await
        .unwrap();
    let results = orion.alerts().test_rule(&ada.principal, "shop", &rule.id.to_string()).await.unwrap();
    let reason = Some("no notifier is configured on this server".to_owned());
    assert_eq!(
        results,
        [
            Delivery { channel: "email".into(), ok: false, error: reason.clone() },
            Delivery { channel: HOOK.into(), ok: false, error: reason.clone() },
        ]
    );

    // The engine records the same failures in the history instead of stopping.
    let fired = orion.alerts().evaluate_all().await.unwrap();
    assert_eq!(fired[0].decision, Decision::Fire);
    let events = orion.alerts().events(&ada.principal, "shop", 10).await.unwrap();
    assert!(events[0].deliveries.iter().all(|d| !d.ok && d.error == reason), "{:?}", events[0].deliveries);
}
