//! Log query parameters → [`LogFilter`] / [`LogQuery`], in one place for
//! search, export, histogram and the live tail (query string and
//! `subscribe` messages alike), so a filter means the same thing
//! everywhere. The lists of heartbeats, incidents, commands and alert
//! events read their `from`, `to` and `limit` here too ([`window`],
//! [`limit`]), with the same rules.
//!
//! Parameters:
//!
//! - `level`: one level or a comma list (aliases and any case accepted);
//!   `minLevel`: that level and above. Both narrow, like every filter: an
//!   entry must be one of `level` and at least `minLevel`.
//! - `search`, `source`, `level`, `minLevel`, `tags`: empty means "no
//!   filter".
//! - `tags`: comma list; an entry must carry all of them.
//! - `from` (inclusive), `to` (exclusive): RFC 3339; an empty or
//!   malformed date is a 400, never "no bound".
//! - `limit` (1–1000, default 100), `offset` (default 0): search only.
//! - `meta.<key>=<value>`: `metadata[key]` must equal `value`.
//! - `q`: a query string ([`parse_query`]: text, `level:`, `source:`,
//!   `tag:`, `server:`, `meta.k>=v`, `-term`), ANDed with the rest; a bad
//!   one is a 400 on `q` naming the position and the problem.
//!
//! `level` and `tags` may be repeated (`level=warn&level=error`); for the
//! other parameters the last occurrence wins. Unknown parameters are
//! ignored (a client may add its own, like a cache buster). Every bad
//! parameter is reported at once, each detail naming its parameter.

use chrono::{DateTime, Utc};
use orion_core::error::FieldError;
use orion_core::model::Window;
use orion_core::model::log::{Interval, Level, LevelFilter, LogFilter, LogQuery, parse_query};
use orion_core::service::agents::{MAX_LIST, MetricsRange, parse_step};
use orion_core::service::logs::MAX_PAGE;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// The decoded query string as [`Params`] (empty when there is none).
pub fn params() -> impl warp::Filter<Extract = (Params,), Error = warp::Rejection> + Clone {
    use warp::Filter;
    warp::query::<Vec<(String, String)>>().map(Params::new)
}

/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 100;

/// The prefix of metadata filters: `meta.region=eu-1`.
const META_PREFIX: &str = "meta.";

/// Decoded query parameters, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// From decoded `key=value` pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The filters of a `subscribe` message (`{"level": "warn,error",
    /// "tags": ["a", "b"], "meta": {"region": "eu-1"}}`) as parameters.
    /// Values are strings or arrays of strings (joined with commas);
    /// `null` means absent; `meta` is an object of strings.
    pub fn from_json(filters: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        let mut errors = Vec::new();
        for (key, value) in filters {
            if key == "meta" {
                match value {
                    Value::Null => {}
                    Value::Object(meta) => {
                        for (k, v) in meta {
                            match scalar(v) {
                                Some(v) => pairs.push((format!("{META_PREFIX}{k}"), v)),
                                None => errors.push(FieldError::new(
                                    format!("meta.{k}"),
                                    "must be a string, number or boolean",
                                )),
                            }
                        }
                    }
                    _ => errors.push(FieldError::new("meta", "must be an object")),
                }
                continue;
            }
            match value {
                Value::Null => {}
                Value::Array(items) => match items.iter().map(scalar).collect::<Option<Vec<_>>>() {
                    Some(items) => pairs.push((key.clone(), items.join(","))),
                    None => errors.push(FieldError::new(key.clone(), "must be a list of strings")),
                },
                other => match scalar(other) {
                    Some(v) => pairs.push((key.clone(), v)),
                    None => {
                        errors.push(FieldError::new(key.clone(), "must be a string or a list of strings"))
                    }
                },
            }
        }
        if errors.is_empty() { Ok(Self(pairs)) } else { Err(ApiError::validation(errors)) }
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// The filters (everything but paging).
pub fn filter(params: &Params) -> Result<LogFilter, ApiError> {
    let mut errors = Vec::new();
    let filter = parse_filter(params, &mut errors);
    if errors.is_empty() { Ok(filter) } else { Err(ApiError::validation(errors)) }
}

/// The filters plus `limit` and `offset`, for a search page.
pub fn page(params: &Params) -> Result<LogQuery, ApiError> {
    let mut errors = Vec::new();
    let filter = parse_filter(params, &mut errors);
    let limit = parse_limit(params, MAX_PAGE, &mut errors);
    let offset = match params.get("offset") {
        None => 0,
        Some(raw) => raw.trim().parse::<u32>().unwrap_or_else(|_| {
            errors.push(FieldError::new("offset", "must be a whole number, 0 or more"));
            0
        }),
    };
    if errors.is_empty() { Ok(LogQuery { filter, limit, offset }) } else { Err(ApiError::validation(errors)) }
}

/// `from`, `to` and `limit` (1–1000, default 100), for heartbeats and
/// incidents. The limit is checked here with the wire's wording first, so
/// the core's own check never fires for a request.
pub fn window(params: &Params) -> Result<Window, ApiError> {
    let mut errors = Vec::new();
    let from = date(params, "from", &mut errors);
    let to = date(params, "to", &mut errors);
    let limit = parse_limit(params, MAX_LIST, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Window::new(from, to, limit).map_err(|e| ApiError::validation(vec![e]))
}

/// `from`, `to` and `step` of the servers' metrics series: two RFC 3339
/// dates and a step ([`parse_step`]: `30s`, `1m`, `15m`, `1h`, `1d`).
pub fn metrics_range(params: &Params) -> Result<MetricsRange, ApiError> {
    let mut errors = Vec::new();
    let from = date(params, "from", &mut errors);
    let to = date(params, "to", &mut errors);
    let step = params.get("step").and_then(|raw| {
        let step = parse_step(raw);
        if step.is_none() {
            errors.push(FieldError::new(
                "step",
                "must be a whole number from 1 to 999999 and a unit, s, m, h or d (like 1m)",
            ));
        }
        step
    });
    if errors.is_empty() { Ok(MetricsRange { from, to, step }) } else { Err(ApiError::validation(errors)) }
}

/// `limit` alone (1–1000, default 100), for command listings.
pub fn limit(params: &Params) -> Result<u32, ApiError> {
    let mut errors = Vec::new();
    let limit = parse_limit(params, MAX_LIST, &mut errors);
    if errors.is_empty() { Ok(limit) } else { Err(ApiError::validation(errors)) }
}

fn parse_limit(params: &Params, max: u32, errors: &mut Vec<FieldError>) -> u32 {
    match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new("limit", format!("must be a whole number from 1 to {max}")));
                DEFAULT_LIMIT
            }
        },
    }
}

/// Both values, or every problem of either in one 400.
pub fn both<A, B>(a: Result<A, ApiError>, b: Result<B, ApiError>) -> Result<(A, B), ApiError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut err), Err(other)) => {
            err.details.extend(other.details);
            Err(err)
        }
        (Err(err), _) | (_, Err(err)) => Err(err),
    }
}

/// The histogram's `interval` (`1m`, `5m`, `1h`, `1d`; default `1h`).
pub fn interval(params: &Params) -> Result<Interval, ApiError> {
    let raw = params.get("interval").unwrap_or("1h");
    Interval::parse(raw).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("interval", "must be one of 1m, 5m, 1h, 1d")])
    })
}

/// The wire name of an interval.
pub fn interval_name(interval: Interval) -> &'static str {
    match interval {
        Interval::Minute => "1m",
        Interval::FiveMinutes => "5m",
        Interval::Hour => "1h",
        Interval::Day => "1d",
    }
}

fn parse_filter(params: &Params, errors: &mut Vec<FieldError>) -> LogFilter {
    let mut filter = LogFilter::default();

    let listed: Vec<&str> = params.all("level").flat_map(list).collect();
    let mut levels = Vec::new();
    for raw in &listed {
        match Level::parse(raw) {
            Some(level) if !levels.contains(&level) => levels.push(level),
            Some(_) => {}
            None => errors.push(unknown_level("level", raw)),
        }
    }
    let min = match params.get("minLevel").filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(raw) => Level::parse(raw).or_else(|| {
            errors.push(unknown_level("minLevel", raw));
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

    filter.search = non_empty(params.get("search"));
    filter.source = non_empty(params.get("source"));
    for tag in params.all("tags").flat_map(list) {
        if !filter.tags.iter().any(|t| t == tag) {
            filter.tags.push(tag.to_owned());
        }
    }
    filter.from = date(params, "from", errors);
    filter.to = date(params, "to", errors);
    if let Some(q) = params.get("q") {
        match parse_query(q) {
            Ok(terms) => filter.terms = terms,
            Err(err) => errors.push(FieldError::new("q", err.to_string())),
        }
    }

    for (key, value) in &params.0 {
        if let Some(name) = key.strip_prefix(META_PREFIX) {
            if name.is_empty() {
                errors.push(FieldError::new(key.clone(), "name a metadata key: `meta.<key>=<value>`"));
            } else {
                filter.metadata.push((name.to_owned(), value.clone()));
            }
        }
    }
    filter
}

/// The non-empty, trimmed items of a comma list.
fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn non_empty(raw: Option<&str>) -> Option<String> {
    raw.filter(|s| !s.is_empty()).map(str::to_owned)
}

fn unknown_level(field: &str, raw: &str) -> FieldError {
    FieldError::new(field, format!("unknown level `{raw}`; use trace, debug, info, warn, error or fatal"))
}

fn date(params: &Params, key: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let raw = params.get(key)?;
    match DateTime::parse_from_rfc3339(raw) {
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            errors.push(FieldError::new(
                key,
                format!("`{raw}` is not an RFC 3339 date-time like 2026-01-31T12:00:00Z"),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    fn fields(err: ApiError) -> Vec<String> {
        err.details.into_iter().map(|d| d.field).collect()
    }

    #[test]
    fn no_parameters_is_an_empty_filter_and_the_default_page() {
        let query = page(&Params::default()).unwrap();
        assert_eq!(query, LogQuery { filter: LogFilter::default(), limit: 100, offset: 0 });
    }

    #[test]
    fn every_filter_is_parsed() {
        let query = page(&params(&[
            ("level", "WARNING, err"),
            ("level", "fatal"),
            ("search", "disk 100%"),
            ("source", "api"),
            ("tags", "a,b"),
            ("tags", "c"),
            ("from", "2026-01-01T00:00:00Z"),
            ("to", "2026-01-02T01:00:00+01:00"),
            ("limit", "20"),
            ("offset", "40"),
            ("meta.region", "eu-1"),
            ("unrelated", "x"),
        ]))
        .unwrap();
        let f = &query.filter;
        assert_eq!(f.levels, LevelFilter::OneOf(vec![Level::Warn, Level::Error, Level::Fatal]));
        assert_eq!(f.search.as_deref(), Some("disk 100%"));
        assert_eq!(f.source.as_deref(), Some("api"));
        assert_eq!(f.tags, ["a", "b", "c"]);
        assert_eq!(f.from, Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
        assert_eq!(f.to, Some(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap()));
        assert_eq!(f.metadata, [("region".to_owned(), "eu-1".to_owned())]);
        assert_eq!((query.limit, query.offset), (20, 40));
    }

    #[test]
    fn q_is_parsed_into_terms_and_a_bad_one_names_its_position() {
        use orion_core::model::log::{Term, TermKind};
        let f = filter(&params(&[("q", "timeout -tag:health"), ("search", "db")])).unwrap();
        assert_eq!(
            f.terms,
            [Term::is(TermKind::Text("timeout".into())), Term::not(TermKind::Tag("health".into()))]
        );
        assert_eq!(f.search.as_deref(), Some("db"), "q is ANDed with the other parameters");
        let err = filter(&params(&[("q", "ok level:loud")])).unwrap_err();
        assert_eq!(err.details[0].field, "q");
        assert!(err.details[0].message.contains("at character 10"), "{}", err.details[0].message);
        let json = serde_json::json!({"q": "-\"GET /healthz\""});
        let f = filter(&Params::from_json(json.as_object().unwrap()).unwrap()).unwrap();
        assert_eq!(f.terms, [Term::not(TermKind::Text("GET /healthz".into()))]);
    }

    #[test]
    fn min_level_keeps_that_level_and_above() {
        let f = filter(&params(&[("minLevel", "Warn")])).unwrap();
        assert_eq!(f.levels, LevelFilter::AtLeast(Level::Warn));
    }

    #[test]
    fn bad_values_are_all_reported_by_parameter_name() {
        let err = page(&params(&[
            ("level", "info,loud"),
            ("from", "yesterday"),
            ("to", "2026-13-01T00:00:00Z"),
            ("limit", "-1"),
            ("offset", "x"),
            ("meta.", "v"),
        ]))
        .unwrap_err();
        assert_eq!(err.code, "validation_failed");
        assert_eq!(fields(err), ["level", "from", "to", "meta.", "limit", "offset"]);
    }

    #[test]
    fn limits_outside_one_to_a_thousand_are_refused() {
        for bad in ["0", "1001", "ten", "1.5", ""] {
            assert_eq!(fields(page(&params(&[("limit", bad)])).unwrap_err()), ["limit"], "{bad:?}");
        }
        assert_eq!(page(&params(&[("limit", "1000")])).unwrap().limit, 1000);
    }

    #[test]
    fn level_and_min_level_together_both_narrow() {
        let f = filter(&params(&[("level", "info,error,fatal"), ("minLevel", "warn")])).unwrap();
        assert_eq!(f.levels, LevelFilter::OneOf(vec![Level::Error, Level::Fatal]));
        let f = filter(&params(&[("level", "debug"), ("minLevel", "error")])).unwrap();
        assert_eq!(f.levels, LevelFilter::OneOf(vec![]), "nothing is both");
        assert_eq!(fields(filter(&params(&[("minLevel", "loud")])).unwrap_err()), ["minLevel"]);
    }

    #[test]
    fn empty_values_mean_no_filter() {
        let f = filter(&params(&[("level", ""), ("minLevel", ""), ("search", ""), ("tags", ",")])).unwrap();
        assert_eq!(f, LogFilter::default());
    }

    #[test]
    fn an_empty_or_padded_date_is_refused() {
        for bad in ["", " 2026-01-01T00:00:00Z", "2026-01-01"] {
            assert_eq!(fields(filter(&params(&[("from", bad), ("to", bad)])).unwrap_err()), ["from", "to"]);
        }
    }

    #[test]
    fn subscribe_filters_read_like_the_query_string() {
        let json = serde_json::json!({
            "level": ["warn", "error"], "source": "api", "tags": "a,b", "search": null,
            "meta": {"region": "eu-1", "code": 42},
        });
        let mut f = filter(&Params::from_json(json.as_object().unwrap()).unwrap()).unwrap();
        f.metadata.sort();
        assert_eq!(f.levels, LevelFilter::OneOf(vec![Level::Warn, Level::Error]));
        assert_eq!(f.tags, ["a", "b"]);
        assert_eq!(f.search, None);
        assert_eq!(f.metadata, [("code".into(), "42".into()), ("region".into(), "eu-1".into())]);

        let bad = serde_json::json!({ "level": {"x": 1}, "tags": [1, {}], "meta": "x" });
        let err = Params::from_json(bad.as_object().unwrap()).unwrap_err();
        let mut got = fields(err);
        got.sort();
        assert_eq!(got, ["level", "meta", "tags"]);
    }

    #[test]
    fn a_window_reads_from_to_and_limit_and_names_every_bad_one() {
        assert_eq!(window(&Params::default()).unwrap(), Window::latest(100).unwrap());
        let w = window(&params(&[("from", "2026-01-01T00:00:00Z"), ("limit", "1000")])).unwrap();
        assert_eq!(
            (w.from(), w.to(), w.limit()),
            (Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()), None, 1000)
        );
        let err = window(&params(&[("from", "soon"), ("to", "later"), ("limit", "1001")])).unwrap_err();
        assert_eq!(fields(err), ["from", "to", "limit"]);
        assert_eq!(fields(limit(&params(&[("limit", "0")])).unwrap_err()), ["limit"]);
        assert_eq!(limit(&Params::default()).unwrap(), 100);
    }

    #[test]
    fn intervals_parse_and_default_to_an_hour() {
        assert_eq!(interval(&Params::default()).unwrap(), Interval::Hour);
        assert_eq!(interval(&params(&[("interval", "5m")])).unwrap(), Interval::FiveMinutes);
        assert_eq!(fields(interval(&params(&[("interval", "2h")])).unwrap_err()), ["interval"]);
        for i in [Interval::Minute, Interval::FiveMinutes, Interval::Hour, Interval::Day] {
            assert_eq!(Interval::parse(interval_name(i)), Some(i));
        }
    }
}
