//! [`LogRepository`] in memory: a map of entries scanned with
//! [`LogFilter::matches`], the reference semantics the SQL backends are
//! checked against.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::{
    HistogramCount, IDEMPOTENCY_WINDOW, IdempotencyKey, Interval, Level, LogCursor, LogEntry, LogFilter,
    LogId, LogPage, LogQuery, NewLogEntry, TOTAL_COUNT_CAP,
};
use orion_core::repo::{AppendOutcome, LogRepository};

use super::{Db, Store};

pub(super) struct Logs(pub(super) Db);

/// The newest-first sort key: `timestamp` desc, then `id` desc. Comparing
/// keys with `>` means "comes later in the listing".
fn newest_first_key(entry: &LogEntry) -> std::cmp::Reverse<(DateTime<Utc>, i64)> {
    std::cmp::Reverse((entry.entry.timestamp, entry.id))
}

impl Logs {
    /// Every entry of `project` passing `filter`, newest first.
    fn matching(&self, project: ProjectId, filter: &LogFilter) -> Vec<LogEntry> {
        let store = self.0.lock();
        let mut rows: Vec<LogEntry> = store
            .logs
            .values()
            .filter(|e| e.entry.project_id == project && filter.matches(&e.entry))
            .cloned()
            .collect();
        drop(store);
        rows.sort_by_key(newest_first_key);
        rows
    }

    /// `append` under a lock already held.
    fn append_locked(store: &mut Store, entries: Vec<NewLogEntry>) -> RepoResult<Vec<LogEntry>> {
        // Like a foreign key: every entry's project must exist, checked
        // before anything is written so the batch stays all-or-nothing.
        if entries.iter().any(|e| !store.projects.contains_key(&e.project_id)) {
            return Err(RepositoryError::NotFound);
        }
        let mut stored = Vec::with_capacity(entries.len());
        for entry in entries {
            store.last_log_id += 1;
            let row = LogEntry { id: store.last_log_id, entry };
            store.logs.insert(row.id, row.clone());
            stored.push(row);
        }
        Ok(stored)
    }
}

#[async_trait]
impl LogRepository for Logs {
    async fn append(&self, entries: Vec<NewLogEntry>) -> RepoResult<Vec<LogEntry>> {
        let mut store = self.0.lock();
        Self::append_locked(&mut store, entries)
    }

    async fn append_idempotent(
        &self,
        entries: Vec<NewLogEntry>,
        project: ProjectId,
        key: &IdempotencyKey,
        at: DateTime<Utc>,
    ) -> RepoResult<AppendOutcome> {
        if entries.is_empty() {
            return Ok(AppendOutcome::Stored(Vec::new()));
        }
        // One lock for the check, the entries and the key: the in-memory
        // form of "the key is part of the append transaction".
        let mut store = self.0.lock();
        let slot = (project, key.as_str().to_owned());
        if let Some(&(accepted, recorded)) = store.ingest_keys.get(&slot)
            && recorded >= at - IDEMPOTENCY_WINDOW
        {
            return Ok(AppendOutcome::Duplicate { accepted });
        }
        let count = entries.len();
        let stored = Self::append_locked(&mut store, entries)?;
        store.ingest_keys.insert(slot, (count, at));
        Ok(AppendOutcome::Stored(stored))
    }

    async fn delete_keys_older_than(&self, cutoff: DateTime<Utc>) -> RepoResult<u64> {
        let mut store = self.0.lock();
        let before = store.ingest_keys.len();
        store.ingest_keys.retain(|_, (_, recorded)| *recorded >= cutoff);
        Ok((before - store.ingest_keys.len()) as u64)
    }

    async fn search(&self, project: ProjectId, query: &LogQuery) -> RepoResult<LogPage> {
        let rows = self.matching(project, &query.filter);
        let matched = rows.len() as u64;
        let logs = rows.into_iter().skip(query.offset as usize).take(query.limit as usize).collect();
        Ok(LogPage {
            logs,
            total: matched.min(TOTAL_COUNT_CAP),
            total_is_lower_bound: matched > TOTAL_COUNT_CAP,
        })
    }

    async fn find(&self, project: ProjectId, id: LogId) -> RepoResult<Option<LogEntry>> {
        Ok(self.0.lock().logs.get(&id).filter(|e| e.entry.project_id == project).cloned())
    }

    async fn page_after(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        after: Option<LogCursor>,
        limit: u32,
    ) -> RepoResult<Vec<LogEntry>> {
        let after = after.map(|c| std::cmp::Reverse((c.timestamp, c.id)));
        Ok(self
            .matching(project, filter)
            .into_iter()
            .filter(|e| after.is_none_or(|cursor| newest_first_key(e) > cursor))
            .take(limit as usize)
            .collect())
    }

    async fn histogram(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        interval: Interval,
    ) -> RepoResult<Vec<HistogramCount>> {
        let width = interval.seconds();
        let mut counts: BTreeMap<(i64, Level), u64> = BTreeMap::new();
        for row in self.matching(project, filter) {
            // Floor division, so pre-1970 timestamps land in the right bucket too.
            let start = row.entry.timestamp.timestamp().div_euclid(width) * width;
            *counts.entry((start, row.entry.level)).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((start, level), count)| {
                let bucket = Utc.timestamp_opt(start, 0).single().ok_or_else(|| {
                    RepositoryError::unavailable(std::io::Error::other("bucket out of range"))
                })?;
                Ok(HistogramCount { bucket, level, count })
            })
            .collect()
    }

    async fn level_counts(&self, project: ProjectId, filter: &LogFilter) -> RepoResult<[u64; 6]> {
        let store = self.0.lock();
        let mut counts = [0u64; 6];
        for e in store.logs.values().filter(|e| e.entry.project_id == project && filter.matches(&e.entry)) {
            counts[e.entry.level.rank() as usize] += 1;
        }
        Ok(counts)
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        let mut store = self.0.lock();
        // Oldest first, so repeated batches make steady progress.
        let mut expired: Vec<(DateTime<Utc>, i64)> = store
            .logs
            .values()
            .filter(|e| e.entry.timestamp < cutoff)
            .map(|e| (e.entry.timestamp, e.id))
            .collect();
        expired.sort_unstable();
        expired.truncate(batch as usize);
        for (_, id) in &expired {
            store.logs.remove(id);
        }
        Ok(expired.len() as u64)
    }
}
