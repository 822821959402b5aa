//! Idempotency keys in `ingest_keys`, recorded inside the writer's
//! transaction so a committed batch and its key are inseparable.
//!
//! One upsert claims a key: it inserts the row, or takes over a row whose
//! key expired (older than the window), and otherwise changes nothing. A
//! row changed means the key is ours; none changed means a live row
//! exists, whose `accepted` is read back. On PostgreSQL a concurrent
//! transaction holding the same key makes the upsert wait for it: if it
//! commits, the key is a duplicate; if it rolls back, ours inserts. On
//! SQLite the writer's `IMMEDIATE` transaction serialises everything.

use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::IDEMPOTENCY_WINDOW;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::super::micros;
use super::sql::Sql;
use crate::error::repo_err;

/// An idempotency key to record with a request's entries (by the writer,
/// in the entries' transaction).
pub(super) struct Claim {
    pub(super) project: ProjectId,
    pub(super) key: String,
    pub(super) at: DateTime<Utc>,
}

/// Records `claim` with `accepted` entries; `None` when the key is now
/// ours, `Some(first count)` when it was already recorded in the window.
pub(super) async fn claim<C: ConnectionTrait>(
    db: &C,
    claim: &Claim,
    accepted: usize,
) -> RepoResult<Option<usize>> {
    let backend = db.get_database_backend();
    let project = claim.project.get();
    let mut sql = Sql::new(backend);
    sql.push("INSERT INTO ingest_keys (project_id, key, accepted, created_at) VALUES (")
        .bind(project)
        .push(", ")
        .bind(claim.key.clone())
        .push(", ")
        .bind(i64::try_from(accepted).unwrap_or(i64::MAX))
        .push(", ")
        .bind(micros(claim.at))
        .push(
            ") ON CONFLICT (project_id, key) DO UPDATE SET accepted = excluded.accepted, \
             created_at = excluded.created_at WHERE ingest_keys.created_at < ",
        )
        .bind(micros(claim.at - IDEMPOTENCY_WINDOW));
    if db.execute_raw(sql.build()).await.map_err(repo_err)?.rows_affected() > 0 {
        return Ok(None);
    }
    let mut sql = Sql::new(backend);
    sql.push("SELECT accepted FROM ingest_keys WHERE project_id = ")
        .bind(project)
        .push(" AND key = ")
        .bind(claim.key.clone());
    let row = db.query_one_raw(sql.build()).await.map_err(repo_err)?;
    let first: i64 = match row {
        Some(row) => row.try_get_by_index(0).map_err(repo_err)?,
        None => 0,
    };
    Ok(Some(usize::try_from(first).unwrap_or(0)))
}

/// Deletes every key recorded before `cutoff`; returns how many.
pub(super) async fn delete_older_than(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> RepoResult<u64> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("DELETE FROM ingest_keys WHERE created_at < ").bind(micros(cutoff));
    Ok(db.execute_raw(sql.build()).await.map_err(repo_err)?.rows_affected())
}
