//! Walk-throughs over the real SQLite backend (accounts and projects; the
//! agent story; the alert story), so the HTTP layer is proven against the
//! storage it ships with, not only the in-memory one.

use orion_testkit::TestServer;
use orion_testkit::server::{alert_body, heartbeat_body};
use reqwest::StatusCode;
use serde_json::json;

use crate::names;

#[tokio::test]
async fn register_login_project_source_token_and_list_work_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let repos = orion_storage::connect(&url).await.expect("SQLite opens and migrates");
    let server = TestServer::start_with(repos).await;

    let session = server.signup("ada").await;
    assert_eq!(server.get("/api/auth/me", &session).await.1["email"], "ada@example.com");
    server.create_project(&session, "web").await;
    let source = server.create_source(&session, "web", "app").await;
    let token = server.create_token(&session, "web", "ci", &["logs:read"]).await;

    assert_eq!(names(&server.get("/api/projects", &session).await.1), ["web"]);
    assert_eq!(names(&server.get("/api/projects/web/sources", &session).await.1), ["app"]);
    let tokens = server.get("/api/projects/web/tokens", &session).await.1;
    let mut listed = names(&tokens);
    listed.sort_unstable();
    assert_eq!(listed, ["app", "ci"]);

    // Stored token hashes authenticate; a duplicate is still a 409 on SQLite.
    for value in [&source["token"], &token["token"]] {
        let answer = server.get("/api/auth/me", value.as_str().unwrap()).await;
        assert_eq!(answer.1["code"], "user_token_required");
    }
    let duplicate = server.post("/api/projects", &session, json!({ "name": "web" })).await;
    assert_eq!(duplicate.0, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_agent_story_works_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let server = TestServer::start_with(orion_storage::connect(&url).await.expect("SQLite opens")).await;
    let ada = server.signup("ada").await;
    server.create_project(&ada, "web").await;
    let agent = server.agent_token(&ada, "web", "web-1").await;

    // A bad heartbeat stores nothing; a good one is the server's latest.
    let mut bad = heartbeat_body();
    bad["disk"]["usedGb"] = json!("lots");
    assert_eq!(server.heartbeat(&agent, bad).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(server.servers(&ada, "web").await[0]["latest"], json!(null));
    server.heartbeat_ok(&agent, heartbeat_body()).await;
    let listed = &server.servers(&ada, "web").await[0];
    assert_eq!((&listed["online"], &listed["latest"]["scripts"][0]["pid"]), (&json!(true), &json!(4242)));
    assert_eq!(listed["latest"]["disk"]["totalGb"], 200.0);

    assert_eq!(server.alert(&agent, alert_body("api")).await.0, StatusCode::CREATED);
    assert_eq!(server.incidents(&ada, "web", "").await.1[0]["serverId"], "web-1");

    let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;
    let id = &command["id"].to_string();
    assert_eq!(server.commands(&agent).await[0]["id"], command["id"]);
    assert_eq!(server.ack(&agent, id, "ok", Some("done")).await.0, StatusCode::OK);
    assert_eq!(server.ack(&agent, id, "ok", None).await.0, StatusCode::CONFLICT);
    let other = server.agent_token(&ada, "web", "web-2").await;
    assert_eq!(server.ack(&other, id, "ok", None).await.0, StatusCode::NOT_FOUND);
    let listed = server.server_commands(&ada, "web", "web-1", "").await.1;
    assert_eq!((&listed[0]["status"], &listed[0]["output"]), (&json!("ok"), &json!("done")));
}

#[tokio::test]
async fn the_alert_story_works_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let repos = orion_storage::connect(&url).await.expect("SQLite opens");
    let clock = orion_testkit::FakeClock::default();
    let notifiers = orion_notify::Notifiers::new(orion_notify::NotifyConfig::default()).unwrap();
    let orion = TestServer::orion_builder(repos, &clock).notifier(std::sync::Arc::new(notifiers)).build();
    let t = crate::with_logs_on(TestServer::start_orion(orion, clock).await).await;
    let (server, ada) = (&t.server, &t.ada);
    let sink = orion_testkit::WebhookSink::start().await;
    let channel = format!("webhook:{}", sink.url());
    let body = json!({"name": "api errors", "condition": "error_count >= 2", "channels": [channel], "source": "api"});
    let rule = server.create_rule(ada, "web", body).await;
    assert_eq!(server.rules(ada, "web").await, vec![rule.clone()]);

    // Errors of another source do not count for a rule narrowed to `api`.
    let errors = json!([
        {"message": "a", "level": "error", "source": "api"},
        {"message": "b", "level": "fatal", "source": "worker"},
    ]);
    server.ingest_ok(&t.writer, errors, 2).await;
    server.clock.advance(chrono::Duration::minutes(1));
    server.evaluate().await;
    assert!(sink.received().is_empty());
    server.ingest_ok(&t.writer, json!({"message": "c", "level": "fatal", "source": "api"}), 1).await;
    server.clock.advance(chrono::Duration::minutes(1));
    server.evaluate().await;
    server.clock.advance(chrono::Duration::minutes(5));
    server.evaluate().await;

    let kinds: Vec<_> = sink.received().iter().map(|r| r.json["kind"].clone()).collect();
    assert_eq!(kinds, [json!("firing"), json!("resolved")]);
    assert_eq!(sink.received()[0].json["value"], 2.0);
    let events = server.alert_events(ada, "web").await;
    let kinds: Vec<_> = events.iter().map(|e| e["kind"].clone()).collect();
    assert_eq!(kinds, [json!("resolved"), json!("firing")]);
    assert_eq!(events[1]["deliveries"], json!([{"channel": channel, "ok": true}]));

    let id = &rule["id"].to_string();
    assert_eq!(server.delete_rule(ada, "web", id).await.0, StatusCode::NO_CONTENT);
    assert!(server.rules(ada, "web").await.is_empty());
    assert_eq!(server.alert_events(ada, "web").await.len(), 2);
}
