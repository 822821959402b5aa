//! Retention by whole blocks: a block wholly before the cutoff is deleted
//! with its frames; one that straddles it is decoded and re-encoded
//! without its expired entries (same block number, same ids), so "entries
//! before the cutoff go" stays exact. Each block changes in its own short
//! transaction, oldest first, until `batch` entries went.

use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_logstore::{encode_block, to_micros};
use sea_orm::{DatabaseConnection, DbBackend, SqliteTransactionMode, TransactionOptions, TransactionTrait};

use super::read::whole_block;
use super::store;
use crate::error::repo_err;

/// Deletes at most `batch` entries (of any project) stamped before
/// `cutoff_us`; returns how many went.
pub(super) async fn delete_older_than(
    db: &DatabaseConnection,
    cutoff_us: i64,
    batch: u32,
) -> RepoResult<u64> {
    let mut deleted = 0u64;
    let budget = u64::from(batch);
    while deleted < budget {
        let blocks = store::expiring(db, cutoff_us, 16).await?;
        if blocks.is_empty() {
            break;
        }
        for (project, listed) in blocks {
            if deleted >= budget {
                break;
            }
            // IMMEDIATE on SQLite: the block is read before it is rewritten,
            // and a deferred transaction could not upgrade its read snapshot
            // to a write once the writer or the merger committed meanwhile
            // ("database is locked" at once, whatever the busy timeout).
            let options = TransactionOptions {
                sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
                    .then_some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            };
            let txn = db.begin_with_options(options).await.map_err(repo_err)?;
            let s = &listed.summary;
            // Listed before this transaction: a merge (or another
            // instance's retention) may have replaced or shrunk the block
            // since; its entries then live on where the next listing finds
            // them. Deletes check the count; a rewrite checks it first.
            let gone = if s.max_ts < cutoff_us && u64::from(s.count) <= budget - deleted {
                if !store::delete_unchanged(&txn, project, listed.id, s.count).await? {
                    continue;
                }
                u64::from(s.count)
            } else {
                if store::entry_count(&txn, listed.id).await? != Some(s.count) {
                    continue;
                }
                let entries = whole_block(&txn, ProjectId(project), listed.id).await?;
                // Expired entries oldest first; only as many as the budget.
                let mut expired: Vec<usize> = (0..entries.len())
                    .filter(|&i| to_micros(entries[i].entry.timestamp) < cutoff_us)
                    .collect();
                expired.sort_by_key(|&i| (to_micros(entries[i].entry.timestamp), entries[i].id));
                expired.truncate(usize::try_from(budget - deleted).unwrap_or(usize::MAX));
                let doomed: std::collections::HashSet<usize> = expired.iter().copied().collect();
                let kept: Vec<_> = entries
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| !doomed.contains(i))
                    .map(|(_, e)| e)
                    .collect();
                if !store::delete_unchanged(&txn, project, listed.id, s.count).await? {
                    continue;
                }
                if !kept.is_empty() {
                    let block = encode_block(&kept).map_err(RepositoryError::unavailable)?;
                    store::insert(&txn, project, listed.id, &block, listed.run).await?;
                }
                doomed.len() as u64
            };
            txn.commit().await.map_err(repo_err)?;
            deleted += gone;
        }
    }
    Ok(deleted)
}
