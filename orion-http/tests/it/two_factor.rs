//! Two-factor authentication over HTTP, with the FakeClock driving TOTP
//! steps: setup, enable, the login step, replays, expiry, attempt limits,
//! recovery codes, disable.

use chrono::Duration;
use orion_core::port::totp::code_at;
use orion_testkit::TestServer;
use orion_testkit::server::PASSWORD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{assert_error, with_user};

const EMAIL: &str = "ada@example.com";

/// The TOTP code for the clock's time shifted by `offset_seconds`.
fn code(server: &TestServer, secret: &str, offset_seconds: i64) -> String {
    code_at(secret, server.orion.clock().now().timestamp() + offset_seconds).expect("valid secret")
}

/// Turns 2FA on for the session's user; returns the secret and the
/// recovery codes, and moves the clock past the step used to enable (a
/// code of that step would be a replay).
async fn enable(server: &TestServer, token: &str) -> (String, Vec<String>) {
    let (status, setup) = server.post("/api/auth/2fa/setup", token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let (status, enabled) =
        server.post("/api/auth/2fa/enable", token, json!({ "code": code(server, &secret, 0) })).await;
    assert_eq!(status, StatusCode::OK, "{enabled}");
    assert_eq!(enabled["ok"], true);
    let codes =
        enabled["recoveryCodes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    server.clock.advance(Duration::seconds(30));
    (secret, codes)
}

/// Logs in with the password; returns the `tmp_` session token.
async fn start_login(server: &TestServer) -> String {
    let body = json!({ "email": EMAIL, "password": PASSWORD });
    let (status, reply) = server.request(Method::POST, "/api/auth/login", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["requires2FA"], true, "{reply}");
    assert!(reply.get("token").is_none(), "no session before the code: {reply}");
    let session = reply["sessionToken"].as_str().unwrap().to_owned();
    assert!(session.starts_with("tmp_"), "{session}");
    session
}

async fn verify(server: &TestServer, session: &str, code: &str) -> (StatusCode, Value) {
    let body = json!({ "sessionToken": session, "code": code });
    server.request(Method::POST, "/api/auth/2fa/verify", None, Some(body)).await
}

/// A six-digit code that is valid for none of the steps around now.
fn wrong_code(server: &TestServer, secret: &str) -> String {
    let valid: Vec<String> = (-1..=1).map(|s| code(server, secret, s * 30)).collect();
    ["000000", "111111", "222222"].into_iter().find(|c| !valid.iter().any(|v| v == c)).unwrap().to_owned()
}

#[tokio::test]
async fn setup_returns_a_secret_an_otpauth_url_and_a_qr_code() {
    let (server, token) = with_user().await;
    let (status, setup) = server.post("/api/auth/2fa/setup", &token, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(setup["secret"].as_str().is_some_and(|s| s.len() >= 16));
    assert!(setup["otpauthUrl"].as_str().unwrap().starts_with("otpauth://totp/"));
    assert!(!setup["qrPngBase64"].as_str().unwrap().is_empty());
    // Setup alone does not turn 2FA on.
    assert_eq!(server.get("/api/auth/me", &token).await.1["twoFactorEnabled"], false);
}

#[tokio::test]
async fn enabling_with_a_wrong_code_is_refused_and_leaves_2fa_off() {
    let (server, token) = with_user().await;
    let (_, setup) = server.post("/api/auth/2fa/setup", &token, json!({})).await;
    let bad = wrong_code(&server, setup["secret"].as_str().unwrap());
    let answer = server.post("/api/auth/2fa/enable", &token, json!({ "code": bad })).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(server.get("/api/auth/me", &token).await.1["twoFactorEnabled"], false);
}

#[tokio::test]
async fn enabling_without_setup_is_a_validation_error() {
    let (server, token) = with_user().await;
    let answer = server.post("/api/auth/2fa/enable", &token, json!({ "code": "123456" })).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
}

#[tokio::test]
async fn setup_when_2fa_is_already_on_is_a_conflict() {
    let (server, token) = with_user().await;
    enable(&server, &token).await;
    assert_error(
        &server.post("/api/auth/2fa/setup", &token, json!({})).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_eq!(server.get("/api/auth/me", &token).await.1["twoFactorEnabled"], true);
}

#[tokio::test]
async fn a_valid_code_completes_the_login() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    let session = start_login(&server).await;
    let (status, reply) = verify(&server, &session, &code(&server, &secret, 0)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let jwt = reply["token"].as_str().unwrap();
    assert_eq!(server.get("/api/auth/me", jwt).await.1["twoFactorEnabled"], true);
}

#[tokio::test]
async fn a_code_already_used_is_refused() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    let used = code(&server, &secret, 0);
    assert_eq!(verify(&server, &start_login(&server).await, &used).await.0, StatusCode::OK);
    let answer = verify(&server, &start_login(&server).await, &used).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn codes_one_step_either_side_are_accepted_and_two_steps_away_are_not() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    server.clock.advance(Duration::seconds(60));
    let previous_step = code(&server, &secret, -30);
    assert_eq!(verify(&server, &start_login(&server).await, &previous_step).await.0, StatusCode::OK);
    server.clock.advance(Duration::seconds(60));
    let next_step = code(&server, &secret, 30);
    assert_eq!(verify(&server, &start_login(&server).await, &next_step).await.0, StatusCode::OK);
    server.clock.advance(Duration::seconds(120));
    let two_steps_ahead = code(&server, &secret, 60);
    let answer = verify(&server, &start_login(&server).await, &two_steps_ahead).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn an_expired_session_token_is_refused() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    let session = start_login(&server).await;
    server.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let answer = verify(&server, &session, &code(&server, &secret, 0)).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn a_session_token_works_only_once() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    let session = start_login(&server).await;
    assert_eq!(verify(&server, &session, &code(&server, &secret, 0)).await.0, StatusCode::OK);
    server.clock.advance(Duration::seconds(30));
    let answer = verify(&server, &session, &code(&server, &secret, 0)).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn five_wrong_codes_kill_the_session_token() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    let session = start_login(&server).await;
    let bad = wrong_code(&server, &secret);
    for _ in 0..5 {
        assert_error(&verify(&server, &session, &bad).await, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let answer = verify(&server, &session, &code(&server, &secret, 0)).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn four_wrong_codes_still_leave_the_right_one_accepted() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    let session = start_login(&server).await;
    let bad = wrong_code(&server, &secret);
    for _ in 0..4 {
        verify(&server, &session, &bad).await;
    }
    assert_eq!(verify(&server, &session, &code(&server, &secret, 0)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn recovery_codes_work_once_each() {
    let (server, token) = with_user().await;
    let (_, codes) = enable(&server, &token).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(verify(&server, &start_login(&server).await, &codes[0]).await.0, StatusCode::OK);
    let reused = verify(&server, &start_login(&server).await, &codes[0]).await;
    assert_error(&reused, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(verify(&server, &start_login(&server).await, &codes[1]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn disabling_needs_a_valid_code_and_then_login_skips_the_code() {
    let (server, token) = with_user().await;
    let (secret, _) = enable(&server, &token).await;
    let bad = wrong_code(&server, &secret);
    let refused = server.post("/api/auth/2fa/disable", &token, json!({ "code": bad })).await;
    assert_error(&refused, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(server.get("/api/auth/me", &token).await.1["twoFactorEnabled"], true);

    let answer =
        server.post("/api/auth/2fa/disable", &token, json!({ "code": code(&server, &secret, 0) })).await;
    assert_eq!(answer, (StatusCode::OK, json!({ "ok": true })));
    assert_eq!(server.get("/api/auth/me", &token).await.1["twoFactorEnabled"], false);
    server.login(EMAIL, PASSWORD).await;
}

#[tokio::test]
async fn disabling_when_2fa_is_off_is_a_conflict() {
    let (server, token) = with_user().await;
    let answer = server.post("/api/auth/2fa/disable", &token, json!({ "code": "123456" })).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn two_factor_endpoints_need_a_session() {
    let server = TestServer::start().await;
    for path in ["/api/auth/2fa/setup", "/api/auth/2fa/enable", "/api/auth/2fa/disable"] {
        let answer = server.request(Method::POST, path, None, Some(json!({ "code": "123456" }))).await;
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}
