//! Query parameters as a request carried them ([`QueryInput`]), and every
//! rule on them, in one place: the log filters shared by search, export,
//! histogram, context, facets and the live tail (query string and
//! `subscribe` messages alike), so a filter means the same thing
//! everywhere; the `from`, `to` and `limit` of the heartbeat, incident,
//! command and alert-event lists; the metrics range; and the few
//! parameters of one endpoint each (`interval`, `format`, `before`/`after`,
//! `fields`, `status`, `archived`). Adapters build a `QueryInput` from the
//! pairs they decoded and hand it to a service, which reads it here once
//! the caller and the resource are settled.
//!
//! Log parameters:
//!
//! - `level`: one level or a comma list (aliases and any case accepted);
//!   `minLevel`: that level and above. Both narrow, like every filter: an
//!   entry must be one of `level` and at least `minLevel`.
//! - `search`, `source`, `level`, `minLevel`, `tags`: empty means "no
//!   filter".
//! - `tags`: comma list; an entry must carry all of them.
//! - `from` (inclusive), `to` (exclusive): RFC 3339; an empty or
//!   malformed date is a validation error, never "no bound".
//! - `limit` (1–1000, default 100), `offset` (default 0): search only.
//! - `meta.<key>=<value>`: `metadata[key]` must equal `value`.
//! - `q`: a query string ([`parse_query`]: text, `level:`, `source:`,
//!   `tag:`, `server:`, `meta.k>=v`, `-term`), ANDed with the rest; a bad
//!   one is an error on `q` naming the position and the problem.
//!
//! `level` and `tags` may be repeated (`level=warn&level=error`); for the
//! other parameters the last occurrence wins. Unknown parameters are
//! ignored (a client may add its own, like a cache buster). Every bad
//! parameter is reported at once, as one [`FieldError`] naming it, in a
//! [`ServiceError::Validation`]; the messages are wire format.

use chrono::{DateTime, Duration, Utc};

use crate::error::{FieldError, ServiceError, ServiceResult};
use crate::model::log::{Interval, Level, LevelFilter, LogFilter, LogQuery, parse_query};
use crate::model::{ArchivedFilter, IncidentStatus, Window};
use crate::service::agents::{MAX_LIST, MetricsRange, parse_step};
use crate::service::logs::{
    ExportFormat, FacetField, MAX_CONTEXT, MAX_FACET_FIELDS, MAX_FACET_VALUES, MAX_PAGE,
};

/// Page size when `limit` is absent (search and the lists).
pub const DEFAULT_LIMIT: u32 = 100;
/// Neighbours on each side of a context when `before`/`after` are absent.
pub const DEFAULT_CONTEXT: u32 = 50;
/// Values per facet when `limit` is absent.
pub const DEFAULT_FACET_VALUES: u32 = 10;
/// Facet fields when `fields` is absent.
pub const DEFAULT_FACET_FIELDS: &str = "level,source,tags,serverId";

/// The prefix of metadata filters: `meta.region=eu-1`.
pub const META_PREFIX: &str = "meta.";

/// The query parameters of a request as received: decoded `key=value`
/// pairs, in order, repeated keys kept. Nothing is checked when it is
/// built; the service that takes it reads and checks every parameter it
/// knows and ignores the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryInput(Vec<(String, String)>);

impl QueryInput {
    /// From decoded `key=value` pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The last value of `key` unless it is empty (empty means absent).
    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }
}

impl From<Vec<(String, String)>> for QueryInput {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
}

impl FromIterator<(String, String)> for QueryInput {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self(pairs.into_iter().collect())
    }
}

/// The log filters (everything but paging): search's filters for export,
/// context and the live tail.
pub(crate) fn filter(input: &QueryInput) -> ServiceResult<LogFilter> {
    let mut read = Reader::new(input);
    let filter = read.filter();
    read.finish(filter)
}

/// The filters plus `limit` and `offset`, for a search page.
pub(crate) fn page(input: &QueryInput) -> ServiceResult<LogQuery> {
    let mut read = Reader::new(input);
    let filter = read.filter();
    let limit = read.limit(MAX_PAGE);
    let offset = read.offset();
    read.finish(LogQuery { filter, limit, offset })
}

/// `format` (first) and the filters, for an export.
pub(crate) fn export(input: &QueryInput) -> ServiceResult<(ExportFormat, LogFilter)> {
    let mut read = Reader::new(input);
    let format = read.format();
    let filter = read.filter();
    read.finish((format, filter))
}

/// The filters and `interval`, for a histogram.
pub(crate) fn histogram(input: &QueryInput) -> ServiceResult<(LogFilter, Interval)> {
    let mut read = Reader::new(input);
    let filter = read.filter();
    let interval = read.interval();
    read.finish((filter, interval))
}

/// The filters and `before`, `after` (each 0 to [`MAX_CONTEXT`], default
/// [`DEFAULT_CONTEXT`]), for a context. `after` is read once `before` is
/// good: of the two, only the first bad one is reported.
pub(crate) fn context(input: &QueryInput) -> ServiceResult<(LogFilter, u32, u32)> {
    let mut read = Reader::new(input);
    let filter = read.filter();
    let before = read.count("before", 0, MAX_CONTEXT, DEFAULT_CONTEXT);
    let after = match before {
        Some(_) => read.count("after", 0, MAX_CONTEXT, DEFAULT_CONTEXT),
        None => None,
    };
    read.finish((filter, before.unwrap_or_default(), after.unwrap_or_default()))
}

/// The filters, `fields` and `limit` (1 to [`MAX_FACET_VALUES`], default
/// [`DEFAULT_FACET_VALUES`]), for facets.
pub(crate) fn facets(input: &QueryInput) -> ServiceResult<(LogFilter, Vec<FacetField>, u32)> {
    let mut read = Reader::new(input);
    let filter = read.filter();
    let fields = read.facet_fields();
    let limit = read.count("limit", 1, MAX_FACET_VALUES, DEFAULT_FACET_VALUES);
    read.finish((filter, fields, limit.unwrap_or_default()))
}

/// `from`, `to` and `limit` (1–1000, default 100), for heartbeats. The
/// limit is checked here with the wire's wording, so [`Window::new`]'s own
/// check never fires for a request.
pub(crate) fn window(input: &QueryInput) -> ServiceResult<Window> {
    let mut read = Reader::new(input);
    let window = read.window();
    read.finish(window).and_then(build_window)
}

/// The window and `status` (`open` or `resolved`, when given), for
/// incidents.
pub(crate) fn incidents(input: &QueryInput) -> ServiceResult<(Window, Option<IncidentStatus>)> {
    let mut read = Reader::new(input);
    let window = read.window();
    let status = read.status();
    let (window, status) = read.finish((window, status))?;
    Ok((build_window(window)?, status))
}

/// `limit` alone (1 to `max`, default 100), for command and alert-event
/// listings.
pub(crate) fn limit(input: &QueryInput, max: u32) -> ServiceResult<u32> {
    let mut read = Reader::new(input);
    let limit = read.limit(max);
    read.finish(limit)
}

/// `from`, `to` and `step` of the servers' metrics series: two RFC 3339
/// dates and a step ([`parse_step`]: `30s`, `1m`, `15m`, `1h`, `1d`).
pub(crate) fn metrics_range(input: &QueryInput) -> ServiceResult<MetricsRange> {
    let mut read = Reader::new(input);
    let from = read.date("from");
    let to = read.date("to");
    let step = read.step();
    read.finish(MetricsRange { from, to, step })
}

/// `archived` (`false`, `true` or `all`); absent means the active ones.
pub(crate) fn archived(input: &QueryInput) -> ServiceResult<ArchivedFilter> {
    let mut read = Reader::new(input);
    let archived = read.archived();
    read.finish(archived)
}

/// A window's parts, read but not yet built.
type WindowParts = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, u32);

fn build_window((from, to, limit): WindowParts) -> ServiceResult<Window> {
    Window::new(from, to, limit).map_err(|e| ServiceError::Validation(vec![e]))
}

/// Reads parameters off one input, collecting the problems of all of
/// them; a bad parameter reads as a placeholder that [`Reader::finish`]
/// never lets out.
struct Reader<'a> {
    input: &'a QueryInput,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn new(input: &'a QueryInput) -> Self {
        Self { input, errors: Vec::new() }
    }

    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// `value`, or every problem met in one validation error.
    fn finish<T>(self, value: T) -> ServiceResult<T> {
        if self.errors.is_empty() { Ok(value) } else { Err(ServiceError::Validation(self.errors)) }
    }

    fn filter(&mut self) -> LogFilter {
        let input = self.input;
        let mut filter = LogFilter::default();

        let listed: Vec<&str> = input.all("level").flat_map(list).collect();
        let mut levels = Vec::new();
        for raw in &listed {
            match Level::parse(raw) {
                Some(level) if !levels.contains(&level) => levels.push(level),
                Some(_) => {}
                None => self.errors.push(unknown_level("level", raw)),
            }
        }
        let min = match input.get("minLevel").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(raw) => Level::parse(raw).or_else(|| {
                self.errors.push(unknown_level("minLevel", raw));
                None
            }),
        };
        filter.levels = match (listed.is_empty(), min) {
            (true, None) => LevelFilter::Any,
            (true, Some(min)) => LevelFilter::AtLeast(min),
            // Both narrow: the listed levels at or above the minimum (possibly none).
            (false, min) => {
                LevelFilter::OneOf(levels.into_iter().filter(|l| min.is_none_or(|min| *l >= min)).collect())
            }
        };

        filter.search = input.non_empty("search").map(str::to_owned);
        filter.source = input.non_empty("source").map(str::to_owned);
        for tag in input.all("tags").flat_map(list) {
            if !filter.tags.iter().any(|t| t == tag) {
                filter.tags.push(tag.to_owned());
            }
        }
        filter.from = self.date("from");
        filter.to = self.date("to");
        if let Some(q) = input.get("q") {
            match parse_query(q) {
                Ok(terms) => filter.terms = terms,
                Err(err) => self.fail("q", err.to_string()),
            }
        }

        for (key, value) in input.pairs() {
            if let Some(name) = key.strip_prefix(META_PREFIX) {
                if name.is_empty() {
                    self.fail(key.clone(), "name a metadata key: `meta.<key>=<value>`");
                } else {
                    filter.metadata.push((name.to_owned(), value.clone()));
                }
            }
        }
        filter
    }

    /// An RFC 3339 date, exactly as given (no trimming); absent is `None`.
    fn date(&mut self, key: &str) -> Option<DateTime<Utc>> {
        let raw = self.input.get(key)?;
        match DateTime::parse_from_rfc3339(raw) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => {
                self.fail(key, format!("`{raw}` is not an RFC 3339 date-time like 2026-01-31T12:00:00Z"));
                None
            }
        }
    }

    fn limit(&mut self, max: u32) -> u32 {
        match self.input.get("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    self.fail("limit", format!("must be a whole number from 1 to {max}"));
                    DEFAULT_LIMIT
                }
            },
        }
    }

    fn offset(&mut self) -> u32 {
        match self.input.get("offset") {
            None => 0,
            Some(raw) => raw.trim().parse::<u32>().unwrap_or_else(|_| {
                self.fail("offset", "must be a whole number, 0 or more");
                0
            }),
        }
    }

    fn window(&mut self) -> WindowParts {
        (self.date("from"), self.date("to"), self.limit(MAX_LIST))
    }

    /// A whole number `min..=max`, or `default` when absent; `None` when bad.
    fn count(&mut self, key: &str, min: u32, max: u32, default: u32) -> Option<u32> {
        match self.input.get(key) {
            None => Some(default),
            Some(raw) => {
                let count = raw.trim().parse::<u32>().ok().filter(|n| (min..=max).contains(n));
                if count.is_none() {
                    self.fail(key, format!("must be a whole number from {min} to {max}"));
                }
                count
            }
        }
    }

    /// The histogram's `interval` (`1m`, `5m`, `1h`, `1d`; default `1h`).
    fn interval(&mut self) -> Interval {
        let raw = self.input.get("interval").unwrap_or("1h");
        Interval::parse(raw).unwrap_or_else(|| {
            self.fail("interval", "must be one of 1m, 5m, 1h, 1d");
            Interval::Hour
        })
    }

    /// The export's `format`: `ndjson` (also the default when absent),
    /// `json` or `csv`.
    fn format(&mut self) -> ExportFormat {
        let raw = self.input.get("format").unwrap_or("ndjson");
        ExportFormat::parse(raw).unwrap_or_else(|| {
            self.fail("format", "must be ndjson, json or csv");
            ExportFormat::Ndjson
        })
    }

    /// The metrics' `step`, when given.
    fn step(&mut self) -> Option<Duration> {
        let raw = self.input.get("step")?;
        let step = parse_step(raw);
        if step.is_none() {
            self.fail("step", "must be a whole number from 1 to 999999 and a unit, s, m, h or d (like 1m)");
        }
        step
    }

    /// The incidents' `status`, when given: `open` or `resolved`.
    fn status(&mut self) -> Option<IncidentStatus> {
        let raw = self.input.get("status")?;
        let status = IncidentStatus::parse(raw);
        if status.is_none() {
            self.fail("status", "must be `open` or `resolved`");
        }
        status
    }

    /// The projects' `archived`; absent means the active ones.
    fn archived(&mut self) -> ArchivedFilter {
        let Some(raw) = self.input.get("archived") else { return ArchivedFilter::Active };
        ArchivedFilter::parse(raw).unwrap_or_else(|| {
            self.fail("archived", "must be `true`, `false` or `all`");
            ArchivedFilter::Active
        })
    }

    /// Facets' `fields`: a comma list of `level`, `source`, `tags`,
    /// `serverId`, `meta.<key>`; blanks around names and empty items are
    /// ignored; at most [`MAX_FACET_FIELDS`] names listed (a repeat
    /// counts, and is faceted once).
    fn facet_fields(&mut self) -> Vec<FacetField> {
        let raw = self.input.get("fields").unwrap_or(DEFAULT_FACET_FIELDS);
        let mut out = Vec::new();
        let mut bad = false;
        // Every name listed counts toward the limit, repeats included, so the
        // rule is the one the OpenAPI pattern states.
        let mut listed = 0;
        for name in list(raw) {
            listed += 1;
            match FacetField::parse(name) {
                Some(field) if !out.contains(&field) => out.push(field),
                Some(_) => {}
                None => {
                    bad = true;
                    let shown = name.chars().take(40).collect::<String>();
                    self.fail(
                        "fields",
                        format!("unknown field `{shown}`; use level, source, tags, serverId or meta.<key>"),
                    );
                }
            }
        }
        if out.is_empty() && !bad || listed > MAX_FACET_FIELDS {
            self.fail("fields", format!("must list 1 to {MAX_FACET_FIELDS} fields"));
        }
        out
    }
}

/// The non-empty, trimmed items of a comma list.
fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn unknown_level(field: &str, raw: &str) -> FieldError {
    FieldError::new(field, format!("unknown level `{raw}`; use trace, debug, info, warn, error or fatal"))
}

#[cfg(test)]
mod tests;
