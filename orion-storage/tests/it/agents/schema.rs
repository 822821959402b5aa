//! The agent schema step: applied once on a fresh database, never again,
//! and what it created survives a reopen.

use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{stored_project, stored_server};

const STEP: &str = "m20261127_000004_create_agents";

async fn the_agent_migration_runs_once_and_keeps_its_data(url: String) {
    let first = orion_storage::migrate(&url).await.unwrap();
    assert!(first.applied.iter().any(|m| m == STEP), "{:?}", first.applied);

    let repos = orion_storage::connect(&url).await.unwrap();
    let project = stored_project(&repos).await;
    let srv = stored_server(&repos, project.id, "survivor").await;

    let again = orion_storage::migrate(&url).await.unwrap();
    assert!(again.applied.is_empty(), "{:?}", again.applied);
    let reopened = orion_storage::connect(&url).await.unwrap();
    assert_eq!(reopened.servers.find(project.id, &srv.server_id).await.unwrap(), Some(srv));
}

#[tokio::test]
async fn the_agent_migration_runs_once_and_keeps_its_data_on_sqlite() {
    let (_dir, url) = sqlite_url();
    the_agent_migration_runs_once_and_keeps_its_data(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn the_agent_migration_runs_once_and_keeps_its_data_on_postgres() {
    on_postgres(the_agent_migration_runs_once_and_keeps_its_data).await;
}
