//! Alerting end to end: logs posted over HTTP, an evaluation run at a
//! moment the [`orion_testkit::FakeClock`] decides, and real notifications
//! (`orion_notify::Notifiers`) received by a local webhook sink and a local
//! SMTP sink; then the history over HTTP. Also the test send, failing
//! channels, and the Slack and Discord body formats.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use orion_notify::{Notifiers, NotifyConfig, SMTP_NOT_CONFIGURED, SmtpConfig};
use orion_testkit::server::rule_body;
use orion_testkit::sink::{ReceivedRequest, SinkBehaviour};
use orion_testkit::{SmtpSink, TestServer, WebhookSink};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Logs, with_logs_on};

/// How long a sink may take to see what was sent. Evaluation awaits every
/// delivery, so this only guards against a hang.
const WAIT: StdDuration = StdDuration::from_secs(5);

/// `ada`'s project `web` with a writer token, on a server whose alerts go
/// through the real notifiers; email through `smtp` when given.
async fn notifying(smtp: Option<&SmtpSink>) -> Logs {
    let config = NotifyConfig {
        smtp: smtp.map(|sink| SmtpConfig { url: sink.url(), from: "Orion <orion@example.com>".into() }),
        timeout: StdDuration::from_secs(3),
        retries: 1,
    };
    let notifiers = Notifiers::new(config).expect("a valid notifier configuration");
    with_logs_on(TestServer::start_with_notifier(Arc::new(notifiers)).await).await
}

/// Posts `n` error entries now.
async fn errors(t: &Logs, n: usize) {
    let batch: Vec<Value> =
        (0..n).map(|i| json!({"message": format!("boom {i}"), "level": "error"})).collect();
    t.server.ingest_ok(&t.writer, Value::Array(batch), n).await;
}

/// The `kind`s of a history listing, newest first.
fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().expect("a kind")).collect()
}

#[tokio::test]
async fn a_webhook_hears_once_when_a_rule_fires_and_once_when_it_resolves() {
    let sink = WebhookSink::start().await;
    let t = notifying(None).await;
    let (server, ada) = (&t.server, &t.ada);
    let channel = format!("webhook:{}", sink.url());
    let rule = server.create_rule(ada, "web", rule_body("errors", "error_count >= 3", &[&channel])).await;

    // Two errors (and some noise that is not an error) do not hold yet.
    errors(&t, 2).await;
    server.ingest_ok(&t.writer, json!([{"message": "fine"}, {"message": "hm", "level": "warn"}]), 2).await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    assert!(sink.received().is_empty(), "notified below the threshold: {:?}", sink.received());

    // The third one does: exactly one firing notification.
    errors(&t, 1).await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let firing = &received[0];
    assert_eq!((firing.method.as_str(), firing.path.as_str()), ("POST", "/hook"));
    assert!(firing.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    let body = &firing.json;
    assert_eq!(body["kind"], "firing");
    assert_eq!(body["project"], "web");
    assert_eq!(body["rule"], "errors");
    assert_eq!(body["condition"], "error_count >= 3");
    assert_eq!(body["value"], 3.0);
    assert_eq!(body["windowMinutes"], 5);
    assert_eq!(body["at"], "2024-03-01T12:02:00.000Z");
    assert_eq!(body["subject"], "[Orion] FIRING web: errors (error_count >= 3)");
    let text = body["text"].as_str().unwrap();
    for line in [
        "Project:   web",
        "Rule:      errors",
        "Value:     3\n",
        "Window:    last 5 minute(s)",
        "Time:      2024-03-01T12:02:00.000Z",
    ] {
        assert!(text.contains(line), "`{line}` missing from {text:?}");
    }
    assert!(!text.contains("http"), "the message links somewhere: {text:?}");

    // Still holding, within the repeat interval: nothing new.
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    assert_eq!(sink.received().len(), 1);

    // A full window with no new errors: one resolved notification.
    server.clock.advance(Duration::minutes(5));
    server.evaluate().await;
    let received = sink.wait_for(2, WAIT).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].json["kind"], "resolved");
    assert_eq!(received[1].json["value"], 0.0);
    assert_eq!(received[1].json["subject"], "[Orion] RESOLVED web: errors (error_count >= 3)");
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    assert_eq!(sink.received().len(), 2, "resolved twice");

    let events = server.alert_events(ada, "web").await;
    assert_eq!(kinds(&events), ["resolved", "firing"]);
    let at: Vec<_> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert_eq!(at, ["2024-03-01T12:08:00.000Z", "2024-03-01T12:02:00.000Z"]);
    for event in &events {
        assert_eq!(event["ruleId"], rule["id"]);
        assert_eq!(event["deliveries"], json!([{"channel": channel, "ok": true}]), "{event}");
    }
    assert_eq!(events[1]["value"], 3.0);
}

#[tokio::test]
async fn an_email_channel_mails_the_owner_and_named_addresses_when_firing_and_resolving() {
    let smtp = SmtpSink::start().await;
    let t = notifying(Some(&smtp)).await;
    let (server, ada) = (&t.server, &t.ada);
    let channels = ["email", "email:oncall@example.com"];
    server.create_rule(ada, "web", rule_body("errors", "error_count >= 3", &channels)).await;

    errors(&t, 3).await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    let mails = smtp.wait_for(2, WAIT).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].recipients, ["ada@example.com"]);
    assert_eq!(mails[1].recipients, ["oncall@example.com"]);
    for mail in &mails {
        assert_eq!(mail.from, "orion@example.com");
        assert_eq!(mail.subject.as_deref(), Some("[Orion] FIRING web: errors (error_count >= 3)"));
        for line in
            ["Project:   web", "Condition: error_count >= 3", "Value:     3\n", "Window:    last 5 minute(s)"]
        {
            assert!(mail.body.contains(line), "`{line}` missing from {:?}", mail.body);
        }
    }

    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    assert_eq!(smtp.received().len(), 2, "mailed again within the repeat interval");

    server.clock.advance(Duration::minutes(5));
    server.evaluate().await;
    let mails = smtp.wait_for(4, WAIT).await;
    assert_eq!(mails.len(), 4);
    assert_eq!(mails[2].recipients, ["ada@example.com"]);
    assert_eq!(mails[3].subject.as_deref(), Some("[Orion] RESOLVED web: errors (error_count >= 3)"));

    let events = server.alert_events(ada, "web").await;
    assert_eq!(kinds(&events), ["resolved", "firing"]);
    let delivered =
        json!([{"channel": "email", "ok": true}, {"channel": "email:oncall@example.com", "ok": true}]);
    for event in &events {
        assert_eq!(event["deliveries"], delivered, "{event}");
    }
}

#[tokio::test]
async fn a_rule_that_keeps_holding_notifies_again_after_its_repeat_interval() {
    let sink = WebhookSink::start().await;
    let t = notifying(None).await;
    let (server, ada) = (&t.server, &t.ada);
    let channel = format!("webhook:{}", sink.url());
    let body = json!({"name": "noisy", "condition": "log_count > 0", "channels": [channel], "windowMinutes": 10, "repeatMinutes": 15});
    server.create_rule(ada, "web", body).await;
    for _ in 0..4 {
        server.ingest_ok(&t.writer, json!({"message": "tick"}), 1).await;
        server.clock.advance(Duration::minutes(8));
        server.evaluate().await;
    }
    // Fired at :08; :16 is within 15 minutes of it; :24 repeats; :32 is
    // within 15 minutes of :24.
    let kinds: Vec<_> = sink.received().iter().map(|r| r.json["kind"].clone()).collect();
    assert_eq!(kinds, [json!("firing"), json!("repeat")]);
    assert_eq!(sink.received()[1].json["subject"], "[Orion] STILL FIRING web: noisy (log_count > 0)");
}

#[tokio::test]
async fn a_test_send_reaches_every_channel_and_reports_an_unconfigured_smtp() {
    let sink = WebhookSink::start().await;
    let t = notifying(None).await;
    let (server, ada) = (&t.server, &t.ada);
    let hook = format!("webhook:{}", sink.url());
    let rule =
        server.create_rule(ada, "web", rule_body("errors", "error_count >= 3", &[&hook, "email"])).await;

    let (status, answer) = server.test_rule(ada, "web", &rule["id"].to_string()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"results": [
            {"channel": hook, "ok": true},
            {"channel": "email", "ok": false, "error": SMTP_NOT_CONFIGURED},
        ]})
    );
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let body = &received[0].json;
    assert_eq!(body["kind"], "test");
    assert_eq!(body["value"], json!(null));
    assert_eq!(body["subject"], "[Orion] TEST web: errors (error_count >= 3)");
    let text = body["text"].as_str().unwrap();
    assert!(text.starts_with("This is a test notification from Orion. Nothing is wrong."), "{text:?}");

    // A test is not an alert: no history, and the rule is not firing.
    assert!(server.alert_events(ada, "web").await.is_empty());
    server.evaluate().await;
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_test_send_mails_through_a_configured_smtp() {
    let smtp = SmtpSink::start().await;
    let t = notifying(Some(&smtp)).await;
    let rule = t.server.create_rule(&t.ada, "web", rule_body("errors", "error_count >= 3", &["email"])).await;
    let (status, answer) = t.server.test_rule(&t.ada, "web", &rule["id"].to_string()).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"results": [{"channel": "email", "ok": true}]})));
    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails[0].recipients, ["ada@example.com"]);
    assert_eq!(mails[0].subject.as_deref(), Some("[Orion] TEST web: errors (error_count >= 3)"));
    assert!(mails[0].body.contains("This is a test notification from Orion"), "{:?}", mails[0].body);
}

#[tokio::test]
async fn a_failing_channel_is_recorded_and_stops_neither_the_others_nor_other_rules() {
    let broken =
        WebhookSink::start_with(SinkBehaviour { fail_first: usize::MAX, ..SinkBehaviour::default() }).await;
    let good = WebhookSink::start().await;
    let t = notifying(None).await;
    let (server, ada) = (&t.server, &t.ada);
    let secret_path = "/services/T000/B000/secret-token";
    let broken_channel = format!("webhook:{}", broken.url_with_path(secret_path));
    let good_channel = format!("webhook:{}", good.url());
    let both = [broken_channel.as_str(), good_channel.as_str()];
    server.create_rule(ada, "web", rule_body("errors", "error_count >= 1", &both)).await;
    server.create_rule(ada, "web", rule_body("anything", "log_count >= 1", &[&good_channel])).await;

    errors(&t, 1).await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;

    // The broken endpoint was tried twice (one retry); the good one heard
    // both rules.
    assert_eq!(broken.received().len(), 2, "{:?}", broken.received());
    let rules: Vec<_> =
        good.wait_for(2, WAIT).await.iter().map(|r: &ReceivedRequest| r.json["rule"].clone()).collect();
    assert_eq!(rules.len(), 2);
    assert!(rules.contains(&json!("errors")) && rules.contains(&json!("anything")), "{rules:?}");

    let events = server.alert_events(ada, "web").await;
    assert_eq!(events.len(), 2);
    let event = events.iter().find(|e| e["ruleName"] == "errors").unwrap();
    let deliveries = event["deliveries"].as_array().unwrap();
    assert_eq!(deliveries[0]["channel"], broken_channel);
    assert_eq!(deliveries[0]["ok"], false);
    let error = deliveries[0]["error"].as_str().unwrap();
    assert!(error.contains("500"), "{error}");
    assert!(!error.contains("secret-token"), "the error leaks the webhook's token: {error}");
    assert_eq!(deliveries[1], json!({"channel": good_channel, "ok": true}));
}

#[tokio::test]
async fn an_unreachable_webhook_is_recorded_as_failed() {
    // Bind then drop: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let t = notifying(None).await;
    let channel = format!("webhook:http://127.0.0.1:{port}/hook");
    t.server.create_rule(&t.ada, "web", rule_body("errors", "error_count >= 1", &[&channel])).await;
    errors(&t, 1).await;
    t.server.clock.advance(Duration::minutes(1));
    t.server.evaluate().await;
    let events = t.server.alert_events(&t.ada, "web").await;
    let delivery = &events[0]["deliveries"][0];
    assert_eq!(delivery["ok"], false, "{delivery}");
    assert!(delivery["error"].as_str().is_some_and(|e| e.contains("cannot connect")), "{delivery}");
}

#[tokio::test]
async fn slack_and_discord_receive_their_own_formats() {
    let sink = WebhookSink::start().await;
    let t = notifying(None).await;
    let (server, ada) = (&t.server, &t.ada);
    let slack = format!("slack:{}", sink.url_with_path("/slack"));
    let discord = format!("discord:{}", sink.url_with_path("/discord"));
    server
        .create_rule(ada, "web", rule_body("errors @everyone", "error_count >= 3", &[&slack, &discord]))
        .await;
    errors(&t, 4).await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;

    let received = sink.wait_for(2, WAIT).await;
    let by_path =
        |path: &str| received.iter().find(|r| r.path == path).unwrap_or_else(|| panic!("nothing at {path}"));

    let slack_body = &by_path("/slack").json;
    let keys: Vec<_> = slack_body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["text"]);
    let text = slack_body["text"].as_str().unwrap();
    // Slack's markup: bold subject, `>` escaped, details preformatted.
    assert!(
        text.starts_with("*[Orion] FIRING web: errors @everyone (error_count &gt;= 3)*\n```\n"),
        "{text:?}"
    );
    assert!(text.contains("Value:     4\n") && text.ends_with("```"), "{text:?}");

    let discord_body = &by_path("/discord").json;
    let content = discord_body["content"].as_str().unwrap();
    assert!(
        content.starts_with("**[Orion] FIRING web: errors @everyone (error_count >= 3)**\n```\n"),
        "{content:?}"
    );
    assert!(content.contains("Window:    last 5 minute(s)"), "{content:?}");
    // The rule name's `@everyone` must not ping anybody.
    assert_eq!(discord_body["allowed_mentions"], json!({"parse": []}));

    let events = server.alert_events(ada, "web").await;
    assert_eq!(
        events[0]["deliveries"],
        json!([{"channel": slack, "ok": true}, {"channel": discord, "ok": true}])
    );
}
