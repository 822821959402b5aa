//! The HTTP API, end to end: a real server ([`TestServer`]) on an
//! ephemeral port, driven with reqwest, over in-memory storage (and one
//! walk-through over SQLite). One binary, one module per area.

use orion_testkit::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

mod auth;
mod authorization;
mod errors;
mod openapi;
mod projects;
mod sources;
mod sqlite;
mod tokens;
mod two_factor;

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
