//! Sources: create (with their `sk_` token) and list.

use reqwest::StatusCode;
use serde_json::json;

use crate::{assert_error, detail_fields, names, with_user};

#[tokio::test]
async fn creating_a_source_answers_its_token_once() {
    let (server, token) = with_user().await;
    server.create_project(&token, "web").await;
    let (status, body) = server
        .post("/api/projects/web/sources", &token, json!({ "name": "app", "description": "The app" }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["name"], "app");
    assert!(body["token"].as_str().unwrap().starts_with("sk_"));
    let mut keys: Vec<_> = body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "name", "token"]);

    let (status, list) = server.get("/api/projects/web/sources", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list,
        json!([{ "id": body["id"], "name": "app", "description": "The app", "createdAt": "2024-03-01T12:00:00.000Z" }])
    );
}

#[tokio::test]
async fn a_source_token_is_listed_with_the_projects_tokens_without_its_value() {
    let (server, token) = with_user().await;
    server.create_project(&token, "web").await;
    let value = server.create_source(&token, "web", "app").await["token"].as_str().unwrap().to_owned();
    let (_, tokens) = server.get("/api/projects/web/tokens", &token).await;
    assert_eq!(tokens[0]["kind"], "source");
    assert_eq!(tokens[0]["permissions"], json!(["logs:write"]));
    assert!(!tokens.to_string().contains(&value));
}

#[tokio::test]
async fn a_duplicate_source_is_a_conflict_and_stores_nothing() {
    let (server, token) = with_user().await;
    server.create_project(&token, "web").await;
    server.create_source(&token, "web", "app").await;
    let answer = server.post("/api/projects/web/sources", &token, json!({ "name": "app" })).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    assert_eq!(names(&server.get("/api/projects/web/sources", &token).await.1), ["app"]);
    assert_eq!(server.get("/api/projects/web/tokens", &token).await.1.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_source_names_are_refused_and_nothing_is_stored() {
    let (server, token) = with_user().await;
    server.create_project(&token, "web").await;
    for bad in ["", "App", "my app", "a--b"] {
        let answer = server.post("/api/projects/web/sources", &token, json!({ "name": bad })).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["name"]);
    }
    assert_eq!(server.get("/api/projects/web/sources", &token).await.1, json!([]));
    assert_eq!(server.get("/api/projects/web/tokens", &token).await.1, json!([]));
}

#[tokio::test]
async fn sources_of_an_unknown_project_are_not_found() {
    let (server, token) = with_user().await;
    assert_error(
        &server.get("/api/projects/ghost/sources", &token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let answer = server.post("/api/projects/ghost/sources", &token, json!({ "name": "app" })).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}
