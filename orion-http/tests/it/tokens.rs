//! API tokens: create, list (never the value), revoke and rotate, with the
//! old values refused at once.

use chrono::Duration;
use orion_testkit::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{assert_error, detail_fields, names, with_user};

/// A server with `ada`, her project `web` and an `sk_api_` token `ci`;
/// returns the server, her session and the token's creation answer.
async fn with_token() -> (TestServer, String, serde_json::Value) {
    let (server, session) = with_user().await;
    server.create_project(&session, "web").await;
    let created = server.create_token(&session, "web", "ci", &["logs:read", "logs:write"]).await;
    (server, session, created)
}

/// Whether `value` authenticates: an API token on `me` is refused with
/// 403 `user_token_required` only after it was recognised.
async fn authenticates(server: &TestServer, value: &str) -> bool {
    match server.get("/api/auth/me", value).await {
        (StatusCode::FORBIDDEN, body) if body["code"] == "user_token_required" => true,
        (StatusCode::UNAUTHORIZED, _) => false,
        other => panic!("unexpected answer {other:?}"),
    }
}

#[tokio::test]
async fn creating_a_token_answers_its_value_once() {
    let (server, session, created) = with_token().await;
    assert_eq!(created["name"], "ci");
    assert_eq!(created["permissions"], json!(["logs:write", "logs:read"]));
    let value = created["token"].as_str().unwrap();
    assert!(value.starts_with("sk_api_"), "{value}");

    let (status, list) = server.get("/api/projects/web/tokens", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.to_string().contains(value), "the listing leaks the value: {list}");
    let item = &list[0];
    assert_eq!(item["id"], created["id"]);
    assert_eq!(item["kind"], "api");
    assert!(value.starts_with(item["prefix"].as_str().unwrap()));
    assert_eq!(item["lastUsedAt"], json!(null));
    assert_eq!(item["createdAt"], "2024-03-01T12:00:00.000Z");
    let mut keys: Vec<_> = item.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["createdAt", "id", "kind", "lastUsedAt", "name", "permissions", "prefix"]);
}

#[tokio::test]
async fn using_a_token_records_when_it_was_last_used() {
    let (server, session, created) = with_token().await;
    server.clock.advance(Duration::minutes(3));
    assert!(authenticates(&server, created["token"].as_str().unwrap()).await);
    let list = server.get("/api/projects/web/tokens", &session).await.1;
    assert_eq!(list[0]["lastUsedAt"], "2024-03-01T12:03:00.000Z");
}

#[tokio::test]
async fn unknown_or_missing_permissions_are_refused_and_nothing_is_stored() {
    let (server, session) = with_user().await;
    server.create_project(&session, "web").await;
    for permissions in [json!(["logs:delete"]), json!([]), json!(["logs:read", "admin"])] {
        let answer = server
            .post("/api/projects/web/tokens", &session, json!({ "name": "x", "permissions": permissions }))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["permissions"]);
    }
    let answer = server
        .post("/api/projects/web/tokens", &session, json!({ "name": "", "permissions": ["logs:read"] }))
        .await;
    assert_eq!(detail_fields(&answer.1), ["name"]);
    assert_eq!(server.get("/api/projects/web/tokens", &session).await.1, json!([]));
}

#[tokio::test]
async fn revoking_answers_204_and_the_value_stops_working_at_once() {
    let (server, session, created) = with_token().await;
    let value = created["token"].as_str().unwrap();
    assert!(authenticates(&server, value).await);
    let path = format!("/api/projects/web/tokens/{}", &created["id"].to_string());
    let response = server.http(Method::DELETE, &path).bearer_auth(&session).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    assert!(!authenticates(&server, value).await);
    assert_eq!(server.get("/api/projects/web/tokens", &session).await.1, json!([]));
}

#[tokio::test]
async fn rotating_gives_a_new_value_and_the_old_one_stops_working_at_once() {
    let (server, session, created) = with_token().await;
    let old = created["token"].as_str().unwrap();
    let path = format!("/api/projects/web/tokens/{}/rotate", &created["id"].to_string());
    let (status, rotated) = server.request(Method::POST, &path, Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rotated.as_object().unwrap().len(), 2, "{rotated}");
    assert_eq!(rotated["id"], created["id"]);
    let new = rotated["token"].as_str().unwrap();
    assert!(new.starts_with("sk_api_") && new != old);
    assert!(!authenticates(&server, old).await);
    assert!(authenticates(&server, new).await);
    // Same token, same name and permissions; only the value changed.
    let list = server.get("/api/projects/web/tokens", &session).await.1;
    assert_eq!(names(&list), ["ci"]);
    assert!(new.starts_with(list[0]["prefix"].as_str().unwrap()));
}

#[tokio::test]
async fn unknown_token_ids_are_not_found() {
    let (server, session, _) = with_token().await;
    for id in ["00000000-0000-4000-8000-000000000000", "not-a-uuid"] {
        let delete = server
            .request(Method::DELETE, &format!("/api/projects/web/tokens/{id}"), Some(&session), None)
            .await;
        assert_error(&delete, StatusCode::NOT_FOUND, "not_found");
        let rotate = server
            .request(Method::POST, &format!("/api/projects/web/tokens/{id}/rotate"), Some(&session), None)
            .await;
        assert_error(&rotate, StatusCode::NOT_FOUND, "not_found");
    }
    assert_eq!(names(&server.get("/api/projects/web/tokens", &session).await.1), ["ci"]);
}

#[tokio::test]
async fn a_token_of_one_project_cannot_be_revoked_through_another() {
    let (server, session, created) = with_token().await;
    server.create_project(&session, "other").await;
    let path = format!("/api/projects/other/tokens/{}", &created["id"].to_string());
    assert_error(
        &server.request(Method::DELETE, &path, Some(&session), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert!(authenticates(&server, created["token"].as_str().unwrap()).await);
}
