//! The HTTP API, end to end: a real server ([`TestServer`]) on an
//! ephemeral port, driven with reqwest (and tokio-tungstenite for the live
//! tail), over in-memory storage (and walk-throughs over SQLite). One
//! binary, one module per area.

use orion_testkit::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

mod agents;
mod alert_preview;
mod alerts;
mod alerts_delivery;
mod auth;
mod authorization;
mod check_order;
mod commands;
mod dashboard;
mod errors;
mod export;
mod histogram;
mod incidents;
mod ingest;
mod live;
mod live_machines;
mod log_views;
mod logs;
mod openapi;
mod projects;
mod searches;
mod server_metrics;
mod servers;
mod shippers;
mod silences;
mod sources;
mod sqlite;
mod tokens;
mod two_factor;
mod ws_ticket;

/// Asserts an error answer: its status, its `code`, and a non-empty
/// human `error` sentence.
#[track_caller]
fn assert_error(answer: &(StatusCode, Value), status: StatusCode, code: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "no error sentence in {body}");
}

/// The `field`s named in a validation error's details.
fn detail_fields(body: &Value) -> Vec<&str> {
    body["details"]
        .as_array()
        .map(|d| d.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// A server with one signed-up user (`ada`) and their session token.
async fn with_user() -> (TestServer, String) {
    let server = TestServer::start().await;
    let token = server.signup("ada").await;
    (server, token)
}

/// The names in a JSON array of objects.
fn names(list: &Value) -> Vec<&str> {
    list.as_array().expect("a JSON array").iter().filter_map(|e| e["name"].as_str()).collect()
}

/// A server where `ada` owns the project `web` and holds an API token of
/// it with `logs:write` (for ingesting) — the usual start of a log test.
struct Logs {
    server: TestServer,
    /// Ada's session.
    ada: String,
    /// An `sk_api_` token of `web` with `logs:write`.
    writer: String,
}

async fn with_logs() -> Logs {
    with_logs_on(TestServer::start().await).await
}

async fn with_logs_on(server: TestServer) -> Logs {
    let ada = server.signup("ada").await;
    server.create_project(&ada, "web").await;
    let writer = server.create_token(&ada, "web", "writer", &["logs:write"]).await;
    let writer = writer["token"].as_str().unwrap().to_owned();
    Logs { server, ada, writer }
}

/// The `token` value of a creation answer.
fn token_of(created: &Value) -> String {
    created["token"].as_str().expect("a token").to_owned()
}

/// A server where `ada` owns the project `web` and registered the machine
/// `web-1` in it — the usual start of an agent test.
struct Fleet {
    server: TestServer,
    /// Ada's session.
    ada: String,
    /// The `sk_agent_` token of `web-1`.
    agent: String,
}

async fn with_agent() -> Fleet {
    let server = TestServer::start().await;
    let ada = server.signup("ada").await;
    server.create_project(&ada, "web").await;
    let agent = server.agent_token(&ada, "web", "web-1").await;
    Fleet { server, ada, agent }
}

/// An `sk_api_` token of `project` with exactly `permissions`.
async fn api_token(server: &TestServer, session: &str, project: &str, permissions: &[&str]) -> String {
    token_of(&server.create_token(session, project, "api", permissions).await)
}
