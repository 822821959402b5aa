//! The window is `[now - windowMinutes, now)`: an entry exactly a window
//! old counts, a millisecond older does not, and one stamped `now` (or
//! later) waits for the next run. `source` narrows log metrics and
//! `serverId` narrows heartbeat, crash and offline metrics.

use chrono::Duration;
use orion_core::service::RuleInput;
use orion_testkit::builders::{create_api_token, rule_input, token_principal};

use super::{HOOK, fixture};

#[tokio::test]
async fn log_metrics_count_from_exactly_a_window_ago_up_to_but_not_including_now() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "error_count > 100", &[HOOK])).await;
    let now = f.now();
    let ms = Duration::milliseconds;
    let window = Duration::minutes(5);
    for at in [now - window - ms(1), now - window, now - ms(1), now, now + Duration::hours(1)] {
        f.logs(1, "error", at, None).await;
    }
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(2.0), "now - 5 min and now - 1 ms");
    f.advance(ms(1));
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(2.0), "now - 5 min left, `now` came in");
    f.advance(window - ms(1));
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(1.0), "only the one stamped the first `now`");
}

#[tokio::test]
async fn crash_and_heartbeat_metrics_use_the_same_window_edges() {
    let f = fixture().await;
    let crashes =
        f.rule(RuleInput { window_minutes: Some(10), ..rule_input("c", "crash_count > 99", &[HOOK]) }).await;
    let cpu =
        f.rule(RuleInput { window_minutes: Some(10), ..rule_input("h", "cpu_percent > 99", &[HOOK]) }).await;
    let now = f.now();
    let (ms, window) = (Duration::milliseconds, Duration::minutes(10));
    for (at, load) in [(now - window - ms(1), 90.0), (now - window, 10.0), (now - ms(1), 20.0), (now, 70.0)] {
        f.incident(&f.agent, at).await;
        f.heartbeat(&f.agent, at, load, (1, 2), (1, 2)).await;
    }
    let evaluations = f.evaluate().await;
    let value = |id| evaluations.iter().find(|e| e.rule_id == id).and_then(|e| e.value);
    assert_eq!(value(crashes.id), Some(2.0));
    assert_eq!(value(cpu.id), Some(15.0), "mean of 10 and 20 only");
}

#[tokio::test]
async fn a_source_narrowed_rule_counts_only_that_sources_logs() {
    let f = fixture().await;
    let api = RuleInput { source: Some("api".into()), ..rule_input("api", "error_count >= 1", &[HOOK]) };
    let api = f.rule(api).await;
    let all = f.rule(rule_input("all", "error_count >= 1", &[HOOK])).await;
    let at = f.now() - Duration::minutes(1);
    f.logs(2, "error", at, Some("api")).await;
    f.logs(3, "error", at, Some("worker")).await;
    f.logs(4, "error", at, Some("api-gateway")).await;
    f.logs(5, "error", at, None).await;
    f.logs(6, "info", at, Some("api")).await;

    let evaluations = f.evaluate().await;
    let value = |id| evaluations.iter().find(|e| e.rule_id == id).and_then(|e| e.value);
    assert_eq!(value(api.id), Some(2.0));
    assert_eq!(value(all.id), Some(14.0));
}

#[tokio::test]
async fn a_source_bound_tokens_logs_count_for_its_source() {
    let f = fixture().await;
    let (_, issued) = f.orion.sources().create(&f.owner.principal, "shop", "billing", None).await.unwrap();
    let billing = token_principal(&f.orion, &issued).await;
    let rule = f
        .rule(RuleInput { source: Some("billing".into()), ..rule_input("b", "log_count > 9", &[HOOK]) })
        .await;
    let input = orion_core::service::LogInput {
        source: Some("other".into()),
        ..orion_testkit::builders::log_input("x")
    };
    f.orion.logs().ingest(&billing, vec![input; 3]).await.unwrap();
    f.advance(Duration::seconds(1));
    assert_eq!(f.evaluate_rule(&rule).await.value, Some(3.0), "a bound token's entries carry its source");
}

#[tokio::test]
async fn a_server_narrowed_rule_averages_and_counts_only_that_server() {
    let f = fixture().await;
    let web2 = f.agent("web-2").await;
    let narrowed = |name: &str, condition: &str| RuleInput {
        server_id: Some("web-1".into()),
        ..rule_input(name, condition, &[HOOK])
    };
    let cpu_web1 = f.rule(narrowed("cpu web-1", "cpu_percent > 99")).await;
    let cpu_all = f.rule(rule_input("cpu all", "cpu_percent > 99", &[HOOK])).await;
    let crashes_web1 = f.rule(narrowed("crashes web-1", "crash_count > 99")).await;
    let crashes_all = f.rule(rule_input("crashes all", "crash_count > 99", &[HOOK])).await;
    let offline_web1 = f.rule(narrowed("offline web-1", "offline_servers > 99")).await;
    let offline_all = f.rule(rule_input("offline all", "offline_servers > 99", &[HOOK])).await;

    let at = f.now() - Duration::minutes(1);
    f.heartbeat(&f.agent, at, 20.0, (1, 2), (1, 2)).await;
    f.heartbeat(&web2, at, 80.0, (1, 2), (1, 2)).await;
    f.heartbeat(&web2, at, 90.0, (1, 2), (1, 2)).await;
    f.incident(&f.agent, at).await;
    f.incident(&web2, at).await;
    f.incident(&web2, at).await;
    // A token bound to no server reports incidents of no server.
    let loose = token_principal(
        &f.orion,
        &create_api_token(&f.orion, &f.owner.principal, "shop", &["logs:write"]).await,
    )
    .await;
    f.incident(&loose, at).await;
    // web-1 has been heard from (just now, by the heartbeats); web-3 never.
    f.agent("web-3").await;

    let evaluations = f.evaluate().await;
    let value = |id| evaluations.iter().find(|e| e.rule_id == id).and_then(|e| e.value);
    assert_eq!(value(cpu_web1.id), Some(20.0));
    assert_eq!(value(cpu_all.id), Some(190.0 / 3.0));
    assert_eq!(value(crashes_web1.id), Some(1.0));
    assert_eq!(value(crashes_all.id), Some(4.0));
    assert_eq!(value(offline_web1.id), Some(0.0));
    assert_eq!(value(offline_all.id), Some(1.0), "web-3, never seen");
}
