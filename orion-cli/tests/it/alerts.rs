//! Alerting through the real binary: the scheduler (`--alert-interval`),
//! the notifiers it is built with (`--smtp-url`, `--smtp-from`) and their
//! settings errors.

use std::time::Duration;

use orion_testkit::{SmtpSink, WebhookSink};
use serde_json::{Value, json};

use crate::process::{Server, orion};

/// How long a test waits for a notification.
const WAIT: Duration = Duration::from_secs(15);

async fn call(method: reqwest::Method, url: &str, body: Option<Value>, token: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request sent");
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

/// Registers `ada@example.com`, creates project `web` with source `app`;
/// returns (session, source token).
async fn project(base: &str) -> (String, String) {
    let client = reqwest::Client::new();
    let user = json!({"firstName": "Ada", "lastName": "Lovelace", "pseudo": "ada",
        "email": "ada@example.com", "password": "analytical-engine"});
    let res = client.post(format!("{base}/api/auth/register")).json(&user).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let login = json!({"email": "ada@example.com", "password": "analytical-engine"});
    let res = client.post(format!("{base}/api/auth/login")).json(&login).send().await.unwrap();
    let session = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let post = reqwest::Method::POST;
    let (status, body) =
        call(post.clone(), &format!("{base}/api/projects"), Some(json!({"name": "web"})), &session).await;
    assert_eq!(status, 201, "{body}");
    let (status, source) =
        call(post, &format!("{base}/api/projects/web/sources"), Some(json!({"name": "app"})), &session).await;
    assert_eq!(status, 201, "{source}");
    (session, source["token"].as_str().unwrap().to_owned())
}

/// Reads the server's log (run with `orion_core::maintenance=debug`) up to
/// the next line of its alert scheduler finishing a run, which comes after
/// that run's deliveries; returns how many rules the run notified for.
async fn next_alert_run(server: &mut Server) -> u64 {
    let run = async {
        while let Some(line) = server.stdout.next_line().await.expect("stdout readable") {
            let value: Value = serde_json::from_str(&line).expect("JSON log lines");
            if value["message"] == "alert rules evaluated" {
                return value["notified"].as_u64().expect("a count of notified rules");
            }
        }
        panic!("orion exited before its next alert run");
    };
    tokio::time::timeout(WAIT, run).await.expect("an alert run within the wait")
}

async fn create_rule(base: &str, session: &str, condition: &str, channel: &str) -> Value {
    let rule = json!({"name": "errors", "condition": condition, "windowMinutes": 5, "channels": [channel]});
    let (status, body) =
        call(reqwest::Method::POST, &format!("{base}/api/projects/web/alerts/rules"), Some(rule), session)
            .await;
    assert_eq!(status, 201, "{body}");
    body
}

#[tokio::test]
async fn three_errors_make_the_scheduler_send_one_firing_webhook_and_record_it() {
    let sink = WebhookSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--alert-interval", "1s", "--log-level", "info,orion_core::maintenance=debug"];
    let mut server = Server::start(dir.path(), &flags).await;
    let base = server.base_url.clone();
    let (session, token) = project(&base).await;
    create_rule(&base, &session, "error_count >= 3", &format!("webhook:{}", sink.url())).await;

    let errors = json!([{"message": "a", "level": "error"}, {"message": "b", "level": "error"},
        {"message": "c", "level": "fatal"}, {"message": "d", "level": "warn"}]);
    let (status, body) =
        call(reqwest::Method::POST, &format!("{base}/api/agent/log"), Some(errors), &token).await;
    assert_eq!(status, 201, "{body}");

    let received = sink.wait_for(1, WAIT).await;
    let body = &received[0].json;
    assert_eq!(body["kind"], "firing");
    assert_eq!(body["project"], "web");
    assert_eq!(body["rule"], "errors");
    assert_eq!(body["condition"], "error_count >= 3");
    assert_eq!(body["value"], 3.0);
    assert_eq!(body["windowMinutes"], 5);

    // The run that fired, then two more: still firing, but no repeat
    // before an hour (each run has delivered by the time it logs).
    while next_alert_run(&mut server).await == 0 {}
    assert_eq!(next_alert_run(&mut server).await, 0, "the next run notifies nothing");
    assert_eq!(next_alert_run(&mut server).await, 0, "nor the one after");
    assert_eq!(sink.received().len(), 1, "the rule keeps holding but notifies once");
    let (status, events) =
        call(reqwest::Method::GET, &format!("{base}/api/projects/web/alerts/events"), None, &session).await;
    assert_eq!(status, 200, "{events}");
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["kind"], "firing");
    assert_eq!(events[0]["value"], 3.0);
    assert_eq!(events[0]["deliveries"], json!([{"channel": format!("webhook:{}", sink.url()), "ok": true}]));
    assert!(server.terminate().await.success());
}

#[tokio::test]
async fn with_smtp_flags_the_test_endpoint_emails_the_project_owner() {
    let smtp = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server =
        Server::start(dir.path(), &["--smtp-url", &smtp.url(), "--smtp-from", "Orion <orion@example.com>"])
            .await;
    let base = server.base_url.clone();
    let (session, _) = project(&base).await;
    let rule = create_rule(&base, &session, "cpu_percent > 90", "email").await;

    let url = format!("{base}/api/projects/web/alerts/rules/{}/test", &rule["id"].to_string());
    let (status, body) = call(reqwest::Method::POST, &url, None, &session).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"results": [{"channel": "email", "ok": true}]}));
    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails[0].from, "orion@example.com");
    assert_eq!(mails[0].recipients, ["ada@example.com"]);
    assert_eq!(mails[0].subject.as_deref(), Some("[Orion] TEST web: errors (cpu_percent > 90)"));
    assert!(mails[0].body.contains("This is a test notification"), "{}", mails[0].body);
    assert!(server.terminate().await.success());
}

#[tokio::test]
async fn without_smtp_flags_an_email_test_fails_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]).await;
    let base = server.base_url.clone();
    let (session, _) = project(&base).await;
    let rule = create_rule(&base, &session, "error_count > 0", "email:oncall@example.com").await;

    let url = format!("{base}/api/projects/web/alerts/rules/{}/test", &rule["id"].to_string());
    let (status, body) = call(reqwest::Method::POST, &url, None, &session).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"results": [{"channel": "email:oncall@example.com", "ok": false,
            "error": "SMTP is not configured: start the server with --smtp-url and --smtp-from"}]})
    );
    assert!(server.terminate().await.success());
}

#[tokio::test]
async fn bad_alerting_settings_stop_the_server_before_it_listens() {
    let cases: [(&[&str], &str); 5] = [
        (&["--smtp-url", "smtp://127.0.0.1:2525"], "--smtp-url needs --smtp-from"),
        (&["--smtp-from", "orion@example.com"], "--smtp-from needs --smtp-url"),
        (
            &["--smtp-url", "gopher://relay:hunter22@host", "--smtp-from", "orion@example.com"],
            "invalid --smtp-url gopher://***@host",
        ),
        (&["--alert-interval", "0s"], "the alert interval must be between 1s and 24h"),
        (&["--offline-after", "3 days"], "the unit must be ms, s, m or h"),
    ];
    for (flags, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = orion().current_dir(dir.path()).arg("serve").args(flags).output().await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flags:?} started");
        assert!(stderr.contains(expected), "{flags:?}: expected {expected:?} in {stderr}");
        assert!(!stderr.contains("hunter22"), "{flags:?} leaked the password: {stderr}");
    }
}
