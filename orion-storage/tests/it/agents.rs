//! What the agent tables (servers, heartbeats, commands, incidents) do
//! beyond the shared contract: races decided by the database, atomicity a
//! failing statement exposes, insertion order within one millisecond, the
//! schema step itself, and deletion by the repository or the foreign keys
//! alone — checked with raw SQL on both backends.

mod commands;
mod deletion;
mod heartbeats;
mod schema;
mod servers;

use orion_core::Repos;
use orion_core::model::ProjectId;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The repositories on `url`, and a raw connection to the same database.
pub(crate) async fn open(url: &str) -> (Repos, DatabaseConnection) {
    let repos = orion_storage::connect(url).await.unwrap();
    (repos, Database::connect(url).await.unwrap())
}

/// How many rows of `project` `table` holds.
async fn rows(raw: &DatabaseConnection, table: &str, project: ProjectId) -> i64 {
    // A UUID is safe to inline.
    let sql = format!("SELECT count(*) FROM {table} WHERE project_id = '{project}'");
    let row = raw.query_one_raw(sea_orm::Statement::from_string(raw.get_database_backend(), sql)).await;
    row.unwrap().unwrap().try_get_by_index(0).unwrap()
}
