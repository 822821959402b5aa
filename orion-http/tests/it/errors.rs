//! The error contract: JSON bodies for every failure (unknown path, wrong
//! method, bad JSON, wrong types, oversized bodies, internal errors), 204s
//! without a body, request ids on every answer, and the health check.

use std::sync::Arc;

use async_trait::async_trait;
use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::{ArchivedFilter, Project, ProjectId, ProjectName, UserId};
use orion_core::repo::ProjectRepository;
use orion_testkit::{InMemoryRepos, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{assert_error, detail_fields, with_user};

#[tokio::test]
async fn an_unknown_path_is_a_json_404() {
    let server = TestServer::start().await;
    // `/` and other paths outside the API's prefixes are the dashboard's
    // (tests/it/dashboard.rs); under them, an unknown path stays JSON.
    for path in
        ["/api", "/api/nothing", "/api/projects/web/nothing", "/api/health/extra", "/ws/x", "/otlp/nothing"]
    {
        let answer = server.request(Method::GET, path, None, None).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(answer.1["error"], orion_http::NO_ROUTE, "{path}");
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_a_json_405() {
    let server = TestServer::start().await;
    for (method, path) in
        [(Method::PUT, "/api/projects"), (Method::DELETE, "/api/health"), (Method::GET, "/api/auth/login")]
    {
        let answer = server.request(method, path, None, None).await;
        assert_error(&answer, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    }
}

#[tokio::test]
async fn malformed_json_is_invalid_json_and_stores_nothing() {
    let (server, token) = with_user().await;
    for body in ["{", "{\"name\": \"web\"", "name=web", "{\"name\": \"web\"} extra", ""] {
        let response = server
            .http(Method::POST, "/api/projects")
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_error(&TestServer::read(response).await, StatusCode::BAD_REQUEST, "invalid_json");
    }
    assert_eq!(server.get("/api/projects?archived=all", &token).await.1, json!([]));
}

#[tokio::test]
async fn wrong_field_types_are_validation_errors_naming_the_field() {
    let (server, token) = with_user().await;
    let answer = server.post("/api/projects", &token, json!({ "name": 42 })).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["name"]);

    server.create_project(&token, "web").await;
    let answer = server
        .post("/api/projects/web/tokens", &token, json!({ "name": "ci", "permissions": "logs:read" }))
        .await;
    assert_eq!(detail_fields(&answer.1), ["permissions"]);
    let answer = server
        .post("/api/projects/web/tokens", &token, json!({ "name": "ci", "permissions": ["logs:read", 7] }))
        .await;
    assert_eq!(detail_fields(&answer.1), ["permissions[1]"]);
    let answer = server.post("/api/projects/web/sources", &token, json!(["app"])).await;
    assert_eq!(detail_fields(&answer.1), ["body"]);

    assert_eq!(server.get("/api/projects/web/tokens", &token).await.1, json!([]));
    assert_eq!(server.get("/api/projects/web/sources", &token).await.1, json!([]));
}

#[tokio::test]
async fn an_oversized_body_is_413_and_stores_nothing() {
    let (server, token) = with_user().await;
    let label = "x".repeat(orion_http::BODY_LIMIT);
    let answer = server.post("/api/projects", &token, json!({ "name": "big", "label": label })).await;
    assert_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(server.get("/api/projects?archived=all", &token).await.1, json!([]));
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read() {
    let (server, token) = with_user().await;
    // Under the limit, so it reaches the service, which refuses the label length.
    let label = "x".repeat(orion_http::BODY_LIMIT - 100);
    let answer = server.post("/api/projects", &token, json!({ "name": "big", "label": label })).await;
    assert_eq!(detail_fields(&answer.1), ["label"]);
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let (server, token) = with_user().await;
    let (status, _) = server.post("/api/projects", &token, json!({ "name": "web", "colour": "blue" })).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn every_answer_carries_a_fresh_request_id() {
    let server = TestServer::start().await;
    let mut ids = Vec::new();
    for path in ["/api/health", "/api/health", "/api/nothing", "/api/auth/me"] {
        let response = server.http(Method::GET, path).send().await.unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

#[tokio::test]
async fn health_answers_ok_and_the_version_without_auth() {
    let server = TestServer::start().await;
    let answer = server.request(Method::GET, "/api/health", None, None).await;
    assert_eq!(answer, (StatusCode::OK, json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })));
}

/// A project repository whose backend is down, with a cause that must
/// never reach a client.
#[derive(Debug)]
struct BrokenProjects;

fn down<T>() -> RepoResult<T> {
    Err(RepositoryError::unavailable(std::io::Error::other("disk on fire at /var/secret/orion.db")))
}

#[async_trait]
impl ProjectRepository for BrokenProjects {
    async fn insert(&self, _: &Project) -> RepoResult<()> {
        down()
    }
    async fn find_by_name(&self, _: UserId, _: &ProjectName) -> RepoResult<Option<Project>> {
        down()
    }
    async fn find_by_id(&self, _: ProjectId) -> RepoResult<Option<Project>> {
        down()
    }
    async fn list_by_owner(&self, _: UserId, _: ArchivedFilter) -> RepoResult<Vec<Project>> {
        down()
    }
    async fn set_archived(&self, _: ProjectId, _: bool) -> RepoResult<()> {
        down()
    }
    async fn delete(&self, _: ProjectId) -> RepoResult<()> {
        down()
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_500_that_hides_its_cause() {
    let mut repos = InMemoryRepos::new();
    repos.projects = Arc::new(BrokenProjects);
    let server = TestServer::start_with(repos).await;
    let token = server.signup("ada").await;
    for (method, path) in [(Method::GET, "/api/projects"), (Method::GET, "/api/projects/web/sources")] {
        let answer = server.request(method, path, Some(&token), None).await;
        assert_eq!(
            answer,
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": "internal server error", "code": "internal" })
            )
        );
    }
}

/// A `tracing` writer into a shared buffer, to read what the server logged.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything the test binary logs. A process-wide subscriber (not a
/// thread-scoped one) because `cargo test` runs tests on shared threads and
/// tracing caches per-callsite interest globally: with scoped subscribers a
/// span could be disabled by another test's empty dispatcher.
fn captured_logs() -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber =
            tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        captured
    })
}

#[tokio::test]
async fn a_500s_cause_is_logged_with_the_request_id_and_the_access_log_has_the_status() {
    let captured = captured_logs();
    let mut repos = InMemoryRepos::new();
    repos.projects = Arc::new(BrokenProjects);
    let server = TestServer::start_with(repos).await;
    let token = server.signup("ada").await;
    let response = server.http(Method::GET, "/api/projects").bearer_auth(&token).send().await.unwrap();
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let ours: Vec<&str> = log.lines().filter(|l| l.contains(&request_id)).collect();
    assert!(
        ours.iter().any(|l| l.contains("disk on fire")),
        "the cause is not logged with {request_id}: {ours:?}"
    );
    let access = ours.iter().find(|l| l.contains("request served")).expect("access log");
    assert!(access.contains("status=500") && access.contains("/api/projects"), "{access}");
    assert!(!log.contains(&token), "a bearer token reached the log");
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_cut_off_with_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (server, token) = with_user().await;
    let addr = server.base_url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    // No Content-Length: the limit must hold while the body is read.
    let head = format!(
        "POST /api/projects HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        write.write_all(b"d\r\n{\"name\":\"big\"\r\n").await?;
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
        // 2 MiB of whitespace; the server may stop reading (and close) early.
        for _ in 0..32 {
            write.write_all(chunk.as_bytes()).await?;
        }
        write.write_all(b"1\r\n}\r\n0\r\n\r\n").await
    });
    let mut answer = Vec::new();
    read.read_to_end(&mut answer).await.unwrap();
    let _ = writer.await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"payload_too_large\""), "{answer}");
    assert_eq!(server.get("/api/projects?archived=all", &token).await.1, json!([]));
}
