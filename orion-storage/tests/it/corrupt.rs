//! Rows the domain would refuse (written by hand, an old version, or a
//! bug) must come back as `Unavailable`, never as a panic.

use orion_core::RepositoryError;
use orion_core::model::TokenId;
use sea_orm::{ConnectionTrait, Database};

use crate::backends::sqlite_url;
use crate::fixtures::{project, user};

#[tokio::test]
async fn a_stored_token_of_unknown_kind_is_unavailable_not_a_panic() {
    let (_dir, url) = sqlite_url();
    let repos = orion_storage::connect(&url).await.unwrap();
    let owner = user("ada@example.com", "ada");
    repos.users.insert(&owner).await.unwrap();
    let web = project(owner.id, "web");
    repos.projects.insert(&web).await.unwrap();
    let id = TokenId(orion_testkit::fresh_id());

    let raw = Database::connect(url.as_str()).await.unwrap();
    raw.execute_unprepared(&format!(
        "INSERT INTO api_tokens (id, project_id, name, kind, hash, display_prefix, permissions, \
         created_at) VALUES ({id}, {}, 't', 'martian', 'h', 'sk_', 'logs:write', \
         '2024-01-01T00:00:00+00:00')",
        web.id
    ))
    .await
    .unwrap();

    let found = repos.tokens.find(web.id, id).await;
    assert!(matches!(found, Err(RepositoryError::Unavailable(_))), "{found:?}");
}

#[tokio::test]
async fn a_stored_malformed_id_is_unavailable_not_a_panic() {
    let (_dir, url) = sqlite_url();
    let repos = orion_storage::connect(&url).await.unwrap();
    let raw = Database::connect(url.as_str()).await.unwrap();
    raw.execute_unprepared(
        "INSERT INTO users (id, first_name, last_name, pseudo, pseudo_key, email, password_hash, \
         totp_enabled, recovery_code_hashes, created_at) VALUES (0, 'A', 'B', 'abc', \
         'abc', 'x@example.com', 'h', false, '[]', '2024-01-01T00:00:00+00:00')",
    )
    .await
    .unwrap();

    let email = orion_core::model::Email::parse("x@example.com").unwrap();
    let found = repos.users.find_by_email(&email).await;
    assert!(matches!(found, Err(RepositoryError::Unavailable(_))), "{found:?}");
}

#[tokio::test]
async fn a_stored_command_of_unknown_kind_or_an_unknown_script_state_is_unavailable() {
    let (_dir, url) = sqlite_url();
    let repos = orion_storage::connect(&url).await.unwrap();
    let web = crate::fixtures::stored_project(&repos).await;
    let srv = crate::fixtures::stored_server(&repos, web.id, "box").await;
    let id = orion_core::model::CommandId(orion_testkit::fresh_id());

    let raw = Database::connect(url.as_str()).await.unwrap();
    raw.execute_unprepared(&format!(
        "INSERT INTO commands (id, project_id, server_id, kind, payload, status, created_at) \
         VALUES ({id}, {}, 'box', 'reboot-the-moon', '{{}}', 'pending', 0)",
        web.id
    ))
    .await
    .unwrap();
    raw.execute_unprepared(&format!(
        "INSERT INTO heartbeats (project_id, server_id, timestamp, received_at, cpu_percent, scripts) \
         VALUES ({}, 'box', 0, 0, 1, '[{{\"name\": \"api\", \"state\": \"zombie\"}}]')",
        web.id
    ))
    .await
    .unwrap();

    let found = repos.commands.find(web.id, id).await;
    assert!(matches!(found, Err(RepositoryError::Unavailable(_))), "{found:?}");
    let latest = repos.heartbeats.latest(web.id, &srv.server_id).await;
    assert!(matches!(latest, Err(RepositoryError::Unavailable(_))), "{latest:?}");
}

#[tokio::test]
async fn a_stored_rule_with_a_bad_condition_or_channel_is_unavailable() {
    let (_dir, url) = sqlite_url();
    let repos = orion_storage::connect(&url).await.unwrap();
    let web = crate::fixtures::stored_project(&repos).await;
    let raw = Database::connect(url.as_str()).await.unwrap();
    for (condition, channels) in
        [("error_count => 3", r#"["email"]"#), ("error_count >= 3", r#"["pager:42"]"#)]
    {
        let id = orion_core::model::RuleId(orion_testkit::fresh_id());
        raw.execute_unprepared(&format!(
            "INSERT INTO alert_rules (id, project_id, name, condition, window_minutes, channels, enabled, \
             repeat_minutes, created_at, updated_at) \
             VALUES ({id}, {}, 'r', '{condition}', 5, '{channels}', true, 60, 0, 0)",
            web.id
        ))
        .await
        .unwrap();
        let found = repos.alert_rules.find(web.id, id).await;
        assert!(matches!(found, Err(RepositoryError::Unavailable(_))), "{condition} {channels}: {found:?}");
        raw.execute_unprepared(&format!("DELETE FROM alert_rules WHERE id = '{id}'")).await.unwrap();
    }
}
