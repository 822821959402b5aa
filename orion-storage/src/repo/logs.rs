//! [`LogRepository`] over the block engine: entries are stored as
//! compressed column blocks (`orion-logstore`) in `log_blocks` and
//! `log_frames`, written through the group-commit writer and read by
//! pruning blocks on their summaries and filters (see `read`).
//!
//! - `writer`: the group-commit task behind `append` and `append_idempotent`.
//! - `pack`: a transaction's entries packed into encoded blocks with ids.
//! - `keys`: idempotency keys, recorded in the writer's transaction.
//! - `store`: the SQL of blocks and frames.
//! - `read`: pages, counts, histograms and level counts over blocks.
//! - `export`: exports that keep their place in the blocks between pages.
//! - `cache`: decoded parts kept in process, capped in bytes.
//! - `retention`: whole-block deletes, rewriting blocks that straddle.
//! - `merge`: blocks merged into sorted runs in the background (ids unchanged).
//! - `directory`: each project's directory kept in process, by version.
//! - `check`: verifying every block (`orion check`).
//! - `sql`: placeholder numbering for both backends.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::{
    HistogramCount, IdempotencyKey, Interval, LogCursor, LogEntry, LogFilter, LogId, LogPage, LogQuery,
    NewLogEntry, TOTAL_COUNT_CAP,
};
use orion_core::repo::{AppendOutcome, LogPages, LogRepository};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbBackend, IsolationLevel, TransactionTrait,
};

use std::sync::Arc;

use crate::error::repo_err;

use super::micros_bound;

mod cache;
mod check;
mod directory;
mod export;
mod keys;
mod merge;
mod pack;
mod read;
mod retention;
mod sql;
mod store;
mod writer;

pub use cache::LogCache;
pub use check::{CheckReport, Damage};
pub use writer::{IngestOptions, IngestStats};

use keys::Claim;
use read::Reader;
use writer::{Item, Writer, Written};

/// A read snapshot: every statement of a query sees the same blocks, even
/// while a merge or retention commits (PostgreSQL `REPEATABLE READ`;
/// SQLite's deferred transaction holds its WAL snapshot).
async fn snapshot(db: &DatabaseConnection) -> RepoResult<DatabaseTransaction> {
    let txn = if db.get_database_backend() == DbBackend::Postgres {
        db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await
    } else {
        db.begin().await
    };
    txn.map_err(repo_err)
}

/// Log entries stored through the group-commit writer.
#[derive(Debug)]
pub(crate) struct LogRepo {
    db: DatabaseConnection,
    writer: Writer,
    /// Decoded filters, heads, metadata and frames of recent reads.
    parts: Arc<cache::DecodedParts>,
    /// The directories of the projects queried lately.
    directories: Arc<directory::Directories>,
    /// Held by whichever merge runs (one at a time per repository).
    merging: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Dropped with the repository: tells the background merger and the
    /// SQLite checkpointer (`crate::checkpoint`) to stop.
    alive: std::sync::Arc<()>,
}

/// How often the background merger looks for full tiers.
const MERGE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Merges one background round may run before it yields to the next tick
/// (and lets the repository's drop stop it).
const MERGES_PER_ROUND: usize = 64;

impl LogRepo {
    /// The repository, with its writer task and its background merger
    /// started on the current runtime (the merger stops with the pool).
    pub(crate) fn new(db: DatabaseConnection, options: IngestOptions, cache: LogCache) -> Self {
        let alive = std::sync::Arc::new(());
        let merging = std::sync::Arc::new(tokio::sync::Mutex::new(()));
        let (merger, watch, lock) = (db.clone(), std::sync::Arc::downgrade(&alive), merging.clone());
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(MERGE_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                // The repository is gone: stop, releasing the pool.
                if watch.upgrade().is_none() {
                    return;
                }
                match merge::merge_all(&merger, &lock, MERGES_PER_ROUND).await {
                    Ok(0) => {}
                    Ok(merged_away) => tracing::debug!(merged_away, "merged log blocks"),
                    Err(e) => tracing::warn!(error = %e, "merging log blocks failed; will retry"),
                }
            }
        });
        Self {
            writer: Writer::spawn(db.clone(), options),
            parts: Arc::new(cache::DecodedParts::new(cache)),
            directories: Arc::default(),
            merging,
            db,
            alive,
        }
    }

    /// Gone once the repository is dropped: background tasks that must
    /// stop with it watch this.
    pub(crate) fn alive(&self) -> std::sync::Weak<()> {
        std::sync::Arc::downgrade(&self.alive)
    }

    /// Verifies every block (see `check`).
    pub(crate) async fn check(&self, progress: impl FnMut(u64, u64)) -> RepoResult<CheckReport> {
        check::check(&self.db, progress).await
    }

    /// Merges every project's full tiers now, until none is left; returns
    /// how many blocks were merged away.
    pub(crate) async fn merge_now(&self) -> RepoResult<u64> {
        merge::merge_all(&self.db, &self.merging, usize::MAX).await
    }

    async fn snapshot(&self) -> RepoResult<DatabaseTransaction> {
        snapshot(&self.db).await
    }

    /// The project's entries with ids `first..=last` (one stored request,
    /// `expected` entries), by id, inside one snapshot.
    pub(crate) async fn id_range(
        &self,
        project: ProjectId,
        first: i64,
        last: i64,
        expected: usize,
    ) -> RepoResult<Vec<LogEntry>> {
        let txn = self.snapshot().await?;
        read::id_range(&txn, project, first, last, expected).await
    }

    /// What the writer has done so far.
    pub(crate) fn stats(&self) -> IngestStats {
        self.writer.stats()
    }

    /// Stores `entries` in one transaction of their own, bypassing the
    /// writer queue: the raw storage limit, for benchmarks.
    pub(crate) async fn insert_directly(&self, entries: &[NewLogEntry]) -> RepoResult<Vec<i64>> {
        let written = writer::write(&self.db, &[Item { entries, claim: None }]).await?;
        Ok(written
            .into_iter()
            .flat_map(|w| if let Written::Ids(ids) = w { ids } else { Vec::new() })
            .collect())
    }
}

#[async_trait]
impl LogRepository for LogRepo {
    async fn append(&self, entries: Vec<NewLogEntry>) -> RepoResult<Vec<LogEntry>> {
        match self.writer.append(entries, None).await? {
            AppendOutcome::Stored(stored) => Ok(stored),
            // Only a request with a key can be a duplicate.
            AppendOutcome::Duplicate { .. } => Ok(Vec::new()),
        }
    }

    async fn append_idempotent(
        &self,
        entries: Vec<NewLogEntry>,
        project: ProjectId,
        key: &IdempotencyKey,
        at: DateTime<Utc>,
    ) -> RepoResult<AppendOutcome> {
        let claim = Claim { project, key: key.as_str().to_owned(), at };
        self.writer.append(entries, Some(claim)).await
    }

    async fn delete_keys_older_than(&self, cutoff: DateTime<Utc>) -> RepoResult<u64> {
        keys::delete_older_than(&self.db, cutoff).await
    }

    async fn search(&self, project: ProjectId, query: &LogQuery) -> RepoResult<LogPage> {
        let txn = self.snapshot().await?;
        let reader = Reader::new(&txn, (&self.parts, &self.directories), project, &query.filter, None);
        let logs = reader.page(query.offset as usize, query.limit as usize).await?;
        // A short first page is the whole answer: no need to count.
        let matched = if query.offset == 0 && (logs.len() as u64) < u64::from(query.limit) {
            logs.len() as u64
        } else {
            reader.count(TOTAL_COUNT_CAP + 1).await?
        };
        Ok(LogPage {
            logs,
            total: matched.min(TOTAL_COUNT_CAP),
            total_is_lower_bound: matched > TOTAL_COUNT_CAP,
        })
    }

    async fn find(&self, project: ProjectId, id: LogId) -> RepoResult<Option<LogEntry>> {
        Ok(self.id_range(project, id, id, 1).await?.into_iter().next())
    }

    async fn page_after(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        after: Option<LogCursor>,
        limit: u32,
    ) -> RepoResult<Vec<LogEntry>> {
        let txn = self.snapshot().await?;
        Reader::new(&txn, (&self.parts, &self.directories), project, filter, after)
            .page(0, limit as usize)
            .await
    }

    fn export_pages(&self, project: ProjectId, filter: &LogFilter) -> Option<Box<dyn LogPages>> {
        let shared = (self.parts.clone(), self.directories.clone());
        Some(Box::new(export::ExportPages::new(self.db.clone(), shared, project, filter.clone())))
    }

    async fn histogram(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        interval: Interval,
    ) -> RepoResult<Vec<HistogramCount>> {
        let txn = self.snapshot().await?;
        Reader::new(&txn, (&self.parts, &self.directories), project, filter, None).histogram(interval).await
    }

    async fn level_counts(&self, project: ProjectId, filter: &LogFilter) -> RepoResult<[u64; 6]> {
        let txn = self.snapshot().await?;
        Reader::new(&txn, (&self.parts, &self.directories), project, filter, None).level_counts().await
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        retention::delete_older_than(&self.db, micros_bound(cutoff), batch).await
    }
}
