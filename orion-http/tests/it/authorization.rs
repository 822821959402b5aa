//! Who may do what: another user's project is a 404 on every project
//! route (and stays untouched), API tokens are refused on user-only routes,
//! and every authenticated route refuses a missing bearer.
//!
//! The log and agent routes, which take API tokens, have their permission
//! tests in `ingest.rs`, `logs.rs`, `live.rs`, `agents.rs` and
//! `commands.rs`.

use orion_testkit::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{assert_error, names, with_user};

/// Every route that acts on a project, with a body that would be valid.
fn project_routes(project: &str, token_id: &str) -> Vec<(Method, String, Option<Value>)> {
    let p = format!("/api/projects/{project}");
    vec![
        (Method::GET, format!("{p}/sources"), None),
        (Method::POST, format!("{p}/sources"), Some(json!({ "name": "intruder" }))),
        (Method::GET, format!("{p}/tokens"), None),
        (
            Method::POST,
            format!("{p}/tokens"),
            Some(json!({ "name": "intruder", "permissions": ["logs:read"] })),
        ),
        (Method::DELETE, format!("{p}/tokens/{token_id}"), None),
        (Method::POST, format!("{p}/tokens/{token_id}/rotate"), None),
        (Method::GET, format!("{p}/servers"), None),
        (Method::GET, format!("{p}/servers/metrics"), None),
        (Method::GET, format!("{p}/searches"), None),
        (Method::POST, format!("{p}/searches"), Some(json!({ "name": "intruder", "q": "x" }))),
        (Method::PUT, format!("{p}/searches/1"), Some(json!({ "name": "intruder", "q": "x" }))),
        (Method::DELETE, format!("{p}/searches/1"), None),
        (Method::GET, format!("{p}/alerts/silences"), None),
        (
            Method::POST,
            format!("{p}/alerts/silences"),
            Some(json!({ "until": "2999-01-01T00:00:00Z", "reason": "intruder" })),
        ),
        (Method::DELETE, format!("{p}/alerts/silences/1"), None),
        (Method::GET, format!("{p}/servers/web-1/heartbeats"), None),
        (Method::GET, format!("{p}/servers/web-1/commands"), None),
        (
            Method::POST,
            format!("{p}/servers/web-1/commands"),
            Some(json!({ "type": "restart", "scriptName": "api" })),
        ),
        (Method::GET, format!("{p}/incidents"), None),
        (Method::GET, format!("{p}/incidents/1"), None),
        (Method::POST, format!("{p}/incidents/1/resolve"), None),
        (Method::PATCH, format!("{p}/archive"), None),
        (Method::PATCH, format!("{p}/restore"), None),
        (Method::DELETE, p, None),
    ]
}

/// Every route that needs a bearer.
fn authenticated_routes() -> Vec<(Method, String, Option<Value>)> {
    let mut routes = project_routes("web", "00000000-0000-4000-8000-000000000000");
    routes.extend([
        (Method::GET, "/api/auth/me".to_owned(), None),
        (Method::POST, "/api/auth/2fa/setup".to_owned(), None),
        (Method::POST, "/api/auth/2fa/enable".to_owned(), Some(json!({ "code": "123456" }))),
        (Method::POST, "/api/auth/2fa/disable".to_owned(), Some(json!({ "code": "123456" }))),
        (Method::GET, "/api/projects".to_owned(), None),
        (Method::POST, "/api/projects".to_owned(), Some(json!({ "name": "new" }))),
    ]);
    routes
}

#[tokio::test]
async fn another_users_project_is_not_found_on_every_project_route() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    server.create_source(&ada, "web", "app").await;
    let token = server.create_token(&ada, "web", "ci", &["logs:read"]).await;
    let bob = server.signup("bob").await;

    for (method, path, body) in project_routes("web", &token["id"].to_string()) {
        let answer = server.request(method.clone(), &path, Some(&bob), body).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(answer.1, json!({ "error": "project not found", "code": "not_found" }), "{method} {path}");
    }

    // Nothing of Ada's changed.
    let projects = server.get("/api/projects", &ada).await.1;
    assert_eq!((names(&projects), projects[0]["archived"].as_bool()), (vec!["web"], Some(false)));
    assert_eq!(names(&server.get("/api/projects/web/sources", &ada).await.1), ["app"]);
    let tokens = server.get("/api/projects/web/tokens", &ada).await.1;
    assert_eq!(tokens.as_array().unwrap().len(), 2);
    assert_eq!(server.get("/api/auth/me", token["token"].as_str().unwrap()).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_nonexistent_and_a_foreign_project_look_the_same() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let bob = server.signup("bob").await;
    let foreign = server.get("/api/projects/web/sources", &bob).await;
    let missing = server.get("/api/projects/nothing-here/sources", &bob).await;
    assert_eq!(foreign, missing);
}

#[tokio::test]
async fn an_api_token_is_refused_on_user_only_routes() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let all =
        ["logs:write", "logs:read", "heartbeat:write", "agent:register", "commands:read", "commands:write"];
    let api =
        server.create_token(&ada, "web", "everything", &all).await["token"].as_str().unwrap().to_owned();
    let source = server.create_source(&ada, "web", "app").await["token"].as_str().unwrap().to_owned();

    for value in [&api, &source] {
        for (method, path, body) in authenticated_routes() {
            let answer = server.request(method.clone(), &path, Some(value), body).await;
            assert_error(&answer, StatusCode::FORBIDDEN, "user_token_required");
            let _ = (method, path);
        }
    }
    // Nothing was created or removed by those calls.
    assert_eq!(names(&server.get("/api/projects?archived=all", &ada).await.1), ["web"]);
    assert_eq!(names(&server.get("/api/projects/web/sources", &ada).await.1), ["app"]);
    assert_eq!(server.get("/api/projects/web/tokens", &ada).await.1.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn every_authenticated_route_refuses_a_missing_bearer() {
    let server = TestServer::start().await;
    for (method, path, body) in authenticated_routes() {
        let answer = server.request(method.clone(), &path, None, body).await;
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}
