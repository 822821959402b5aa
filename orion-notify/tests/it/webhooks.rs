//! Webhook, Slack and Discord: body formats, retries, clean failures.

use std::time::{Duration, Instant};

use orion_core::model::alert::Channel;
use orion_core::port::notify::{NotificationKind, Notifier};
use orion_testkit::WebhookSink;
use orion_testkit::sink::SinkBehaviour;
use serde_json::json;

use crate::support::{WAIT, firing, notifiers};

#[tokio::test]
async fn a_webhook_receives_every_field_of_the_notification_as_json() {
    let sink = WebhookSink::start().await;
    let n = firing();

    notifiers(WAIT, 1).send(&Channel::Webhook(sink.url()), &n).await.unwrap();

    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hook");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json,
        json!({
            "kind": "firing",
            "project": "web-shop",
            "rule": "errors",
            "condition": "error_count >= 3",
            "value": 4.0,
            "windowMinutes": 5,
            "at": "2026-01-02T03:04:05.000Z",
            "subject": n.subject(),
            "text": n.text(),
            "crash": null,
        })
    );
}

#[tokio::test]
async fn a_test_notification_has_a_null_value_and_says_it_is_a_test() {
    let sink = WebhookSink::start().await;
    let n = orion_core::port::notify::Notification { kind: NotificationKind::Test, value: None, ..firing() };

    notifiers(WAIT, 1).send(&Channel::Webhook(sink.url()), &n).await.unwrap();

    let body = &sink.wait_for(1, WAIT).await[0].json;
    assert_eq!(body["kind"], "test");
    assert_eq!(body["value"], serde_json::Value::Null);
    assert!(body["text"].as_str().unwrap().contains("This is a test notification"));
    assert!(body["subject"].as_str().unwrap().contains("TEST"));
}

#[tokio::test]
async fn slack_gets_escaped_text_naming_project_rule_condition_value_window_and_time() {
    let sink = WebhookSink::start().await;

    notifiers(WAIT, 1).send(&Channel::Slack(sink.url()), &firing()).await.unwrap();

    let body = &sink.wait_for(1, WAIT).await[0].json;
    let object = body.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["text"]);
    let text = body["text"].as_str().unwrap();
    for needle in [
        "web-shop",
        "errors",
        "error_count &gt;= 3",
        "Value:     4",
        "last 5 minute(s)",
        "2026-01-02T03:04:05.000Z",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from {text}");
    }
    assert!(!text.contains(">="), "Slack needs `>` escaped: {text}");
    assert!(!text.contains("http"), "nothing is linked: {text}");
}

#[tokio::test]
async fn slack_escaping_keeps_a_rule_name_from_pinging_the_channel() {
    let sink = WebhookSink::start().await;
    let n = orion_core::port::notify::Notification { rule: "<!channel> & co".into(), ..firing() };

    notifiers(WAIT, 1).send(&Channel::Slack(sink.url()), &n).await.unwrap();

    let text = sink.wait_for(1, WAIT).await[0].json["text"].as_str().unwrap().to_owned();
    assert!(text.contains("&lt;!channel&gt; &amp; co"), "{text}");
}

#[tokio::test]
async fn discord_gets_content_with_mentions_disabled() {
    let sink = WebhookSink::start().await;
    let n = firing();

    notifiers(WAIT, 1).send(&Channel::Discord(sink.url()), &n).await.unwrap();

    let body = &sink.wait_for(1, WAIT).await[0].json;
    let content = body["content"].as_str().unwrap();
    assert!(content.contains(&n.subject()), "{content}");
    assert!(content.contains(&n.text()), "{content}");
    assert_eq!(body["allowed_mentions"], json!({"parse": []}));
}

#[tokio::test]
async fn discord_content_is_cut_to_2000_characters() {
    let sink = WebhookSink::start().await;
    let n = orion_core::port::notify::Notification { rule: "é".repeat(3000), ..firing() };

    notifiers(WAIT, 1).send(&Channel::Discord(sink.url()), &n).await.unwrap();

    let content = sink.wait_for(1, WAIT).await[0].json["content"].as_str().unwrap().to_owned();
    assert_eq!(content.chars().count(), 2000);
    // The text is cut inside the code block, which stays closed.
    assert!(content.ends_with("…```"), "{content}");
}

#[tokio::test]
async fn a_500_is_retried_once_and_then_succeeds() {
    let sink = WebhookSink::failing_first(1).await;

    let outcome = notifiers(WAIT, 1).send(&Channel::Webhook(sink.url()), &firing()).await;

    assert_eq!(outcome, Ok(()));
    let received = sink.received();
    assert_eq!(received.len(), 2, "one failure, one retry");
    assert_eq!(received[0].json, received[1].json, "the retry sends the same body");
}

#[tokio::test]
async fn a_webhook_that_keeps_failing_is_an_error_naming_only_scheme_and_host() {
    let sink = WebhookSink::failing_first(usize::MAX).await;
    // Slack and Discord URLs carry their token in the path.
    let url = sink.url_with_path("/services/T000/B000/s3cr3t-token");

    let err = notifiers(WAIT, 1).send(&Channel::Slack(url), &firing()).await.unwrap_err().to_string();

    assert_eq!(sink.received().len(), 2, "first attempt and one retry");
    let origin = sink.url().trim_end_matches("/hook").to_owned();
    assert!(err.starts_with(&format!("POST to {origin} failed: HTTP 500")), "{err}");
    assert!(err.contains("after 2 attempts"), "{err}");
    assert!(!err.contains("s3cr3t") && !err.contains("/services"), "the token leaked: {err}");
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_its_answer_is_quoted() {
    let sink = WebhookSink::start_with(SinkBehaviour {
        fail_first: usize::MAX,
        failure_status: Some(404),
        ..SinkBehaviour::default()
    })
    .await;

    let err =
        notifiers(WAIT, 1).send(&Channel::Webhook(sink.url()), &firing()).await.unwrap_err().to_string();

    assert_eq!(sink.received().len(), 1);
    assert!(err.ends_with(r#"failed: HTTP 404 Not Found: {"error":"sink told to fail"}"#), "{err}");
}

#[tokio::test]
async fn with_no_retries_a_500_is_reported_after_one_attempt() {
    let sink = WebhookSink::failing_first(usize::MAX).await;

    let err =
        notifiers(WAIT, 0).send(&Channel::Webhook(sink.url()), &firing()).await.unwrap_err().to_string();

    assert_eq!(sink.received().len(), 1);
    assert!(!err.contains("attempts"), "{err}");
}

#[tokio::test]
async fn a_slow_webhook_times_out_with_a_clean_message() {
    let sink =
        WebhookSink::start_with(SinkBehaviour { delay: Duration::from_secs(3), ..SinkBehaviour::default() })
            .await;
    let started = Instant::now();

    let err = notifiers(Duration::from_millis(200), 0)
        .send(&Channel::Discord(sink.url_with_path("/api/webhooks/1/tok3n")), &firing())
        .await
        .unwrap_err()
        .to_string();

    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(err.contains("no answer within 0.2s"), "{err}");
    assert!(!err.contains("tok3n"), "{err}");
}

#[tokio::test]
async fn an_unreachable_webhook_is_retried_then_reported_without_its_path() {
    // Bind and drop: the port is (almost certainly) closed afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/hooks/secret-path");

    let err = notifiers(WAIT, 1).send(&Channel::Webhook(url), &firing()).await.unwrap_err().to_string();

    assert!(err.starts_with(&format!("POST to http://127.0.0.1:{port} failed: cannot connect")), "{err}");
    assert!(err.contains("after 2 attempts"), "{err}");
    assert!(!err.contains("secret-path"), "{err}");
}
