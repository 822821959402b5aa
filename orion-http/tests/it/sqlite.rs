//! One full walk-through over the real SQLite backend, so the HTTP layer is
//! proven against the storage it ships with, not only the in-memory one.

use orion_testkit::TestServer;
use reqwest::StatusCode;
use serde_json::json;

use crate::names;

#[tokio::test]
async fn register_login_project_source_token_and_list_work_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let repos = orion_storage::connect(&url).await.expect("SQLite opens and migrates");
    let server = TestServer::start_with(repos).await;

    let session = server.signup("ada").await;
    assert_eq!(server.get("/api/auth/me", &session).await.1["email"], "ada@example.com");
    server.create_project(&session, "web").await;
    let source = server.create_source(&session, "web", "app").await;
    let token = server.create_token(&session, "web", "ci", &["logs:read"]).await;

    assert_eq!(names(&server.get("/api/projects", &session).await.1), ["web"]);
    assert_eq!(names(&server.get("/api/projects/web/sources", &session).await.1), ["app"]);
    let tokens = server.get("/api/projects/web/tokens", &session).await.1;
    let mut listed = names(&tokens);
    listed.sort_unstable();
    assert_eq!(listed, ["app", "ci"]);

    // Stored token hashes authenticate; a duplicate is still a 409 on SQLite.
    for value in [&source["token"], &token["token"]] {
        let answer = server.get("/api/auth/me", value.as_str().unwrap()).await;
        assert_eq!(answer.1["code"], "user_token_required");
    }
    let duplicate = server.post("/api/projects", &session, json!({ "name": "web" })).await;
    assert_eq!(duplicate.0, StatusCode::CONFLICT);
}
