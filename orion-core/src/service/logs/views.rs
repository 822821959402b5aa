//! Views of a project's logs beyond a page: an entry's exact neighbours
//! (context) and the most frequent values of fields among the matches
//! (facets). Both are built from the repository's own queries (`find`,
//! `page_after`, `search`), so every backend answers them with exactly
//! [`LogFilter::matches`]' semantics.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use tracing::instrument;

use super::LogService;
use crate::error::{FieldError, ServiceError, ServiceResult};
use crate::model::log::{LogCursor, LogEntry, LogFilter, LogId, LogQuery, TOTAL_COUNT_CAP};
use crate::model::{Permission, Project};
use crate::service::principal::Principal;
use crate::service::query::{self, QueryInput};

/// Most neighbours on each side of a context.
pub const MAX_CONTEXT: u32 = 200;
/// Most fields in one facets request.
pub const MAX_FACET_FIELDS: usize = 10;
/// Most values per facet.
pub const MAX_FACET_VALUES: u32 = 100;
/// How many of the newest matches facets count (the total cap: counts
/// are exact when the matches are no more than this).
pub const FACET_SAMPLE: u64 = TOTAL_COUNT_CAP;
/// Longest facet value kept, in characters (longer ones are cut).
const MAX_FACET_VALUE_CHARS: usize = 200;

/// An entry and its neighbours by `(timestamp, id)`, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct LogContext {
    /// The matches just older than the entry, oldest first.
    pub before: Vec<LogEntry>,
    /// The entry itself (whether or not it matches the filter).
    pub entry: LogEntry,
    /// The matches just newer than the entry, oldest first.
    pub after: Vec<LogEntry>,
}

/// A field facets can count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FacetField {
    /// `level`.
    Level,
    /// `source` (entries without one are not counted).
    Source,
    /// `tags`: each tag of an entry counts once.
    Tags,
    /// `serverId`.
    ServerId,
    /// `meta.<key>`: a top-level string, number or boolean, by its text
    /// (as `metadata_equals` compares).
    Meta(String),
}

impl FacetField {
    /// Parses a wire name: `level`, `source`, `tags`, `serverId`, `meta.<key>`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "level" => Some(Self::Level),
            "source" => Some(Self::Source),
            "tags" => Some(Self::Tags),
            "serverId" => Some(Self::ServerId),
            _ => raw.strip_prefix("meta.").filter(|k| !k.is_empty()).map(|k| Self::Meta(k.to_owned())),
        }
    }

    /// The wire name.
    pub fn name(&self) -> String {
        match self {
            Self::Level => "level".into(),
            Self::Source => "source".into(),
            Self::Tags => "tags".into(),
            Self::ServerId => "serverId".into(),
            Self::Meta(key) => format!("meta.{key}"),
        }
    }

    fn values(&self, entry: &LogEntry) -> Vec<String> {
        let e = &entry.entry;
        match self {
            Self::Level => vec![e.level.as_str().to_owned()],
            Self::Source => e.source_str().map(str::to_owned).into_iter().collect(),
            Self::Tags => e.tags.clone(),
            Self::ServerId => e.server_id_str().map(str::to_owned).into_iter().collect(),
            Self::Meta(key) => match e.metadata.get(key) {
                Some(Value::String(s)) => vec![s.clone()],
                Some(v @ (Value::Number(_) | Value::Bool(_))) => vec![v.to_string()],
                _ => Vec::new(),
            },
        }
    }
}

/// One value of a facet and how many of the counted matches have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetValue {
    /// The value's text.
    pub value: String,
    /// How many counted matches carry it.
    pub count: u64,
}

/// The facets of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Facets {
    /// Matches in total, exact up to the cap.
    pub total: u64,
    /// `true` when `total` is capped; the counts are then those of the
    /// newest [`FACET_SAMPLE`] matches.
    pub total_is_lower_bound: bool,
    /// Per field, in the order asked: the most frequent values, most
    /// frequent first (ties by value).
    pub facets: Vec<(FacetField, Vec<FacetValue>)>,
}

/// Entries fetched per repository call while counting facets.
const FACET_PAGE: u32 = 1_000;

impl LogService {
    /// The project and its entry `id` (decimal digits); anything else,
    /// or an entry of another project, is `NotFound`.
    pub async fn entry(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
    ) -> ServiceResult<(Project, LogEntry)> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        let id: LogId = Some(id)
            .filter(|id| !id.is_empty() && id.len() <= 16 && id.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
            .ok_or(ServiceError::NotFound("log entry"))?;
        let entry =
            self.deps.repos.logs.find(project.id, id).await?.ok_or(ServiceError::NotFound("log entry"))?;
        Ok((project, entry))
    }

    /// The project's entry `id` with up to `before` older and `after` newer
    /// matches of `filter` (each at most [`MAX_CONTEXT`]), exact by
    /// `(timestamp, id)`: entries of equal timestamp are ordered by id,
    /// never skipped or repeated. An id of another project is `NotFound`.
    #[instrument(skip_all, fields(id))]
    pub async fn context(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
        filter: &LogFilter,
        before: u32,
        after: u32,
    ) -> ServiceResult<LogContext> {
        let (project, entry) = self.entry(principal, project, id).await?;
        check_context(before, after)?;
        self.context_around(&project, entry, filter, before, after).await
    }

    /// [`Self::context`] for a request's query parameters (the filters,
    /// `before` and `after`: see [`crate::service::query`]), read once the
    /// entry is found. Returns the context as for [`Self::context`].
    #[instrument(skip_all, fields(id))]
    pub async fn context_request(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
        input: &QueryInput,
    ) -> ServiceResult<LogContext> {
        let (project, entry) = self.entry(principal, project, id).await?;
        let (filter, before, after) = query::context(input)?;
        self.context_around(&project, entry, &filter, before, after).await
    }

    /// The context of `entry`, `before` and `after` already checked.
    async fn context_around(
        &self,
        project: &Project,
        entry: LogEntry,
        filter: &LogFilter,
        before: u32,
        after: u32,
    ) -> ServiceResult<LogContext> {
        let anchor = LogCursor { timestamp: entry.entry.timestamp, id: entry.id };
        let logs = &self.deps.repos.logs;
        let mut older = if before == 0 {
            Vec::new()
        } else {
            logs.page_after(project.id, filter, Some(anchor), before).await?
        };
        older.reverse();
        let newer = self.newer(project.id, filter, anchor, after).await?;
        Ok(LogContext { before: older, entry, after: newer })
    }

    /// Up to `need` matches strictly newer than `anchor`, oldest first.
    /// The repository pages newest first, so this looks at growing time
    /// windows just above the anchor: the entries of the anchor's own
    /// instant (by id), then `[t, t + w)` with `w` doubling until the
    /// window holds `need` matches (narrowed again if it holds more than
    /// the count cap), and takes the window's oldest `need` with an
    /// offset. Every query is bounded by the count cap.
    async fn newer(
        &self,
        project: crate::model::ProjectId,
        filter: &LogFilter,
        anchor: LogCursor,
        need: u32,
    ) -> ServiceResult<Vec<LogEntry>> {
        let logs = &self.deps.repos.logs;
        let mut out = Vec::new();
        if need == 0 {
            return Ok(out);
        }
        let tick = TimeDelta::microseconds(1);
        let within = |from: DateTime<Utc>, to: Option<DateTime<Utc>>| LogFilter {
            from: Some(filter.from.map_or(from, |f| f.max(from))),
            to: match (filter.to, to) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            ..filter.clone()
        };
        // The anchor's own instant, by id.
        let same = within(anchor.timestamp, Some(anchor.timestamp + tick));
        out.extend(self.oldest_of_instant(project, &same, need, Some(anchor.id)).await?);
        let rest = need - out.len() as u32;
        if rest == 0 {
            return Ok(out);
        }
        // Later instants: the newest match bounds the search.
        let start = anchor.timestamp + tick;
        let later = within(start, None);
        let newest = logs.search(project, &LogQuery { filter: later.clone(), limit: 1, offset: 0 }).await?;
        let Some(newest) = newest.logs.first() else { return Ok(out) };
        let end = newest.entry.timestamp + tick;
        let count_in = |to: DateTime<Utc>| {
            let f = within(start, Some(to));
            async move {
                let page = logs.search(project, &LogQuery { filter: f, limit: 1, offset: 0 }).await?;
                Ok::<_, ServiceError>((page.total, page.total_is_lower_bound))
            }
        };
        let mut low = TimeDelta::zero();
        let mut width = TimeDelta::seconds(1);
        let mut crowded = None;
        let (to, count) = loop {
            let to = (start + width).min(end);
            let (count, capped) = count_in(to).await?;
            if !capped && (count >= u64::from(rest) || to == end) {
                break (to, count);
            }
            if !capped {
                low = width;
                width = width * 2;
                continue;
            }
            // Too many to take the oldest by offset: narrow between the
            // last small window (`low`) and this one.
            let mut high = width;
            let mut found = None;
            while high - low > tick {
                let mid = low + (high - low) / 2;
                let (count, capped) = count_in(start + mid).await?;
                if capped {
                    high = mid;
                } else if count >= u64::from(rest) {
                    found = Some((start + mid, count));
                    break;
                } else {
                    low = mid;
                }
            }
            // Without `found`, one microsecond holds more entries than the
            // cap: take all before it, then its oldest by walking it.
            break match found {
                Some(found) => found,
                None => {
                    crowded = Some(start + low);
                    (start + low, count_in(start + low).await?.0)
                }
            };
        };
        let take = rest.min(count as u32);
        let offset = (count as u32).saturating_sub(take);
        let window = within(start, Some(to));
        let mut page =
            logs.search(project, &LogQuery { filter: window, limit: take.max(1), offset }).await?.logs;
        page.truncate(take as usize);
        page.reverse();
        out.extend(page);
        if let Some(instant) = crowded {
            let more = need - out.len() as u32;
            let f = within(instant, Some(instant + tick));
            out.extend(self.oldest_of_instant(project, &f, more, None).await?);
        }
        Ok(out)
    }

    /// The `n` oldest matches of `filter` (one instant's window) with an
    /// id above `above_id`, oldest first: walks the instant newest first,
    /// keeping only the last `n` seen (memory bounded by `n`).
    async fn oldest_of_instant(
        &self,
        project: crate::model::ProjectId,
        filter: &LogFilter,
        n: u32,
        above_id: Option<LogId>,
    ) -> ServiceResult<Vec<LogEntry>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut kept = std::collections::VecDeque::with_capacity(n as usize);
        let mut cursor = None;
        loop {
            let page = self.deps.repos.logs.page_after(project, filter, cursor, FACET_PAGE).await?;
            let Some(last) = page.last() else { break };
            cursor = Some(LogCursor { timestamp: last.entry.timestamp, id: last.id });
            let full = page.len() as u32 == FACET_PAGE;
            let mut done = !full;
            for e in page {
                if above_id.is_some_and(|above| e.id <= above) {
                    done = true;
                    break;
                }
                if kept.len() == n as usize {
                    kept.pop_front();
                }
                kept.push_back(e);
            }
            if done {
                break;
            }
        }
        Ok(kept.into_iter().rev().collect())
    }

    /// The most frequent values of each field among the matches of
    /// `filter`: counted over the newest [`FACET_SAMPLE`] matches (all of
    /// them when there are no more), at most `limit` values per field.
    #[instrument(skip_all)]
    pub async fn facets(
        &self,
        principal: &Principal,
        project: &str,
        filter: &LogFilter,
        fields: &[FacetField],
        limit: u32,
    ) -> ServiceResult<Facets> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        check_facets(fields, limit)?;
        self.count_facets(&project, filter, fields, limit).await
    }

    /// [`Self::facets`] for a request's query parameters (the filters,
    /// `fields` and `limit`: see [`crate::service::query`]), read once
    /// access is settled.
    #[instrument(skip_all)]
    pub async fn facets_request(
        &self,
        principal: &Principal,
        project: &str,
        input: &QueryInput,
    ) -> ServiceResult<Facets> {
        let project = self.projects.accessible(principal, project, Permission::LogsRead).await?;
        let (filter, fields, limit) = query::facets(input)?;
        self.count_facets(&project, &filter, &fields, limit).await
    }

    /// The facets, `fields` and `limit` already checked.
    async fn count_facets(
        &self,
        project: &Project,
        filter: &LogFilter,
        fields: &[FacetField],
        limit: u32,
    ) -> ServiceResult<Facets> {
        let logs = &self.deps.repos.logs;
        let first =
            logs.search(project.id, &LogQuery { filter: filter.clone(), limit: 1, offset: 0 }).await?;
        let mut counts: Vec<HashMap<String, u64>> = vec![HashMap::new(); fields.len()];
        let mut seen = 0u64;
        let mut cursor = None;
        while seen < FACET_SAMPLE {
            let size = FACET_PAGE.min((FACET_SAMPLE - seen) as u32);
            let page = logs.page_after(project.id, filter, cursor, size).await?;
            let Some(last) = page.last() else { break };
            cursor = Some(LogCursor { timestamp: last.entry.timestamp, id: last.id });
            seen += page.len() as u64;
            for entry in &page {
                for (field, counts) in fields.iter().zip(counts.iter_mut()) {
                    let mut values = field.values(entry);
                    values.sort();
                    values.dedup();
                    for v in values {
                        let v = if v.chars().count() > MAX_FACET_VALUE_CHARS {
                            v.chars().take(MAX_FACET_VALUE_CHARS).collect()
                        } else {
                            v
                        };
                        *counts.entry(v).or_default() += 1;
                    }
                }
            }
            if (page.len() as u32) < size {
                break;
            }
        }
        let facets = fields
            .iter()
            .cloned()
            .zip(counts)
            .map(|(field, counts)| {
                let mut values: Vec<FacetValue> =
                    counts.into_iter().map(|(value, count)| FacetValue { value, count }).collect();
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                values.truncate(limit as usize);
                (field, values)
            })
            .collect();
        Ok(Facets { total: first.total, total_is_lower_bound: first.total_is_lower_bound, facets })
    }
}

fn check_context(before: u32, after: u32) -> ServiceResult<()> {
    let mut errors = Vec::new();
    for (field, n) in [("before", before), ("after", after)] {
        if n > MAX_CONTEXT {
            errors.push(FieldError::new(field, format!("must be between 0 and {MAX_CONTEXT}")));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ServiceError::Validation(errors)) }
}

fn check_facets(fields: &[FacetField], limit: u32) -> ServiceResult<()> {
    let mut errors = Vec::new();
    if fields.is_empty() || fields.len() > MAX_FACET_FIELDS {
        errors.push(FieldError::new("fields", format!("must list 1 to {MAX_FACET_FIELDS} fields")));
    }
    if limit == 0 || limit > MAX_FACET_VALUES {
        errors.push(FieldError::new("limit", format!("must be between 1 and {MAX_FACET_VALUES}")));
    }
    if errors.is_empty() { Ok(()) } else { Err(ServiceError::Validation(errors)) }
}
