//! Every metric's value over one known data set, and the edge cases of
//! each definition: no logs, unknown totals, servers never heard from.

use chrono::Duration;
use orion_core::model::alert::Decision;
use orion_core::service::RuleInput;
use orion_testkit::builders::rule_input;

use super::{HOOK, fixture};

#[tokio::test]
async fn every_metric_has_its_documented_value() {
    let f = fixture().await;
    let web2 = f.agent("web-2").await;
    let at = f.now() - Duration::minutes(2);
    // Logs: 2 error + 1 fatal of 16 entries; 4 warn.
    f.logs(2, "error", at, None).await;
    f.logs(1, "fatal", at, Some("api")).await;
    f.logs(4, "warn", at, None).await;
    f.logs(6, "info", at, None).await;
    f.logs(2, "debug", at, None).await;
    f.logs(1, "trace", at, None).await;
    // Heartbeats, per heartbeat: ram 25 % and 75 %; disk 20 % and none (a
    // zero total gives no percent, so that heartbeat is left out of the
    // disk mean) — averaged per heartbeat, not over summed sizes.
    f.heartbeat(&f.agent, at, 10.0, (4, 16), (100, 500)).await;
    f.heartbeat(&web2, at, 40.0, (300, 400), (0, 0)).await;
    f.incident(&f.agent, at).await;
    f.incident(&web2, at).await;
    f.incident(&web2, at - Duration::minutes(10)).await;
    // A third server registered but never heard from is offline.
    f.agent("web-3").await;

    let expected = [
        ("error_count", 3.0),
        ("error_rate", 3.0 / 5.0),
        ("error_percent", 3.0 * 100.0 / 16.0),
        ("log_count", 16.0),
        ("warn_count", 4.0),
        ("fatal_count", 1.0),
        ("crash_count", 2.0),
        ("cpu_percent", 25.0),
        ("ram_percent", 50.0),
        ("disk_percent", 20.0),
        ("offline_servers", 1.0),
    ];
    let mut rules = Vec::new();
    for (metric, _) in expected {
        rules.push(f.rule(rule_input(metric, &format!("{metric} < -1"), &[HOOK])).await);
    }
    let evaluations = f.evaluate().await;
    for ((metric, want), rule) in expected.into_iter().zip(&rules) {
        let got = evaluations.iter().find(|e| e.rule_id == rule.id).expect("evaluated");
        assert_eq!(got.value, Some(want), "{metric}");
        assert_eq!(got.decision, Decision::Quiet, "{metric} < -1 never holds");
    }
}

#[tokio::test]
async fn error_rate_is_per_minute_of_the_rules_window() {
    let f = fixture().await;
    let hour =
        f.rule(RuleInput { window_minutes: Some(60), ..rule_input("h", "error_rate > 99", &[HOOK]) }).await;
    let minute =
        f.rule(RuleInput { window_minutes: Some(1), ..rule_input("m", "error_rate > 99", &[HOOK]) }).await;
    f.logs(30, "error", f.now() - Duration::seconds(30), None).await;
    let evaluations = f.evaluate().await;
    let value = |id| evaluations.iter().find(|e| e.rule_id == id).and_then(|e| e.value);
    assert_eq!(value(hour.id), Some(0.5));
    assert_eq!(value(minute.id), Some(30.0));
}

#[tokio::test]
async fn with_no_logs_the_counts_and_error_percent_are_zero_and_can_fire() {
    let f = fixture().await;
    let percent = f.rule(rule_input("percent", "error_percent == 0", &[HOOK])).await;
    let count = f.rule(rule_input("count", "log_count < 1", &[HOOK])).await;
    let evaluations = f.evaluate().await;
    for rule in [&percent, &count] {
        let got = evaluations.iter().find(|e| e.rule_id == rule.id).expect("evaluated");
        assert_eq!((got.value, got.decision), (Some(0.0), Decision::Fire), "{}", rule.name);
    }
}

#[tokio::test]
async fn a_server_is_offline_once_silent_for_the_offline_threshold() {
    let f = fixture().await;
    let rule = f.rule(rule_input("offline", "offline_servers >= 1", &[HOOK])).await;
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(1.0), "registered, never heard from");

    // Silence is measured from when Orion received the heartbeat, not the
    // agent's timestamp.
    f.heartbeat(&f.agent, f.now() - Duration::hours(1), 5.0, (1, 2), (1, 2)).await;
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(0.0));
    f.advance(Duration::minutes(3) - Duration::milliseconds(1));
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(0.0), "silent a millisecond under 3 minutes");
    f.advance(Duration::milliseconds(1));
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(1.0), "silent exactly 3 minutes");
}

#[tokio::test]
async fn a_project_without_servers_has_none_offline() {
    let f = fixture().await;
    f.orion.projects().create(&f.owner.principal, "empty", None).await.unwrap();
    let rule = f
        .orion
        .alerts()
        .create_rule(&f.owner.principal, "empty", rule_input("offline", "offline_servers > 0", &[HOOK]))
        .await
        .unwrap();
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(0.0));
}
