//! The order of checks, on every authenticated endpoint: authentication
//! (401 with `WWW-Authenticate: Bearer`), then authorization (403), then
//! the resource (404), then the input (400). Each step is probed with a
//! malformed body or query, so a caller refused earlier provably learned
//! nothing about what a valid request looks like.
//!
//! The endpoints come from the OpenAPI document (every operation with a
//! security requirement), which `openapi.rs` proves equal to the served
//! route table: a new route fails here until [`rule`] says how it is
//! guarded. Also: every 405 carries `Allow` with the methods of its path.

use std::collections::{BTreeMap, BTreeSet};

use orion_testkit::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::openapi::{document, documented};
use crate::{api_token, assert_error};

const ALL: [&str; 6] =
    ["logs:write", "logs:read", "heartbeat:write", "agent:register", "commands:read", "commands:write"];

/// Who an endpoint lets in.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// User sessions only.
    User,
    /// API tokens with this permission only.
    Token(&'static str),
    /// The owner's session, or a token of the project with this permission.
    OwnerOr(&'static str),
    /// A user session, or a token with `agent:register`.
    Registrar,
}

/// What an endpoint reads after its checks.
#[derive(Debug, Clone, Copy)]
enum Input {
    /// Nothing.
    None,
    /// A JSON body (probed with a truncated one).
    Body,
    /// Query parameters (probed with this malformed query string).
    Query(&'static str),
}

/// How `method template` is guarded, or `None` for an endpoint this test
/// does not know yet.
fn rule(method: &str, template: &str) -> Option<(Who, Input)> {
    use Input::{Body, Query};
    let path = template.strip_prefix("/api/projects/{projectName}");
    let who_input = match (method, template, path) {
        ("GET", "/api/auth/me", _) | ("POST", "/api/auth/2fa/setup" | "/api/auth/ws-ticket", _) => {
            (Who::User, Input::None)
        }
        ("POST", "/api/auth/2fa/enable" | "/api/auth/2fa/disable", _) => (Who::User, Body),
        ("GET", "/api/projects", _) => (Who::User, Query("archived=maybe")),
        ("POST", "/api/projects", _) => (Who::User, Body),
        ("POST", "/api/agent/log" | "/api/agent/alert", _) => (Who::Token("logs:write"), Body),
        ("POST", "/api/agent/heartbeat", _) => (Who::Token("heartbeat:write"), Body),
        ("POST", "/api/agent/register", _) => (Who::Registrar, Body),
        ("POST", "/api/agent/source", _) => (Who::Token("agent:register"), Body),
        ("GET", "/api/agent/commands", _) => (Who::Token("commands:read"), Query("serverId=not%20an%20id")),
        ("POST", "/api/agent/commands/{commandId}/ack", _) => (Who::Token("commands:write"), Body),
        ("GET", "/ws", _) => (Who::OwnerOr("logs:read"), Query("project=web&level=loud")),
        (
            _,
            _,
            Some(
                "/logs"
                | "/sources/{sourceName}/logs"
                | "/logs/histogram"
                | "/logs/export"
                | "/logs/facets"
                | "/logs/{id}/context",
            ),
        ) => (Who::OwnerOr("logs:read"), Query("from=yesterday")),
        (
            "POST" | "PUT",
            _,
            Some(
                "/sources"
                | "/tokens"
                | "/alerts/rules"
                | "/alerts/rules/{ruleId}"
                | "/alerts/rules/preview"
                | "/searches"
                | "/searches/{searchId}"
                | "/alerts/silences",
            ),
        ) => (Who::User, Body),
        ("POST", _, Some("/servers/{serverId}/commands")) => (Who::User, Body),
        ("GET", _, Some("/servers/{serverId}/heartbeats" | "/incidents")) => (Who::User, Query("to=soon")),
        ("GET", _, Some("/servers/metrics")) => (Who::User, Query("step=0m")),
        ("GET", _, Some("/servers/{serverId}/commands" | "/alerts/events")) => (Who::User, Query("limit=0")),
        (
            _,
            _,
            Some(
                ""
                | "/archive"
                | "/restore"
                | "/sources"
                | "/tokens"
                | "/tokens/{tokenId}"
                | "/tokens/{tokenId}/rotate"
                | "/servers"
                | "/searches"
                | "/searches/{searchId}"
                | "/alerts/silences"
                | "/alerts/silences/{silenceId}"
                | "/alerts/rules"
                | "/alerts/rules/{ruleId}"
                | "/alerts/rules/{ruleId}/test"
                | "/incidents/{incidentId}"
                | "/incidents/{incidentId}/resolve",
            ),
        ) => (Who::User, Input::None),
        _ => return None,
    };
    Some(who_input)
}

/// Ada's project `web` with one of everything, Bob (who owns nothing) and
/// a token of `web` for every permission set the probes need.
struct World {
    server: TestServer,
    ada: String,
    bob: String,
    /// Path parameters naming Ada's existing resources.
    ids: BTreeMap<&'static str, String>,
    /// Exactly one permission → its token; `!perm` → every permission but it.
    tokens: BTreeMap<String, String>,
}

impl World {
    async fn new() -> Self {
        let server = TestServer::start().await;
        let ada = server.signup("ada").await;
        let bob = server.signup("bob").await;
        server.create_project(&ada, "web").await;
        server.create_source(&ada, "web", "app").await;
        let agent = server.agent_token(&ada, "web", "web-1").await;
        let (_, _) = server.alert(&agent, orion_testkit::server::alert_body("api")).await;
        let (_, incidents) = server.incidents(&ada, "web", "").await;
        let incident = incidents[0]["id"].to_string();
        let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;
        let rule = json!({"name": "errors", "condition": "error_count > 1", "channels": ["email"]});
        let rule = server.create_rule(&ada, "web", rule).await;
        let token = server.create_token(&ada, "web", "ci", &["logs:read"]).await;
        let (_, search) = server
            .post("/api/projects/web/searches", &ada, json!({"name": "errors", "q": "level:error"}))
            .await;
        let (status, silence) = server
            .post(
                "/api/projects/web/alerts/silences",
                &ada,
                json!({"until": "2024-03-02T12:00:00Z", "reason": "deploy"}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{silence}");
        let mut tokens = BTreeMap::new();
        for perm in ALL {
            tokens.insert(perm.to_owned(), api_token(&server, &ada, "web", &[perm]).await);
            let others: Vec<&str> = ALL.into_iter().filter(|p| *p != perm).collect();
            tokens.insert(format!("!{perm}"), api_token(&server, &ada, "web", &others).await);
        }
        tokens.insert("all".into(), api_token(&server, &ada, "web", &ALL).await);
        server.ingest_ok(&tokens["logs:write"], json!({"message": "hello"}), 1).await;
        let (_, page) = server.search(&ada, "web", "").await;
        let entry = page["logs"][0]["id"].to_string();
        let ids = BTreeMap::from([
            ("{projectName}", "web".to_owned()),
            ("{sourceName}", "app".to_owned()),
            ("{serverId}", "web-1".to_owned()),
            ("{tokenId}", token["id"].to_string()),
            ("{ruleId}", rule["id"].to_string()),
            ("{searchId}", search["id"].to_string()),
            ("{silenceId}", silence["id"].to_string()),
            ("{commandId}", command["id"].to_string()),
            ("{incidentId}", incident),
            ("{id}", entry),
        ]);
        Self { server, ada, bob, ids, tokens }
    }

    /// `template` with Ada's resources, except `unknown`, which gets a
    /// value naming nothing.
    fn path(&self, template: &str, unknown: Option<&str>) -> String {
        let mut path = template.to_owned();
        for (param, value) in &self.ids {
            let value = if unknown == Some(*param) { "999999999" } else { value.as_str() };
            path = path.replace(param, value);
        }
        path
    }

    /// A principal the endpoint must refuse with a 403, and its code.
    fn refused(&self, who: Who) -> (&str, &'static str) {
        match who {
            Who::User => (&self.tokens["all"], "user_token_required"),
            Who::Token(perm) | Who::OwnerOr(perm) => {
                (&self.tokens[&format!("!{perm}")], "missing_permission")
            }
            Who::Registrar => (&self.tokens["!agent:register"], "missing_permission"),
        }
    }

    /// A principal the endpoint lets in.
    fn allowed(&self, who: Who) -> &str {
        match who {
            Who::User | Who::OwnerOr(_) | Who::Registrar => &self.ada,
            Who::Token(perm) => &self.tokens[perm],
        }
    }

    /// Sends `method path` with `input` malformed (and WebSocket upgrade
    /// headers for `/ws`, so warp hands the request to the route).
    async fn probe(&self, method: &str, path: &str, token: Option<&str>, input: Input) -> Probe {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let url = match input {
            Input::Query(query) => format!("{path}?{query}"),
            _ => path.to_owned(),
        };
        let mut request = self.server.http(method, &url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Input::Body = input {
            request = request.header("content-type", "application/json").body(r#"{"name": "#);
        }
        if path == "/ws" {
            request = request
                .header("connection", "upgrade")
                .header("upgrade", "websocket")
                .header("sec-websocket-version", "13")
                .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
        }
        let response = request.send().await.unwrap();
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = TestServer::read(response).await;
        Probe { answer: (status, body), challenge }
    }
}

struct Probe {
    answer: (StatusCode, Value),
    challenge: Option<String>,
}

/// Every authenticated operation of the document, with its guard.
async fn authenticated(server: &TestServer) -> Vec<(String, String, Who, Input)> {
    let doc = document(server).await;
    let mut unknown = Vec::new();
    let mut out = Vec::new();
    for (method, template) in documented(&doc) {
        let op = &doc["paths"][&template][method.to_lowercase()];
        if op.get("security").or(doc.get("security")).is_none_or(|s| s == &json!([])) {
            continue;
        }
        match rule(&method, &template) {
            Some((who, input)) => out.push((method, template, who, input)),
            None => unknown.push(format!("{method} {template}")),
        }
    }
    assert!(unknown.is_empty(), "say in `rule` how these are guarded: {unknown:?}");
    assert!(out.len() > 30, "only {} authenticated endpoints found", out.len());
    out
}

#[tokio::test]
async fn every_authenticated_endpoint_checks_in_order_before_reading_its_input() {
    let world = World::new().await;
    for (method, template, who, input) in authenticated(&world.server).await {
        let at = format!("{method} {template}");
        let path = world.path(&template, None);

        // 1. No token, and a token that names nobody: 401 with the challenge.
        for token in [None, Some("sk_api_unknown"), Some("not-a-jwt")] {
            let probe = world.probe(&method, &path, token, input).await;
            assert_eq!(probe.answer.0, StatusCode::UNAUTHORIZED, "{at} {token:?}: {}", probe.answer.1);
            assert_error(&probe.answer, StatusCode::UNAUTHORIZED, "unauthorized");
            assert_eq!(probe.challenge.as_deref(), Some("Bearer"), "{at}");
        }

        // 2. A principal of the wrong kind or without the permission: 403.
        let (refused, code) = world.refused(who);
        let probe = world.probe(&method, &path, Some(refused), input).await;
        assert_eq!(probe.answer.0, StatusCode::FORBIDDEN, "{at}: {}", probe.answer.1);
        assert_error(&probe.answer, StatusCode::FORBIDDEN, code);
        if let Who::OwnerOr(_) = who {
            // A user session is let in, so it can be refused only as a user.
            let probe = world.probe(&method, &path, Some(&world.tokens["logs:write"]), input).await;
            assert_error(&probe.answer, StatusCode::FORBIDDEN, "missing_permission");
        }

        // 3. Another user's project, then an unknown resource of one's own: 404.
        if template.contains("{projectName}") || template == "/ws" {
            let probe = world.probe(&method, &path, Some(&world.bob), input).await;
            assert_eq!(probe.answer.0, StatusCode::NOT_FOUND, "{at} as Bob: {}", probe.answer.1);
            assert_error(&probe.answer, StatusCode::NOT_FOUND, "not_found");
        }
        for param in ["{sourceName}", "{serverId}", "{tokenId}", "{ruleId}", "{commandId}"] {
            if template.contains(param) {
                let path = world.path(&template, Some(param));
                let probe = world.probe(&method, &path, Some(world.allowed(who)), input).await;
                assert_eq!(probe.answer.0, StatusCode::NOT_FOUND, "{at} unknown {param}: {}", probe.answer.1);
                assert_error(&probe.answer, StatusCode::NOT_FOUND, "not_found");
            }
        }

        // 4. Let in, with the malformed input: now, and only now, a 400.
        let code = match input {
            Input::None => continue,
            Input::Body => "invalid_json",
            Input::Query(_) => "validation_failed",
        };
        let probe = world.probe(&method, &path, Some(world.allowed(who)), input).await;
        assert_eq!(probe.answer.0, StatusCode::BAD_REQUEST, "{at}: {}", probe.answer.1);
        assert_error(&probe.answer, StatusCode::BAD_REQUEST, code);
    }
}

#[tokio::test]
async fn a_session_on_an_agent_endpoint_is_refused_before_its_body_is_read() {
    let world = World::new().await;
    for (method, template, who, input) in authenticated(&world.server).await {
        if let (Who::Token(_), Input::Body) = (who, input) {
            let probe = world.probe(&method, &world.path(&template, None), Some(&world.ada), input).await;
            assert_error(&probe.answer, StatusCode::FORBIDDEN, "missing_permission");
        }
    }
}

#[tokio::test]
async fn every_401_carries_a_bearer_challenge() {
    let server = TestServer::start().await;
    server.signup("ada").await;
    let bad_login = json!({"email": "ada@example.com", "password": "wrong password"});
    let response = server.http(Method::POST, "/api/auth/login").json(&bad_login).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = server.http(Method::GET, "/api/auth/me").bearer_auth("expired.or.forged").send().await;
    let response = response.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn every_405_lists_the_methods_of_its_path_in_allow() {
    let world = World::new().await;
    let mut served: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (method, template) in documented(&document(&world.server).await) {
        served.entry(template).or_default().insert(method);
    }
    // A literal path (`/alerts/rules/preview`) is served by its own
    // template only, never by one whose parameter fits it
    // (`/alerts/rules/{ruleId}`): its wrong methods are 405s with its own
    // `Allow`.
    for (template, methods) in &served {
        let path = world.path(template, None);
        for wrong in ["GET", "POST", "PUT", "PATCH", "DELETE"].into_iter().filter(|m| !methods.contains(*m)) {
            let response = world
                .server
                .http(Method::from_bytes(wrong.as_bytes()).unwrap(), &path)
                .bearer_auth(&world.ada)
                .send()
                .await
                .unwrap();
            let allow = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
            let answer = TestServer::read(response).await;
            assert_error(&answer, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
            let allowed: BTreeSet<String> =
                allow.unwrap_or_default().split(',').map(|m| m.trim().to_owned()).collect();
            assert_eq!(&allowed, methods, "{wrong} {template}: Allow");
        }
    }
}

#[tokio::test]
async fn a_token_without_the_permission_gets_403_even_for_an_oversized_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let world = World::new().await;
    let addr = world.server.base_url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    // Chunked, so the size is learned only while reading: 11 MiB, past
    // ingestion's 10 MiB limit.
    let head = format!(
        "POST /api/agent/log HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        world.tokens["!logs:write"]
    );
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        let chunk = format!("{:x}\r\n{}\r\n", 1024 * 1024, " ".repeat(1024 * 1024));
        for _ in 0..11 {
            write.write_all(chunk.as_bytes()).await?;
        }
        write.write_all(b"0\r\n\r\n").await
    });
    let mut answer = Vec::new();
    read.read_to_end(&mut answer).await.unwrap();
    let _ = writer.await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("\"code\":\"missing_permission\""), "{answer}");
}
