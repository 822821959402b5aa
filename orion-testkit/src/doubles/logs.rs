//! [`FaultyLogs`]: every call goes to an inner log store unless a fault
//! armed on it says otherwise.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::{
    HistogramCount, IdempotencyKey, Interval, LogCursor, LogEntry, LogFilter, LogId, LogPage, LogQuery,
    NewLogEntry,
};
use orion_core::repo::{AppendOutcome, LogPages, LogRepository};

/// What a failing page answers: the store is gone, with a cause no client
/// may see.
pub const PAGE_FAILURE: &str = "injected by FaultyLogs: disk gone";

/// A [`LogRepository`] that delegates to an inner one and fails on demand.
/// Clones share their faults, so a test keeps one to arm them while the
/// server holds another:
///
/// - [`overload`](Self::overload): writes (`append`, `append_idempotent`)
///   answer [`RepositoryError::Overloaded`], as a full write queue does;
///   reads still reach the inner store.
/// - [`fail_pages_after`](Self::fail_pages_after): export pages
///   (`page_after`, and the pages of `export_pages` when the inner store
///   has them) succeed `n` more times, then every one fails with
///   [`RepositoryError::Unavailable`] ([`PAGE_FAILURE`]): a store that
///   breaks mid-export.
#[derive(Clone)]
pub struct FaultyLogs {
    inner: Arc<dyn LogRepository>,
    faults: Arc<Faults>,
}

impl std::fmt::Debug for FaultyLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The inner store need not be `Debug`.
        f.debug_struct("FaultyLogs").field("faults", &self.faults).finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Faults {
    overloaded: AtomicBool,
    /// Pages still served before every further one fails; `u64::MAX`: no
    /// page fault armed.
    pages_left: AtomicU64,
}

impl Faults {
    /// Takes one page from the allowance, or fails when none is left.
    fn page(&self) -> RepoResult<()> {
        let left = self.pages_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| match left {
            u64::MAX => Some(u64::MAX),
            0 => None,
            n => Some(n - 1),
        });
        match left {
            Ok(_) => Ok(()),
            Err(_) => Err(RepositoryError::unavailable(std::io::Error::other(PAGE_FAILURE))),
        }
    }

    fn write(&self) -> RepoResult<()> {
        if self.overloaded.load(Ordering::SeqCst) { Err(RepositoryError::Overloaded) } else { Ok(()) }
    }
}

impl FaultyLogs {
    /// `inner` with no fault armed yet.
    pub fn new(inner: Arc<dyn LogRepository>) -> Self {
        let faults = Faults { overloaded: AtomicBool::new(false), pages_left: AtomicU64::new(u64::MAX) };
        Self { inner, faults: Arc::new(faults) }
    }

    /// From now on (until told otherwise), writes answer `Overloaded`.
    pub fn overload(&self, overloaded: bool) -> &Self {
        self.faults.overloaded.store(overloaded, Ordering::SeqCst);
        self
    }

    /// The next `n` export pages succeed, every later one fails.
    pub fn fail_pages_after(&self, n: u64) -> &Self {
        assert!(n < u64::MAX, "u64::MAX pages means no fault");
        self.faults.pages_left.store(n, Ordering::SeqCst);
        self
    }
}

#[async_trait]
impl LogRepository for FaultyLogs {
    async fn append(&self, entries: Vec<NewLogEntry>) -> RepoResult<Vec<LogEntry>> {
        self.faults.write()?;
        self.inner.append(entries).await
    }
    async fn append_idempotent(
        &self,
        entries: Vec<NewLogEntry>,
        project: ProjectId,
        key: &IdempotencyKey,
        at: DateTime<Utc>,
    ) -> RepoResult<AppendOutcome> {
        self.faults.write()?;
        self.inner.append_idempotent(entries, project, key, at).await
    }
    async fn delete_keys_older_than(&self, cutoff: DateTime<Utc>) -> RepoResult<u64> {
        self.inner.delete_keys_older_than(cutoff).await
    }
    async fn search(&self, project: ProjectId, query: &LogQuery) -> RepoResult<LogPage> {
        self.inner.search(project, query).await
    }
    async fn find(&self, project: ProjectId, id: LogId) -> RepoResult<Option<LogEntry>> {
        self.inner.find(project, id).await
    }
    async fn page_after(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        after: Option<LogCursor>,
        limit: u32,
    ) -> RepoResult<Vec<LogEntry>> {
        self.faults.page()?;
        self.inner.page_after(project, filter, after, limit).await
    }
    fn export_pages(&self, project: ProjectId, filter: &LogFilter) -> Option<Box<dyn LogPages>> {
        let inner = self.inner.export_pages(project, filter)?;
        Some(Box::new(FaultyPages { inner, faults: self.faults.clone() }))
    }
    async fn histogram(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        interval: Interval,
    ) -> RepoResult<Vec<HistogramCount>> {
        self.inner.histogram(project, filter, interval).await
    }
    async fn level_counts(&self, project: ProjectId, filter: &LogFilter) -> RepoResult<[u64; 6]> {
        self.inner.level_counts(project, filter).await
    }
    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        self.inner.delete_older_than(cutoff, batch).await
    }
}

/// The inner store's export pages, under the same page fault.
#[derive(Debug)]
struct FaultyPages {
    inner: Box<dyn LogPages>,
    faults: Arc<Faults>,
}

#[async_trait]
impl LogPages for FaultyPages {
    async fn next_page(&mut self, after: Option<LogCursor>, limit: u32) -> RepoResult<Vec<LogEntry>> {
        self.faults.page()?;
        self.inner.next_page(after, limit).await
    }
}
