//! [`LogRepository`] over the `logs` table: writes through the group-commit
//! writer, reads with index-backed SQL built from the filter.
//!
//! - `writer`: the group-commit task behind `append` and `append_idempotent`.
//! - `keys`: idempotency keys, recorded in the writer's transaction.
//! - `rows`: the multi-row `INSERT` and row decoding.
//! - `needle`: how a `search` needle is answered on each backend.
//! - `query`: access path and conditions for a filter.
//! - `sql`: placeholder numbering for both backends.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::{
    HistogramCount, IdempotencyKey, Interval, Level, LogCursor, LogEntry, LogFilter, LogPage, LogQuery,
    NewLogEntry, TOTAL_COUNT_CAP,
};
use orion_core::repo::{AppendOutcome, LogRepository};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{micros, micros_bound};
use crate::error::{CorruptRow, repo_err};

mod keys;
mod needle;
mod query;
mod rows;
mod sql;
mod writer;

pub use writer::{IngestOptions, IngestStats};

use needle::Needle;
use query::{Plan, Purpose};
use sql::Sql;
use writer::{Claim, Item, Writer, Written};

/// Log entries stored through the group-commit writer.
#[derive(Debug)]
pub(crate) struct LogRepo {
    db: DatabaseConnection,
    writer: Writer,
}

impl LogRepo {
    /// The repository, with its writer task started on the current runtime.
    pub(crate) fn new(db: DatabaseConnection, options: IngestOptions) -> Self {
        Self { writer: Writer::spawn(db.clone(), options), db }
    }

    /// What the writer has done so far.
    pub(crate) fn stats(&self) -> IngestStats {
        self.writer.stats()
    }

    /// Inserts `entries` in one transaction of their own, bypassing the
    /// writer queue: the raw storage limit, for benchmarks.
    pub(crate) async fn insert_directly(&self, entries: &[NewLogEntry]) -> RepoResult<Vec<i64>> {
        let written = writer::write(&self.db, &[Item { entries, claim: None }]).await?;
        Ok(written
            .into_iter()
            .flat_map(|w| if let Written::Ids(ids) = w { ids } else { Vec::new() })
            .collect())
    }

    async fn page(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        needle: &Needle,
        after: Option<LogCursor>,
        limit: u32,
        offset: u32,
    ) -> RepoResult<Vec<LogEntry>> {
        let plan = Plan::new(self.db.get_database_backend(), project, filter, needle, Purpose::List);
        let rows =
            self.db.query_all_raw(plan.select(after, limit, offset).build()).await.map_err(repo_err)?;
        rows.iter().map(rows::decode).collect()
    }

    async fn count(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        needle: &Needle,
        cap: u64,
    ) -> RepoResult<u64> {
        let plan = Plan::new(self.db.get_database_backend(), project, filter, needle, Purpose::Count);
        let n: i64 = self.scalar(plan.count(cap)).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn scalar(&self, sql: Sql) -> RepoResult<i64> {
        let row = self.db.query_one_raw(sql.build()).await.map_err(repo_err)?;
        row.map_or(Ok(0), |r| r.try_get_by_index(0).map_err(repo_err))
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
        let filter = &query.filter;
        let needle = Needle::resolve(&self.db, filter.search.as_deref()).await?;
        if needle.matches_nothing() {
            return Ok(LogPage { logs: Vec::new(), total: 0, total_is_lower_bound: false });
        }
        let logs = self.page(project, filter, &needle, None, query.limit, query.offset).await?;
        // A short first page is the whole answer: no need to count.
        let matched = if query.offset == 0 && (logs.len() as u64) < u64::from(query.limit) {
            logs.len() as u64
        } else {
            self.count(project, filter, &needle, TOTAL_COUNT_CAP + 1).await?
        };
        Ok(LogPage {
            logs,
            total: matched.min(TOTAL_COUNT_CAP),
            total_is_lower_bound: matched > TOTAL_COUNT_CAP,
        })
    }

    async fn page_after(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        after: Option<LogCursor>,
        limit: u32,
    ) -> RepoResult<Vec<LogEntry>> {
        let needle = Needle::resolve(&self.db, filter.search.as_deref()).await?;
        if needle.matches_nothing() || limit == 0 {
            return Ok(Vec::new());
        }
        self.page(project, filter, &needle, after, limit, 0).await
    }

    async fn histogram(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        interval: Interval,
    ) -> RepoResult<Vec<HistogramCount>> {
        let needle = Needle::resolve(&self.db, filter.search.as_deref()).await?;
        if needle.matches_nothing() {
            return Ok(Vec::new());
        }
        let backend = self.db.get_database_backend();
        let width = interval.seconds();
        let sql = Plan::new(backend, project, filter, &needle, Purpose::Histogram).histogram(width);
        let rows = self.db.query_all_raw(sql.build()).await.map_err(repo_err)?;
        rows.iter()
            .map(|row| {
                let bucket: i64 = row.try_get_by_index(0).map_err(repo_err)?;
                let rank: i16 = row.try_get_by_index(1).map_err(repo_err)?;
                let count: i64 = row.try_get_by_index(2).map_err(repo_err)?;
                let bad = |what: String| CorruptRow::in_table("logs", what);
                Ok(HistogramCount {
                    bucket: bucket
                        .checked_mul(width)
                        .and_then(|secs| DateTime::from_timestamp(secs, 0))
                        .ok_or_else(|| bad(format!("bucket {bucket} out of range")))?,
                    level: Level::from_rank(rank).ok_or_else(|| bad(format!("level {rank}")))?,
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn level_counts(&self, project: ProjectId, filter: &LogFilter) -> RepoResult<[u64; 6]> {
        let mut counts = [0; 6];
        let needle = Needle::resolve(&self.db, filter.search.as_deref()).await?;
        if needle.matches_nothing() {
            return Ok(counts);
        }
        let backend = self.db.get_database_backend();
        let sql = Plan::new(backend, project, filter, &needle, Purpose::LevelCounts).level_counts();
        let rows = self.db.query_all_raw(sql.build()).await.map_err(repo_err)?;
        for row in rows {
            let rank: i16 = row.try_get_by_index(0).map_err(repo_err)?;
            let count: i64 = row.try_get_by_index(1).map_err(repo_err)?;
            let slot = usize::try_from(rank)
                .ok()
                .and_then(|i| counts.get_mut(i))
                .ok_or_else(|| CorruptRow::in_table("logs", format!("level {rank}")))?;
            *slot = u64::try_from(count).unwrap_or(0);
        }
        Ok(counts)
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        if batch == 0 {
            return Ok(0);
        }
        // `project_id IN (projects)` covers every row (the foreign key) and
        // lets the (project_id, timestamp) index find expired rows without a
        // timestamp-only index or a table scan. The FTS and tag rows go with
        // them (triggers on SQLite).
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push(
            "DELETE FROM logs WHERE id IN (SELECT id FROM logs \
             WHERE project_id IN (SELECT id FROM projects) AND timestamp < ",
        );
        sql.bind(micros(cutoff)).push(" LIMIT ").bind(i64::from(batch)).push(")");
        let done = self.db.execute_raw(sql.build()).await.map_err(repo_err)?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use orion_core::model::log::{LevelFilter, LogFilter};
    use sea_orm::DbBackend;

    use super::*;

    /// What alert rules ask every evaluation: one window of one project,
    /// narrowed to a source or not.
    fn window(source: Option<&str>, levels: LevelFilter) -> LogFilter {
        LogFilter {
            from: DateTime::from_timestamp(1_000, 0),
            to: DateTime::from_timestamp(2_000, 0),
            source: source.map(str::to_owned),
            levels,
            ..LogFilter::default()
        }
    }

    #[tokio::test]
    async fn level_counts_of_a_window_read_only_a_level_index_on_sqlite() {
        let cases = [
            (window(None, LevelFilter::Any), "ix_logs_project_id_level_timestamp"),
            (window(None, LevelFilter::AtLeast(Level::Error)), "ix_logs_project_id_level_timestamp"),
            (window(Some("api"), LevelFilter::Any), "ix_logs_project_id_source_level_timestamp"),
        ];
        for (filter, index) in cases {
            let plan =
                Plan::new(DbBackend::Sqlite, ProjectId(7), &filter, &Needle::Any, Purpose::LevelCounts);
            let steps = super::super::sqlite_plan(plan.level_counts().build()).await;
            let expected = format!("SEARCH l USING COVERING INDEX {index} (project_id=? AND ");
            assert!(steps.iter().any(|s| s.starts_with(&expected)), "{filter:?}: {steps:?}");
            assert!(steps.iter().all(|s| !s.starts_with("SCAN")), "{filter:?}: {steps:?}");
        }
    }
}
