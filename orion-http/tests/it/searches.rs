//! Saved searches (`…/searches`): create, list, replace, delete; `q` and
//! the range checked before anything is stored; names unique and the
//! count bounded; another user's project and unknown ids are 404s; API
//! tokens are refused. (Every project route's 404 for another user is
//! also in `authorization.rs`, the order of checks in `check_order.rs`.)

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{api_token, assert_error, detail_fields, with_user};

const BASE: &str = "/api/projects/web/searches";

async fn list(server: &orion_testkit::TestServer, token: &str) -> Vec<Value> {
    let (status, body) = server.get(BASE, token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().expect("an array").clone()
}

#[tokio::test]
async fn a_saved_search_is_created_listed_replaced_and_deleted() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    assert!(list(&server, &ada).await.is_empty());

    let body = json!({"name": "  Checkout errors ", "q": "level>=error -tag:health \"timed out\"", "from": "now-1h", "to": "now"});
    let (status, created) = server.post(BASE, &ada, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (&created["name"], &created["q"], &created["from"], &created["to"]),
        (
            &json!("Checkout errors"),
            &json!("level>=error -tag:health \"timed out\""),
            &json!("now-1h"),
            &json!("now")
        )
    );
    assert!(created["id"].is_i64() && created["createdAt"].is_string() && created["updatedAt"].is_string());
    let (_, second) = server.post(BASE, &ada, json!({"name": "all", "q": ""})).await;
    assert_eq!((&second["from"], &second["to"]), (&Value::Null, &Value::Null));
    let listed = list(&server, &ada).await;
    assert_eq!(listed, [created.clone(), second.clone()], "oldest first");

    let path = format!("{BASE}/{}", created["id"]);
    let replace =
        json!({"name": "Checkout", "q": "source:checkout", "from": "2026-01-01T00:00:00Z", "to": null});
    let (status, replaced) = server.request(Method::PUT, &path, Some(&ada), Some(replace)).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!((&replaced["id"], &replaced["createdAt"]), (&created["id"], &created["createdAt"]));
    assert_eq!(
        (&replaced["q"], &replaced["from"], &replaced["to"]),
        (&json!("source:checkout"), &json!("2026-01-01T00:00:00Z"), &Value::Null)
    );
    assert_eq!(list(&server, &ada).await[0], replaced);

    let (status, _) = server.request(Method::DELETE, &path, Some(&ada), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(list(&server, &ada).await, [second]);
    let answer = server.request(Method::DELETE, &path, Some(&ada), None).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    let answer = server.request(Method::PUT, &path, Some(&ada), Some(json!({"name": "x"}))).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn bad_fields_are_refused_all_at_once_and_nothing_is_stored() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let body = json!({"name": " ", "q": "-", "from": "yesterday", "to": "now-1y"});
    let answer = server.post(BASE, &ada, body).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["name", "q", "from", "to"]);
    let q = answer.1["details"][1]["message"].as_str().unwrap();
    assert!(q.contains("at character 1"), "{q}");
    for bad in
        [json!({"name": "x".repeat(101)}), json!({"name": "a\u{7}b"}), json!({"name": "ok", "q": "\"open"})]
    {
        let answer = server.post(BASE, &ada, bad.clone()).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    }
    let answer = server.post(BASE, &ada, json!({"name": "ok", "q": 5})).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["q"]);
    assert!(list(&server, &ada).await.is_empty());

    // A bad replacement changes nothing either.
    let (_, created) = server.post(BASE, &ada, json!({"name": "kept", "q": "timeout"})).await;
    let path = format!("{BASE}/{}", created["id"]);
    let answer =
        server.request(Method::PUT, &path, Some(&ada), Some(json!({"name": "new", "q": "level:loud"}))).await;
    assert_eq!(detail_fields(&answer.1), ["q"]);
    assert_eq!(list(&server, &ada).await, [created]);
}

#[tokio::test]
async fn names_are_unique_in_a_project_and_a_project_holds_at_most_100() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    server.create_project(&ada, "api").await;
    let (_, first) = server.post(BASE, &ada, json!({"name": "same"})).await;
    let answer = server.post(BASE, &ada, json!({"name": "same", "q": "x"})).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    // Another project may use the name.
    let (status, _) = server.post("/api/projects/api/searches", &ada, json!({"name": "same"})).await;
    assert_eq!(status, StatusCode::CREATED);
    // Renaming onto a taken name is a conflict too.
    let (_, other) = server.post(BASE, &ada, json!({"name": "other"})).await;
    let path = format!("{BASE}/{}", other["id"]);
    let answer = server.request(Method::PUT, &path, Some(&ada), Some(json!({"name": "same"}))).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");

    for i in 2..100 {
        let (status, body) = server.post(BASE, &ada, json!({"name": format!("s{i}")})).await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
    }
    let answer = server.post(BASE, &ada, json!({"name": "one too many"})).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    assert_eq!(list(&server, &ada).await.len(), 100);
    assert_eq!(list(&server, &ada).await[0], first);
}

#[tokio::test]
async fn another_users_project_or_search_is_not_found_and_tokens_are_refused() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let (_, search) = server.post(BASE, &ada, json!({"name": "mine"})).await;
    let bob = server.signup("bob").await;
    server.create_project(&bob, "bobs").await;
    let path = format!("{BASE}/{}", search["id"]);
    // Bob: 404 on Ada's project, even with a bad body.
    for (method, path) in [
        (Method::GET, BASE.to_owned()),
        (Method::POST, BASE.to_owned()),
        (Method::PUT, path.clone()),
        (Method::DELETE, path.clone()),
    ] {
        let answer = server.request(method, &path, Some(&bob), Some(json!({"name": ""}))).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    // Ada's search is not reachable through Bob's project, nor Bob's
    // through Ada's; a malformed id is a 404.
    let (_, bobs) = server.post("/api/projects/bobs/searches", &bob, json!({"name": "his"})).await;
    let answer = server.request(Method::DELETE, &format!("{BASE}/{}", bobs["id"]), Some(&ada), None).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    let answer = server.request(Method::DELETE, &format!("{BASE}/abc"), Some(&ada), None).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    // API tokens: 403 before anything else.
    let token = api_token(&server, &ada, "web", &["logs:read"]).await;
    let answer = server.get(BASE, &token).await;
    assert_error(&answer, StatusCode::FORBIDDEN, "user_token_required");
    assert_eq!(list(&server, &ada).await, [search]);
}

#[tokio::test]
async fn deleting_a_project_deletes_its_saved_searches() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    server.post(BASE, &ada, json!({"name": "gone"})).await;
    let (status, _) = server.request(Method::DELETE, "/api/projects/web", Some(&ada), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    server.create_project(&ada, "web").await;
    assert!(list(&server, &ada).await.is_empty());
}
