//! Projects: create, list with the archived filter, archive, restore,
//! delete; bad input stores nothing.

use orion_testkit::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{assert_error, detail_fields, names, with_user};

async fn list(server: &TestServer, token: &str, query: &str) -> (StatusCode, Value) {
    server.get(&format!("/api/projects{query}"), token).await
}

#[tokio::test]
async fn creating_a_project_answers_its_id_name_and_label() {
    let (server, token) = with_user().await;
    let (status, body) =
        server.post("/api/projects", &token, json!({ "name": "web-shop", "label": "Web shop" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["name"], "web-shop");
    assert_eq!(body["label"], "Web shop");
    assert!(body["id"].as_i64().is_some_and(|id| id > 0), "{body}");
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
}

#[tokio::test]
async fn the_label_defaults_to_the_name() {
    let (server, token) = with_user().await;
    assert_eq!(server.create_project(&token, "api").await["label"], "api");
}

#[tokio::test]
async fn the_list_is_a_plain_array_of_active_projects() {
    let (server, token) = with_user().await;
    server.create_project(&token, "web").await;
    let (status, body) = list(&server, &token, "").await;
    assert_eq!(status, StatusCode::OK);
    let project = &body.as_array().expect("a plain array")[0];
    let mut keys: Vec<_> = project.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["archived", "createdAt", "id", "label", "name"]);
    assert_eq!(project["archived"], false);
    assert_eq!(project["createdAt"], "2024-03-01T12:00:00.000Z");
}

#[tokio::test]
async fn archived_projects_are_listed_only_when_asked_for() {
    let (server, token) = with_user().await;
    server.create_project(&token, "live").await;
    server.create_project(&token, "old").await;
    let (status, archived) =
        server.request(Method::PATCH, "/api/projects/old/archive", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((archived["name"].as_str(), archived["archived"].as_bool()), (Some("old"), Some(true)));

    assert_eq!(names(&list(&server, &token, "").await.1), ["live"]);
    assert_eq!(names(&list(&server, &token, "?archived=false").await.1), ["live"]);
    assert_eq!(names(&list(&server, &token, "?archived=true").await.1), ["old"]);
    let mut all = names(&list(&server, &token, "?archived=all").await.1)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    all.sort();
    assert_eq!(all, ["live", "old"]);
}

#[tokio::test]
async fn restoring_brings_a_project_back_to_the_active_list() {
    let (server, token) = with_user().await;
    server.create_project(&token, "old").await;
    server.request(Method::PATCH, "/api/projects/old/archive", Some(&token), None).await;
    let (status, restored) =
        server.request(Method::PATCH, "/api/projects/old/restore", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(restored["archived"], false);
    assert_eq!(names(&list(&server, &token, "").await.1), ["old"]);
}

#[tokio::test]
async fn an_unknown_archived_value_is_a_validation_error() {
    let (server, token) = with_user().await;
    let answer = list(&server, &token, "?archived=maybe").await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["archived"]);
}

#[tokio::test]
async fn invalid_names_are_refused_and_nothing_is_stored() {
    let (server, token) = with_user().await;
    for bad in ["", "Web", "web shop", "-web", "web-", "a--b", "web_shop", &"a".repeat(65)] {
        let answer = server.post("/api/projects", &token, json!({ "name": bad })).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["name"], "{bad:?}");
    }
    let answer =
        server.post("/api/projects", &token, json!({ "name": "ok", "label": "x".repeat(201) })).await;
    assert_eq!(detail_fields(&answer.1), ["label"]);
    assert_eq!(list(&server, &token, "?archived=all").await.1, json!([]));
}

#[tokio::test]
async fn a_duplicate_name_is_a_conflict_and_stores_nothing() {
    let (server, token) = with_user().await;
    server.create_project(&token, "web").await;
    let answer = server.post("/api/projects", &token, json!({ "name": "web", "label": "Again" })).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    let listed = list(&server, &token, "?archived=all").await.1;
    assert_eq!(names(&listed), ["web"]);
    assert_eq!(listed[0]["label"], "web");
}

#[tokio::test]
async fn two_users_may_use_the_same_project_name() {
    let (server, ada) = with_user().await;
    let bob = server.signup("bob").await;
    server.create_project(&ada, "web").await;
    server.create_project(&bob, "web").await;
    assert_eq!(names(&list(&server, &bob, "").await.1), ["web"]);
}

#[tokio::test]
async fn deleting_answers_204_with_no_body_and_removes_everything_in_it() {
    let (server, token) = with_user().await;
    server.create_project(&token, "web").await;
    let source_token = server.create_source(&token, "web", "app").await["token"].as_str().unwrap().to_owned();
    let api_token =
        server.create_token(&token, "web", "ci", &["logs:read"]).await["token"].as_str().unwrap().to_owned();

    let response = server.http(Method::DELETE, "/api/projects/web").bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());

    assert_eq!(list(&server, &token, "?archived=all").await.1, json!([]));
    // Its tokens died with it.
    for value in [&source_token, &api_token] {
        assert_error(&server.get("/api/auth/me", value).await, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // A new project of the same name starts empty.
    server.create_project(&token, "web").await;
    assert_eq!(server.get("/api/projects/web/sources", &token).await.1, json!([]));
}

#[tokio::test]
async fn deleting_an_unknown_project_is_not_found() {
    let (server, token) = with_user().await;
    let answer = server.request(Method::DELETE, "/api/projects/ghost", Some(&token), None).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}
