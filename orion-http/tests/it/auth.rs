//! Registration, login (throttling included) and `me`.

use chrono::Duration;
use orion_testkit::TestServer;
use orion_testkit::server::PASSWORD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{assert_error, detail_fields, with_user};

fn registration(pseudo: &str, email: &str) -> Value {
    json!({ "firstName": "Ada", "lastName": "Lovelace", "pseudo": pseudo, "email": email, "password": PASSWORD })
}

async fn register(server: &TestServer, body: Value) -> (StatusCode, Value) {
    server.request(Method::POST, "/api/auth/register", None, Some(body)).await
}

async fn login(server: &TestServer, email: &str, password: &str) -> (StatusCode, Value) {
    let body = json!({ "email": email, "password": password });
    server.request(Method::POST, "/api/auth/login", None, Some(body)).await
}

#[tokio::test]
async fn registering_answers_201_with_ok_true() {
    let server = TestServer::start().await;
    let answer = register(&server, registration("ada", "ada@example.com")).await;
    assert_eq!(answer, (StatusCode::CREATED, json!({ "ok": true })));
}

#[tokio::test]
async fn every_invalid_registration_field_is_reported_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let bad =
        json!({ "firstName": "", "lastName": " ", "pseudo": "a b", "email": "nope", "password": "short" });
    let answer = register(&server, bad).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    let mut fields = detail_fields(&answer.1);
    fields.sort_unstable();
    assert_eq!(fields, ["email", "firstName", "lastName", "password", "pseudo"]);
    // Nothing was stored: the same pseudo and email are still free.
    assert_eq!(register(&server, registration("ada", "ada@example.com")).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn missing_registration_fields_are_validation_errors() {
    let server = TestServer::start().await;
    let answer = register(&server, json!({})).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1).len(), 5, "{}", answer.1);
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict_whatever_its_case() {
    let server = TestServer::start().await;
    register(&server, registration("ada", "ada@example.com")).await;
    let answer = register(&server, registration("ada2", "  ADA@Example.com ")).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn a_duplicate_pseudo_is_a_conflict() {
    let server = TestServer::start().await;
    register(&server, registration("ada", "ada@example.com")).await;
    let answer = register(&server, registration("ada", "other@example.com")).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    // The refused account does not exist.
    assert_error(
        &login(&server, "other@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
}

#[tokio::test]
async fn login_returns_a_session_token_that_authenticates() {
    let server = TestServer::start().await;
    register(&server, registration("ada", "ada@example.com")).await;
    let (status, body) = login(&server, "Ada@Example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let object = body.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["token"]);
    let token = body["token"].as_str().unwrap();
    assert_eq!(server.get("/api/auth/me", token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_401() {
    let server = TestServer::start().await;
    register(&server, registration("ada", "ada@example.com")).await;
    let wrong_password = login(&server, "ada@example.com", "not the password").await;
    let unknown_email = login(&server, "bob@example.com", PASSWORD).await;
    assert_error(&wrong_password, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(wrong_password, unknown_email);
}

#[tokio::test]
async fn ten_failures_lock_the_email_with_429_and_retry_after_until_the_window_passes() {
    let server = TestServer::start().await;
    register(&server, registration("ada", "ada@example.com")).await;
    for _ in 0..10 {
        assert_eq!(login(&server, "ada@example.com", "wrong password").await.0, StatusCode::UNAUTHORIZED);
    }
    let body = json!({ "email": "ada@example.com", "password": PASSWORD });
    let response = server.http(Method::POST, "/api/auth/login").json(&body).send().await.unwrap();
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let answer = TestServer::read(response).await;
    assert_error(&answer, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!((1..=15 * 60).contains(&retry_after), "Retry-After: {retry_after}");
    // Another email is not affected.
    assert_eq!(login(&server, "bob@example.com", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    // Once the window has passed, the right password works again.
    server.clock.advance(Duration::seconds(retry_after as i64));
    assert_eq!(login(&server, "ada@example.com", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn me_shows_the_user_and_no_secret() {
    let (server, token) = with_user().await;
    let (status, me) = server.get("/api/auth/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    let mut keys: Vec<_> = me.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["createdAt", "email", "firstName", "id", "lastName", "pseudo", "twoFactorEnabled"]);
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["pseudo"], "ada");
    assert_eq!(me["twoFactorEnabled"], false);
    // The FakeClock's instant, in RFC 3339 UTC with milliseconds.
    assert_eq!(me["createdAt"], "2024-03-01T12:00:00.000Z");
}

#[tokio::test]
async fn me_without_a_valid_bearer_is_401() {
    let (server, token) = with_user().await;
    for header in
        [None, Some("Bearer".to_owned()), Some(format!("Basic {token}")), Some("Bearer nonsense".to_owned())]
    {
        let mut request = server.http(Method::GET, "/api/auth/me");
        if let Some(header) = &header {
            request = request.header("authorization", header);
        }
        let answer = TestServer::read(request.send().await.unwrap()).await;
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn a_session_token_expires_after_a_day() {
    let (server, token) = with_user().await;
    server.clock.advance(Duration::hours(24) + Duration::seconds(1));
    assert_error(&server.get("/api/auth/me", &token).await, StatusCode::UNAUTHORIZED, "unauthorized");
}
