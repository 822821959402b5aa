//! Alert silences over HTTP (`…/alerts/silences`): create (201 with an
//! integer id), list, delete; every bad field a 400 naming it with nothing
//! stored; the reason and the count bounded; another user's project or
//! silence a 404 before the body is read; a silenced firing shows
//! `silenced: true` in the history. (Every project route's 404 for
//! another user is also in `authorization.rs`, the order of checks in
//! `check_order.rs`.)

use chrono::Duration;
use orion_testkit::server::rule_body;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{api_token, assert_error, detail_fields, with_user};

const BASE: &str = "/api/projects/web/alerts/silences";
const HOOK: &str = "webhook:https://hooks.example.com/orion";
/// An hour after the test server's clock.
const IN_AN_HOUR: &str = "2024-03-01T13:00:00.000Z";

async fn list(server: &orion_testkit::TestServer, token: &str) -> Vec<Value> {
    let (status, body) = server.get(BASE, token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().expect("an array").clone()
}

#[tokio::test]
async fn a_silence_is_created_listed_and_deleted_and_expires_on_its_own() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    server.agent_token(&ada, "web", "web-1").await;
    let rule = server.create_rule(&ada, "web", rule_body("errors", "log_count >= 0", &[HOOK])).await;
    let body = json!({"ruleId": rule["id"], "serverId": "web-1", "until": "2024-03-01T14:00:00+01:00", "reason": " deploy "});
    let (status, created) = server.post(BASE, &ada, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["id"].is_i64(), "{created}");
    assert_eq!(
        created,
        json!({
            "id": created["id"],
            "ruleId": rule["id"],
            "serverId": "web-1",
            "until": IN_AN_HOUR,
            "reason": "deploy",
            "createdAt": "2024-03-01T12:00:00.000Z",
        })
    );
    let (_, everything) = server.post(BASE, &ada, json!({"until": IN_AN_HOUR, "reason": "all"})).await;
    assert_eq!((&everything["ruleId"], &everything["serverId"]), (&Value::Null, &Value::Null));
    assert_eq!(list(&server, &ada).await, [created.clone(), everything.clone()], "oldest first");

    // The rule fires silenced: the history says so and lists no delivery.
    server.orion.alerts().evaluate_all().await.unwrap();
    let (_, events) = server.get("/api/projects/web/alerts/events", &ada).await;
    assert_eq!(
        (&events[0]["kind"], &events[0]["silenced"], &events[0]["deliveries"]),
        (&json!("firing"), &json!(true), &json!([]))
    );

    let path = format!("{BASE}/{}", created["id"]);
    let (status, _) = server.request(Method::DELETE, &path, Some(&ada), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(
        &server.request(Method::DELETE, &path, Some(&ada), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(list(&server, &ada).await, std::slice::from_ref(&everything));

    server.clock.advance(Duration::hours(1));
    assert!(list(&server, &ada).await.is_empty(), "expired at until");
    let path = format!("{BASE}/{}", everything["id"]);
    assert_error(
        &server.request(Method::DELETE, &path, Some(&ada), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn a_bad_silence_is_a_400_naming_each_field_and_nothing_is_stored() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    server.create_project(&ada, "shop").await;
    let foreign = server.create_rule(&ada, "shop", rule_body("errors", "log_count >= 0", &[HOOK])).await;
    let good = json!({"until": IN_AN_HOUR, "reason": "deploy"});
    let cases: &[(Value, &[&str])] = &[
        (json!({"ruleId": foreign["id"]}), &["ruleId"]),
        (json!({"ruleId": 0}), &["ruleId"]),
        (json!({"ruleId": "1"}), &["ruleId"]),
        (json!({"serverId": "web-1"}), &["serverId"]),
        (json!({"serverId": "not a server"}), &["serverId"]),
        (json!({"until": null}), &["until"]),
        (json!({"until": "2024-03-01T11:00:00Z"}), &["until"]),
        (json!({"until": "2024-06-01T12:00:00Z"}), &["until"]),
        (json!({"until": "soon"}), &["until"]),
        (json!({"reason": ""}), &["reason"]),
        (json!({"reason": "x".repeat(501)}), &["reason"]),
        (
            json!({"ruleId": 0, "serverId": "nope", "until": "soon", "reason": ""}),
            &["ruleId", "serverId", "until", "reason"],
        ),
    ];
    for (patch, fields) in cases {
        let mut body = good.clone();
        for (key, value) in patch.as_object().unwrap() {
            body[key] = value.clone();
        }
        let answer = server.post(BASE, &ada, body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), *fields, "{patch}: {}", answer.1);
    }
    assert!(list(&server, &ada).await.is_empty(), "a refused silence was stored");
}

#[tokio::test]
async fn a_project_holds_at_most_100_active_silences() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    for _ in 0..100 {
        let (status, _) = server.post(BASE, &ada, json!({"until": IN_AN_HOUR, "reason": "r"})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let answer = server.post(BASE, &ada, json!({"until": IN_AN_HOUR, "reason": "r"})).await;
    assert_eq!(answer.0, StatusCode::CONFLICT, "{}", answer.1);
    assert_eq!(list(&server, &ada).await.len(), 100);
}

#[tokio::test]
async fn strangers_and_api_tokens_are_refused_before_the_body_is_read() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let (_, silence) = server.post(BASE, &ada, json!({"until": IN_AN_HOUR, "reason": "r"})).await;
    let bob = server.signup("bob").await;
    server.create_project(&bob, "bobs").await;
    // Another user's project: 404 even for a body that would be a 400.
    assert_error(&server.post(BASE, &bob, json!({"reason": ""})).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.get(BASE, &bob).await, StatusCode::NOT_FOUND, "not_found");
    let path = format!("{BASE}/{}", silence["id"]);
    assert_error(
        &server.request(Method::DELETE, &path, Some(&bob), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Ada's silence through Bob's own project: not his.
    let path_bob = format!("/api/projects/bobs/alerts/silences/{}", silence["id"]);
    assert_error(
        &server.request(Method::DELETE, &path_bob, Some(&bob), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let token = api_token(&server, &ada, "web", &["logs:read"]).await;
    assert_error(
        &server.post(BASE, &token, json!({"reason": ""})).await,
        StatusCode::FORBIDDEN,
        "user_token_required",
    );
    assert_eq!(list(&server, &ada).await.len(), 1, "untouched");
}
