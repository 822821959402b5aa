//! `POST /api/auth/ws-ticket` and `/ws?ticket=`: a browser opens the live
//! tail without its JWT in a URL. Tickets are single-use, expire after
//! 30 s, belong to user sessions only, and cannot stand in for a 2FA
//! session.

use chrono::{DateTime, Duration, Utc};
use orion_core::port::Clock;
use orion_testkit::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::live::refused;
use crate::{assert_error, token_of, with_logs};

async fn ticket(server: &TestServer, token: &str) -> (StatusCode, Value) {
    server.post("/api/auth/ws-ticket", token, json!({})).await
}

#[tokio::test]
async fn a_ticket_opens_the_live_tail_once() {
    let t = with_logs().await;
    let (status, body) = ticket(&t.server, &t.ada).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let value = body["ticket"].as_str().unwrap().to_owned();
    assert!(value.starts_with("wst_") && value.len() >= 40, "{value}");
    let expires: DateTime<Utc> = body["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - t.server.clock.now(), Duration::seconds(30));

    let mut live = t.server.live(None, &format!("ticket={value}&project=web")).await.expect("opens");
    t.server.ingest_ok(&t.writer, json!({"message": "via a ticket"}), 1).await;
    assert_eq!(live.next().await["log"]["message"], "via a ticket");

    // Single use: the same ticket again is refused, before the upgrade.
    let (status, body) = refused(&t.server, None, &format!("ticket={value}")).await;
    assert_eq!((status, &body["code"]), (StatusCode::UNAUTHORIZED, &json!("unauthorized")));
    // Two tickets are two different values.
    let (_, other) = ticket(&t.server, &t.ada).await;
    assert_ne!(other["ticket"].as_str().unwrap(), value);
}

#[tokio::test]
async fn a_ticket_expires_after_30_seconds() {
    let t = with_logs().await;
    let late = ticket(&t.server, &t.ada).await.1["ticket"].as_str().unwrap().to_owned();
    let in_time = ticket(&t.server, &t.ada).await.1["ticket"].as_str().unwrap().to_owned();
    t.server.clock.advance(Duration::seconds(29));
    t.server.live(None, &format!("ticket={in_time}")).await.expect("29 s old: still valid");
    t.server.clock.advance(Duration::seconds(1));
    let (status, _) = refused(&t.server, None, &format!("ticket={late}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_a_user_session_gets_a_ticket() {
    let t = with_logs().await;
    assert_error(
        &t.server.request(reqwest::Method::POST, "/api/auth/ws-ticket", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let reader = token_of(&t.server.create_token(&t.ada, "web", "reader", &["logs:read"]).await);
    let answer = ticket(&t.server, &reader).await;
    assert_eq!(answer.0, StatusCode::FORBIDDEN, "{}", answer.1);
    assert_error(&ticket(&t.server, "not-a-jwt").await, StatusCode::UNAUTHORIZED, "unauthorized");
    // An API token may still come in the query (it is not a session).
    let mut live = t.server.live(None, &format!("token={reader}")).await.expect("opens");
    t.server.ingest_ok(&t.writer, json!({"message": "via an API token"}), 1).await;
    assert_eq!(live.next().await["log"]["message"], "via an API token");
}

#[tokio::test]
async fn forged_tickets_and_tickets_as_2fa_sessions_are_refused() {
    let t = with_logs().await;
    for forged in ["wst_nothing", "tmp_nothing", "nothing"] {
        let (status, _) = refused(&t.server, None, &format!("ticket={forged}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{forged}");
    }
    // A ticket lives beside the 2FA challenges: it must not pass for one.
    let value = ticket(&t.server, &t.ada).await.1["ticket"].as_str().unwrap().to_owned();
    let answer = t
        .server
        .request(
            reqwest::Method::POST,
            "/api/auth/2fa/verify",
            None,
            Some(json!({"sessionToken": value, "code": "000000"})),
        )
        .await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    // …and that refusal did not consume it.
    t.server.live(None, &format!("ticket={value}")).await.expect("still valid");
}
