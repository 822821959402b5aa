//! Logs: ingestion (validate everything, then one atomic append, then
//! publish), search, export pages, histogram, live subscriptions and
//! retention.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Map, Value};
use tracing::instrument;

mod searches;
mod views;

pub use searches::{
    MAX_RANGE_END_CHARS, MAX_SAVED_SEARCHES, MAX_SEARCH_NAME_CHARS, SearchInput, is_range_end,
};

pub use views::{
    FACET_SAMPLE, FacetField, FacetValue, Facets, LogContext, MAX_CONTEXT, MAX_FACET_FIELDS, MAX_FACET_VALUES,
};

use super::Deps;
use super::principal::Principal;
use super::projects::ProjectService;
use super::query::{self, QueryInput};
use crate::error::{ConflictKey, FieldError, RepositoryError, ServiceError, ServiceResult};
use crate::model::log::{
    EntryRows, HistogramCount, IDEMPOTENCY_WINDOW, IdempotencyKey, Interval, Level, LogCursor, LogEntry,
    LogFilter, LogPage, LogQuery, MAX_MESSAGE_BYTES, MAX_METADATA_BYTES, MAX_TAG_BYTES, MAX_TAGS,
    NewLogEntry,
};
use crate::model::{Permission, Project, ProjectId, ServerId, Source, SourceId, SourceName, UserId};
use crate::port::live::{LiveEvent, LiveSubscription};
use crate::repo::{AppendOutcome, LogPages};

/// Most entries in one ingest request.
pub const MAX_BATCH: usize = 10_000;
/// Largest page of a search.
pub const MAX_PAGE: u32 = 1_000;

/// One entry as a client sent it, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogInput {
    /// Required, non-empty, at most 64 KiB.
    pub message: String,
    /// Defaults to `info`; aliases accepted.
    pub level: Option<String>,
    /// RFC 3339; defaults to the time received.
    pub timestamp: Option<String>,
    /// Must be a JSON object when present.
    pub metadata: Option<Value>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// Source name; ignored when the token is bound to a source.
    pub source: Option<String>,
}

/// Which projects a live subscription may see.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveScope {
    /// Every project of this owner (a user session with no `project`).
    Owner(UserId),
    /// Exactly this project.
    Project(ProjectId),
}

impl LiveScope {
    /// Whether the event is visible under this scope.
    pub fn allows(&self, event: &LiveEvent) -> bool {
        match self {
            Self::Owner(owner) => event.owner_id() == *owner,
            Self::Project(id) => event.project_id() == *id,
        }
    }
}

/// What an export is written as; the adapter encodes the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON entry per line (the default).
    Ndjson,
    /// One JSON array of entries.
    Json,
    /// CSV with the header `timestamp,level,source,message,tags,metadata`.
    Csv,
}

impl ExportFormat {
    /// Parses the wire name: `ndjson`, `json` or `csv`.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Ndjson, Self::Json, Self::Csv].into_iter().find(|f| f.as_str() == raw)
    }

    /// The wire name, also the file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ndjson => "ndjson",
            Self::Json => "json",
            Self::Csv => "csv",
        }
    }
}

/// An export in progress: pages of entries, newest first, until empty.
#[derive(Debug)]
pub struct LogExport {
    deps: Arc<Deps>,
    /// The project exported.
    pub project: Project,
    filter: LogFilter,
    cursor: Option<LogCursor>,
    done: bool,
    /// The store's own pages, when it keeps its place between them.
    pages: Option<Box<dyn LogPages>>,
}

impl LogExport {
    /// The next page of at most `size` entries; empty when finished.
    pub async fn next_page(&mut self, size: u32) -> ServiceResult<Vec<LogEntry>> {
        if self.done {
            return Ok(Vec::new());
        }
        let page = match &mut self.pages {
            Some(pages) => pages.next_page(self.cursor, size).await?,
            None => self.deps.repos.logs.page_after(self.project.id, &self.filter, self.cursor, size).await?,
        };
        self.advance(page.last_cursor(), page.len(), size);
        Ok(page)
    }

    /// Like [`Self::next_page`], as rows visited in place (see
    /// [`LogPages::next_rows`]); what the HTTP export streams.
    pub async fn next_rows(&mut self, size: u32) -> ServiceResult<Box<dyn EntryRows>> {
        if self.done {
            return Ok(Box::new(Vec::<LogEntry>::new()));
        }
        let rows: Box<dyn EntryRows> = match &mut self.pages {
            Some(pages) => pages.next_rows(self.cursor, size).await?,
            None => Box::new(
                self.deps.repos.logs.page_after(self.project.id, &self.filter, self.cursor, size).await?,
            ),
        };
        self.advance(rows.last_cursor(), rows.len(), size);
        Ok(rows)
    }

    /// After a page of `len` entries ending at `last`: the next cursor,
    /// and finished once a page comes back short.
    fn advance(&mut self, last: Option<LogCursor>, len: usize, size: u32) {
        match last {
            Some(last) => self.cursor = Some(last),
            None => self.done = true,
        }
        if (len as u32) < size {
            self.done = true;
        }
    }
}

/// Log ingestion and reading.
#[derive(Debug, Clone)]
pub struct LogService {
    deps: Arc<Deps>,
    projects: ProjectService,
    /// Source names by id: sources are never renamed, so a token's bound
    /// source is looked up once, not on every ingest request.
    source_names: Arc<Mutex<HashMap<SourceId, SourceName>>>,
    /// Sources known to exist, so named sources are created once.
    known_sources: Arc<Mutex<HashSet<(ProjectId, String)>>>,
    /// When expired idempotency keys were last purged by this service.
    keys_purged_at: Arc<Mutex<Option<DateTime<Utc>>>>,
}

/// How often [`LogService::ingest_with_key`] purges expired idempotency
/// keys (opportunistically, so keys never pile up, with or without log
/// retention).
const KEY_PURGE_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(1);

impl LogService {
    pub(crate) fn new(deps: Arc<Deps>, projects: ProjectService) -> Self {
        Self {
            deps,
            projects,
            source_names: Arc::default(),
            known_sources: Arc::default(),
            keys_purged_at: Arc::default(),
        }
    }

    /// Validates every entry, then stores all of them atomically, then
    /// publishes them to live subscribers. Returns how many were stored.
    /// One bad entry fails the batch with errors naming its index. No
    /// idempotency key: see [`Self::ingest_with_key`].
    pub async fn ingest(&self, principal: &Principal, inputs: Vec<LogInput>) -> ServiceResult<usize> {
        self.ingest_with_key(principal, None, inputs).await
    }

    /// Like [`Self::ingest`], made idempotent by `key` (the
    /// `Idempotency-Key` header): within [`IDEMPOTENCY_WINDOW`] (24 h), a
    /// second request with the same key in the same project stores nothing,
    /// publishes nothing, and returns the count accepted the first time.
    /// The key is recorded in the same transaction as the entries, so a
    /// client that lost the answer can resend with the same key safely.
    /// A key outside 1–128 characters of `[A-Za-z0-9._:-]` is a
    /// `Validation` error on the field `Idempotency-Key`. Expired keys are
    /// purged from here, at most once an hour.
    #[instrument(skip_all, fields(entries = inputs.len(), keyed = key.is_some()))]
    pub async fn ingest_with_key(
        &self,
        principal: &Principal,
        key: Option<&str>,
        inputs: Vec<LogInput>,
    ) -> ServiceResult<usize> {
        let token = principal.token_with(Permission::LogsWrite)?;
        let key =
            key.map(IdempotencyKey::parse).transpose().map_err(|e| ServiceError::Validation(vec![e]))?;
        if inputs.len() > MAX_BATCH {
            return Err(ServiceError::TooLarge(format!("a batch holds at most {MAX_BATCH} entries")));
        }
        let project = self.projects.by_id(token.project_id).await?;
        // The wire shows milliseconds: store what can be shown, so filters on
        // `from`/`to` agree with what a client saw.
        let now = self.deps.clock.now().trunc_subsecs(3);
        let bound_source = match token.source_id {
            Some(id) => Some(self.source_name(project.id, id).await?),
            None => None,
        };

        // A `ServerId` since the token was read: every entry holds it.
        let server_id = token.server_id.clone();
        let mut errors = Vec::new();
        let mut entries = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.into_iter().enumerate() {
            match validate(input, index, &project, now, bound_source.as_ref(), server_id.as_ref()) {
                Ok(entry) => entries.push(entry),
                Err(mut errs) => errors.append(&mut errs),
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        if bound_source.is_none() {
            self.ensure_sources(project.id, &entries).await?;
        }
        let count = entries.len();
        let stored = match key {
            None => self.deps.repos.logs.append(entries).await.map_err(overloaded)?,
            Some(key) if count > 0 => {
                let outcome = self.deps.repos.logs.append_idempotent(entries, project.id, &key, now).await;
                self.purge_expired_keys(now).await;
                match outcome.map_err(overloaded)? {
                    AppendOutcome::Stored(stored) => stored,
                    AppendOutcome::Duplicate { accepted } => return Ok(accepted),
                }
            }
            // Nothing to store, so nothing a resend could duplicate.
            Some(_) => Vec::new(),
        };
        if stored.is_empty() {
            return Ok(0);
        }
        self.deps.bus.publish(Arc::new(LiveEvent::Logs {
            project_id: project.id,
            project: project.name.clone(),
            owner_id: project.owner_id,
            entries: stored,
        }));
        Ok(count)
    }

    /// Forgets keys past the window, at most once per [`KEY_PURGE_EVERY`].
    /// A failure is only logged: the next ingest after the interval tries again.
    async fn purge_expired_keys(&self, now: DateTime<Utc>) {
        {
            let mut last = self.keys_purged_at.lock().expect("poisoned");
            if last.is_some_and(|at| now - at < KEY_PURGE_EVERY) {
                return;
            }
            *last = Some(now);
        }
        if let Err(err) = self.deps.repos.logs.delete_keys_older_than(now - IDEMPOTENCY_WINDOW).await {
            tracing::warn!(error = %err, "purging expired idempotency keys failed");
        }
    }

    async fn source_name(&self, project: ProjectId, id: SourceId) -> ServiceResult<SourceName> {
        if let Some(name) = self.source_names.lock().expect("poisoned").get(&id) {
            return Ok(name.clone());
        }
        let sources = self.deps.repos.sources.list_by_project(project).await?;
        let source = sources.into_iter().find(|s| s.id == id).ok_or(ServiceError::NotFound("source"))?;
        self.source_names.lock().expect("poisoned").insert(id, source.name.clone());
        Ok(source.name)
    }

    /// Creates the named sources that don't exist yet.
    async fn ensure_sources(&self, project: ProjectId, entries: &[NewLogEntry]) -> ServiceResult<()> {
        let wanted: HashSet<&SourceName> = entries.iter().filter_map(|e| e.source.as_ref()).collect();
        for name in wanted {
            let key = (project, name.as_str().to_owned());
            if self.known_sources.lock().expect("poisoned").contains(&key) {
                continue;
            }
            if self.deps.repos.sources.find_by_name(project, name).await?.is_none() {
                let source = Source {
                    id: self.deps.next_id::<SourceId>().await?,
                    project_id: project,
                    name: name.clone(),
                    description: crate::model::Label::parse("description", "", 1).expect("empty is valid"),
                    created_at: self.deps.clock.now(),
                };
                match self.deps.repos.sources.insert(&source, None).await {
                    // Another request created it first: that is the outcome we wanted.
                    Ok(()) | Err(RepositoryError::Conflict(ConflictKey::Name)) => {}
                    Err(other) => return Err(other.into()),
                }
            }
            self.known_sources.lock().expect("poisoned").insert(key);
        }
        Ok(())
    }

    /// One page of a project's logs. Owner, or a token of the project with `logs:read`.
    #[instrument(skip_all)]
    pub async fn search(
        &self,
        principal: &Principal,
        project: &str,
        query: &LogQuery,
    ) -> ServiceResult<LogPage> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        check_page(query)?;
        Ok(self.deps.repos.logs.search(project.id, query).await?)
    }

    /// [`Self::search`] for a request's query parameters (the filters,
    /// `limit` and `offset`: see [`crate::service::query`]), read once
    /// access is settled; every bad one is reported at once. Returns the
    /// query read, with the page.
    #[instrument(skip_all)]
    pub async fn search_request(
        &self,
        principal: &Principal,
        project: &str,
        input: &QueryInput,
    ) -> ServiceResult<(LogQuery, LogPage)> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        let query = query::page(input)?;
        let page = self.deps.repos.logs.search(project.id, &query).await?;
        Ok((query, page))
    }

    /// Like [`Self::search`] with the source fixed; an unknown source is `NotFound`.
    #[instrument(skip_all)]
    pub async fn search_source(
        &self,
        principal: &Principal,
        project: &str,
        source: &str,
        query: &LogQuery,
    ) -> ServiceResult<LogPage> {
        let (project, name) = self.readable_source(principal, project, source).await?;
        check_page(query)?;
        let mut query = query.clone();
        query.filter.source = Some(name.as_str().to_owned());
        Ok(self.deps.repos.logs.search(project.id, &query).await?)
    }

    /// [`Self::search_source`] for a request's query parameters, read once
    /// the source is found (as for [`Self::search_request`]; the path's
    /// source replaces any `source` parameter).
    #[instrument(skip_all)]
    pub async fn search_source_request(
        &self,
        principal: &Principal,
        project: &str,
        source: &str,
        input: &QueryInput,
    ) -> ServiceResult<(LogQuery, LogPage)> {
        let (project, name) = self.readable_source(principal, project, source).await?;
        let mut query = query::page(input)?;
        query.filter.source = Some(name.as_str().to_owned());
        let page = self.deps.repos.logs.search(project.id, &query).await?;
        Ok((query, page))
    }

    /// The project (as for [`Self::search`]) and its source `source`; an
    /// unknown or malformed source name is `NotFound`.
    pub async fn readable_source(
        &self,
        principal: &Principal,
        project: &str,
        source: &str,
    ) -> ServiceResult<(Project, SourceName)> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        let name = SourceName::parse(source).map_err(|_| ServiceError::NotFound("source"))?;
        self.deps
            .repos
            .sources
            .find_by_name(project.id, &name)
            .await?
            .ok_or(ServiceError::NotFound("source"))?;
        Ok((project, name))
    }

    /// Starts an export of every match (no page cap), read in keyset pages.
    pub async fn export(
        &self,
        principal: &Principal,
        project: &str,
        filter: LogFilter,
    ) -> ServiceResult<LogExport> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        Ok(self.start_export(project, filter))
    }

    /// [`Self::export`] for a request's query parameters (`format` and the
    /// filters: see [`crate::service::query`]; `limit` and `offset` mean
    /// nothing here), read once access is settled. Returns the format
    /// asked for, with the export.
    pub async fn export_request(
        &self,
        principal: &Principal,
        project: &str,
        input: &QueryInput,
    ) -> ServiceResult<(ExportFormat, LogExport)> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        let (format, filter) = query::export(input)?;
        Ok((format, self.start_export(project, filter)))
    }

    fn start_export(&self, project: Project, filter: LogFilter) -> LogExport {
        let pages = self.deps.repos.logs.export_pages(project.id, &filter);
        LogExport { deps: self.deps.clone(), project, filter, cursor: None, done: false, pages }
    }

    /// Counts per bucket and level under the filter.
    #[instrument(skip_all)]
    pub async fn histogram(
        &self,
        principal: &Principal,
        project: &str,
        filter: &LogFilter,
        interval: Interval,
    ) -> ServiceResult<Vec<HistogramCount>> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        Ok(self.deps.repos.logs.histogram(project.id, filter, interval).await?)
    }

    /// [`Self::histogram`] for a request's query parameters (the filters
    /// and `interval`: see [`crate::service::query`]), read once access is
    /// settled. Returns the interval read, with the counts.
    #[instrument(skip_all)]
    pub async fn histogram_request(
        &self,
        principal: &Principal,
        project: &str,
        input: &QueryInput,
    ) -> ServiceResult<(Interval, Vec<HistogramCount>)> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        let (filter, interval) = query::histogram(input)?;
        Ok((interval, self.deps.repos.logs.histogram(project.id, &filter, interval).await?))
    }

    /// What a live subscriber may see: with `project`, that project (owner
    /// or a token of it with `logs:read`); without, all of a user's
    /// projects, or a token's own project.
    pub async fn live_scope(&self, principal: &Principal, project: Option<&str>) -> ServiceResult<LiveScope> {
        match (principal, project) {
            (_, Some(name)) => Ok(LiveScope::Project(
                self.projects.accessible(principal, name, Permission::LogsRead).await?.id,
            )),
            (Principal::User(owner), None) => Ok(LiveScope::Owner(*owner)),
            (Principal::Token(_), None) => {
                Ok(LiveScope::Project(principal.token_with(Permission::LogsRead)?.project_id))
            }
        }
    }

    /// The scope and filters of a live tail opened with these query
    /// parameters: `project` (empty means none; see [`Self::live_scope`])
    /// first, then the log filters ([`crate::service::query`]).
    pub async fn live_request(
        &self,
        principal: &Principal,
        input: &QueryInput,
    ) -> ServiceResult<(LiveScope, LogFilter)> {
        let scope = self.live_scope(principal, input.non_empty("project")).await?;
        Ok((scope, query::filter(input)?))
    }

    /// The log filters of a live tail's `subscribe` message, given as
    /// query parameters ([`crate::service::query`]); its scope is
    /// [`Self::live_scope`]'s.
    pub fn live_filter(&self, input: &QueryInput) -> ServiceResult<LogFilter> {
        query::filter(input)
    }

    /// A subscription to events published from now on; filter them with a
    /// [`LiveScope`] and a [`LogFilter`].
    pub fn subscribe(&self) -> LiveSubscription {
        self.deps.bus.subscribe()
    }

    /// Deletes one batch of entries older than `cutoff`; returns how many.
    pub async fn purge_batch(&self, cutoff: DateTime<Utc>, batch: u32) -> ServiceResult<u64> {
        Ok(self.deps.repos.logs.delete_older_than(cutoff, batch).await?)
    }
}

fn overloaded(err: RepositoryError) -> ServiceError {
    match err {
        RepositoryError::Overloaded => {
            ServiceError::RateLimited { retry_after: std::time::Duration::from_secs(1) }
        }
        other => other.into(),
    }
}

fn check_page(query: &LogQuery) -> ServiceResult<()> {
    if query.limit == 0 || query.limit > MAX_PAGE {
        return Err(ServiceError::invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    Ok(())
}

/// Turns one input into an entry, or the list of its problems.
fn validate(
    input: LogInput,
    index: usize,
    project: &Project,
    now: DateTime<Utc>,
    bound_source: Option<&SourceName>,
    server_id: Option<&ServerId>,
) -> Result<NewLogEntry, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| {
        errors.push(FieldError { index: Some(index), field: field.to_owned(), message })
    };
    if input.message.trim().is_empty() {
        fail("message", "must not be empty".into());
    } else if input.message.len() > MAX_MESSAGE_BYTES {
        fail("message", format!("must be at most {MAX_MESSAGE_BYTES} bytes"));
    }
    let level = match input.level.as_deref() {
        None => Some(Level::Info),
        Some(raw) => Level::parse(raw).or_else(|| {
            fail("level", format!("unknown level `{raw}`; use trace, debug, info, warn, error or fatal"));
            None
        }),
    };
    let timestamp = match input.timestamp.as_deref() {
        None => Some(now),
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc).trunc_subsecs(3))
            .ok()
            .or_else(|| {
                fail("timestamp", format!("`{raw}` is not an RFC 3339 date-time"));
                None
            }),
    };
    let metadata = match input.metadata {
        None | Some(Value::Null) => Some(Map::new()),
        Some(Value::Object(map)) => {
            let size = serde_json::to_vec(&map).map_or(usize::MAX, |v| v.len());
            if size > MAX_METADATA_BYTES {
                fail("metadata", format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"));
            }
            Some(map)
        }
        Some(_) => {
            fail("metadata", "must be a JSON object".into());
            None
        }
    };
    let tags = input.tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        fail("tags", format!("at most {MAX_TAGS} tags"));
    }
    if tags.iter().any(|t| t.is_empty() || t.len() > MAX_TAG_BYTES || t.contains(',')) {
        fail("tags", format!("each tag must be 1 to {MAX_TAG_BYTES} bytes, without commas"));
    }
    let source = match (bound_source, input.source) {
        (Some(bound), _) => Some(bound.clone()),
        (None, None) => None,
        (None, Some(name)) => match SourceName::parse(&name) {
            Ok(name) => Some(name),
            Err(e) => {
                fail("source", e.message);
                None
            }
        },
    };
    let (Some(level), Some(timestamp), Some(metadata)) = (level, timestamp, metadata) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewLogEntry {
        project_id: project.id,
        timestamp,
        received_at: now,
        level,
        message: input.message,
        metadata,
        tags,
        source,
        server_id: server_id.cloned(),
    })
}
