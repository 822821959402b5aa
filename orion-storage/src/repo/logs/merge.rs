//! Merging small blocks: a quiet project ingests a few entries per
//! request, and each commit makes a block of its own. Runs of small blocks
//! (in time order) are rewritten as blocks of up to 4,096 entries sorted by
//! `(timestamp, id)`, at a stronger compression level, in one transaction
//! per project: the new blocks go in and the old ones out together, so a
//! reader (which reads inside one snapshot) sees either all old or all new
//! blocks, never both or neither. Ids never change.
//!
//! One merger per project at a time: on PostgreSQL a transaction-scoped
//! advisory lock keyed by the project (another instance holding it makes
//! this one skip the project); on SQLite the write lock serialises.
//! Full blocks written at high rate are never rewritten.

use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_logstore::{MERGED_BLOCK_ENTRIES, merge};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use super::read::whole_block;
use super::retention::delete_if_present;
use super::sql::Sql;
use super::store;
use crate::error::repo_err;

/// A block with fewer entries than this is small.
pub(super) const SMALL_BLOCK: u32 = 512;

/// Small blocks a project needs before a merge is worth its rewrite.
const WORTH_MERGING: i64 = 4;

/// Merges small blocks of every project that has enough of them; returns
/// how many blocks were merged away.
pub(super) async fn merge_all(db: &DatabaseConnection) -> RepoResult<u64> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT project_id FROM log_blocks WHERE entry_count < ")
        .bind(i64::from(SMALL_BLOCK))
        .push(" GROUP BY project_id HAVING count(*) >= ")
        .bind(WORTH_MERGING);
    let rows = db.query_all_raw(sql.build()).await.map_err(repo_err)?;
    let mut merged = 0;
    for row in rows {
        let project: i64 = row.try_get_by_index(0).map_err(repo_err)?;
        merged += merge_project(db, ProjectId(project)).await?;
    }
    Ok(merged)
}

/// Merges the small blocks of one project; returns how many went.
pub(super) async fn merge_project(db: &DatabaseConnection, project: ProjectId) -> RepoResult<u64> {
    let backend = db.get_database_backend();
    let options = TransactionOptions {
        sqlite_transaction_mode: (backend == DbBackend::Sqlite).then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(options).await.map_err(repo_err)?;
    if backend == DbBackend::Postgres {
        let mut sql = Sql::new(backend);
        // The second key tells merges apart from other advisory locks.
        sql.push("SELECT pg_try_advisory_xact_lock(").bind(project.get() as i32).push(", 1869768045)");
        let row = txn.query_one_raw(sql.build()).await.map_err(repo_err)?;
        let locked: bool = row.map_or(Ok(false), |r| r.try_get_by_index(0)).map_err(repo_err)?;
        if !locked {
            return Ok(0);
        }
    }
    let mut small: Vec<_> = store::directory(&txn, project.get(), None, None)
        .await?
        .into_iter()
        .filter(|b| b.summary.count < SMALL_BLOCK)
        .collect();
    small.sort_by_key(|b| (b.summary.min_ts, b.id));
    // Runs of consecutive small blocks, up to a merged block's size.
    let mut runs: Vec<Vec<i64>> = Vec::new();
    let mut size = 0u32;
    for b in &small {
        match runs.last_mut() {
            Some(run) if size + b.summary.count <= MERGED_BLOCK_ENTRIES as u32 => {
                run.push(b.id);
                size += b.summary.count;
            }
            _ => {
                runs.push(vec![b.id]);
                size = b.summary.count;
            }
        }
    }
    let mut merged = 0u64;
    for run in runs.into_iter().filter(|r| r.len() > 1) {
        let mut entries = Vec::with_capacity(run.len());
        for &id in &run {
            entries.push(whole_block(&txn, project, id).await?);
        }
        let blocks = tokio::task::spawn_blocking(move || merge(entries))
            .await
            .map_err(RepositoryError::unavailable)?
            .map_err(RepositoryError::unavailable)?;
        for &id in &run {
            if !delete_if_present(&txn, id).await? {
                // Another writer changed the project meanwhile: roll back
                // (dropping the transaction) and try again later.
                return Ok(0);
            }
        }
        let first = store::allocate(&txn, blocks.len() as i64).await?;
        for (n, block) in blocks.iter().enumerate() {
            store::insert(&txn, project.get(), first + n as i64, block).await?;
        }
        merged += run.len() as u64;
    }
    txn.commit().await.map_err(repo_err)?;
    Ok(merged)
}
