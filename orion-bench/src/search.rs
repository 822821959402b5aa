//! (c) Queries: each one timed over HTTP against the server's data and
//! in process against the raw store of (b) (the same entries, merged the
//! same way, asked through the `LogRepository` with no HTTP and no JSON):
//! the second is the storage engine's own limit, and the ratio says what
//! the HTTP layer costs.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use orion_core::model::ProjectId;
use orion_core::model::log::{EntryRows, Interval, LogCursor, LogFilter, LogQuery, parse_query};
use orion_core::repo::LogRepository;

use crate::stats::percentile;
use crate::workload::{COMMON_NEEDLE, RARE_NEEDLE, TAG};

/// What a query asks for.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A newest-first page with its total (exact up to 10,000).
    Page { limit: u32 },
    /// Per-minute counts of every match (an exact count over all data).
    Histogram,
    /// Every match, streamed (the figure is entries per second).
    Export,
}

/// One benchmark query.
pub struct BenchQuery {
    /// What it is.
    pub name: &'static str,
    /// The `q=` string.
    pub q: String,
    /// A time range, if any.
    pub range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// What is asked.
    pub shape: Shape,
}

/// The query shapes. `now` is when the workload's timestamps end.
pub fn queries(now: DateTime<Utc>) -> Vec<BenchQuery> {
    let minutes = |m| now - chrono::Duration::minutes(m);
    let page = |name, q: String| BenchQuery { name, q, range: None, shape: Shape::Page { limit: 100 } };
    vec![
        page("rare needle", RARE_NEEDLE.to_owned()),
        page("common word, first 100 + total", COMMON_NEEDLE.to_owned()),
        BenchQuery {
            name: "level + 10-minute range",
            q: "level:error".into(),
            range: Some((minutes(30), minutes(20))),
            shape: Shape::Page { limit: 100 },
        },
        page("one tag", format!("tag:{TAG}")),
        page("two tags", format!("tag:{TAG} tag:api")),
        page("metadata key=value", "meta.region=eu-west-1".into()),
        BenchQuery { name: "total count", q: String::new(), range: None, shape: Shape::Page { limit: 1 } },
        BenchQuery { name: "histogram, all, 1m", q: String::new(), range: None, shape: Shape::Histogram },
        BenchQuery {
            name: "common word count (histogram)",
            q: COMMON_NEEDLE.to_owned(),
            range: None,
            shape: Shape::Histogram,
        },
        BenchQuery {
            name: "export, 10-minute range",
            q: String::new(),
            range: Some((minutes(40), minutes(30))),
            shape: Shape::Export,
        },
    ]
}

/// One query's figures.
pub struct Figures {
    /// Median latency.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// Entries returned (a page), matches counted (a histogram) or
    /// entries streamed (an export), on the last run.
    pub answer: u64,
    /// A page's `total` (0 otherwise).
    pub total: u64,
}

impl Figures {
    fn of(mut samples: Vec<Duration>, answer: u64, total: u64) -> Self {
        Self { p50: percentile(&mut samples, 50.0), p95: percentile(&mut samples, 95.0), answer, total }
    }
}

/// Timed runs per shape: exports stream far more, so they run fewer times.
fn runs_for(shape: Shape, runs: usize) -> usize {
    match shape {
        Shape::Export => runs.clamp(1, 3),
        _ => runs,
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    orion_core::rfc3339::millis(t)
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The request URL of `query`.
pub fn url(base: &str, query: &BenchQuery) -> String {
    let path = match query.shape {
        Shape::Page { .. } => "logs",
        Shape::Histogram => "logs/histogram",
        Shape::Export => "logs/export",
    };
    let mut url = format!("{base}/api/projects/bench/{path}?q={}", encode(&query.q));
    match query.shape {
        Shape::Page { limit } => url.push_str(&format!("&limit={limit}")),
        Shape::Histogram => url.push_str("&interval=1m"),
        Shape::Export => url.push_str("&format=ndjson"),
    }
    if let Some((from, to)) = query.range {
        url.push_str(&format!("&from={}&to={}", encode(&rfc3339(from)), encode(&rfc3339(to))));
    }
    url
}

/// Runs `query` over HTTP `runs` times after warm-up runs.
pub async fn over_http(base: &str, jwt: &str, query: &BenchQuery, runs: usize) -> anyhow::Result<Figures> {
    let client = reqwest::Client::new();
    let url = url(base, query);
    let runs = runs_for(query.shape, runs);
    let mut samples = Vec::with_capacity(runs);
    let (mut answer, mut total) = (0, 0);
    for i in 0..runs + 2 {
        let started = Instant::now();
        let res = client.get(&url).bearer_auth(jwt).send().await?;
        let status = res.status();
        if !status.is_success() {
            bail!("{url} → {status}: {}", res.text().await.unwrap_or_default());
        }
        match query.shape {
            Shape::Page { .. } => {
                let body: serde_json::Value = res.json().await?;
                answer = body["logs"].as_array().map_or(0, Vec::len) as u64;
                total = body["total"].as_u64().unwrap_or(0);
            }
            Shape::Histogram => {
                let body: serde_json::Value = res.json().await?;
                let buckets = body["buckets"].as_array().context("buckets")?;
                answer = buckets.iter().filter_map(|b| b["total"].as_u64()).sum();
            }
            Shape::Export => {
                let mut res = res;
                let mut lines = 0u64;
                while let Some(chunk) = res.chunk().await? {
                    lines += memchr::memchr_iter(b'\n', &chunk).count() as u64;
                }
                answer = lines;
            }
        }
        if i >= 2 {
            samples.push(started.elapsed());
        }
    }
    Ok(Figures::of(samples, answer, total))
}

/// The filter of `query` as the server would build it.
pub fn filter(query: &BenchQuery) -> anyhow::Result<LogFilter> {
    let terms = parse_query(&query.q).map_err(|e| anyhow::anyhow!("{}: {e:?}", query.q))?;
    Ok(LogFilter {
        terms,
        from: query.range.map(|r| r.0),
        to: query.range.map(|r| r.1),
        ..LogFilter::default()
    })
}

/// Runs `query` in process against `logs` `runs` times after warm-up runs.
pub async fn in_process(
    logs: &dyn LogRepository,
    project: ProjectId,
    query: &BenchQuery,
    runs: usize,
) -> anyhow::Result<Figures> {
    let filter = filter(query)?;
    let runs = runs_for(query.shape, runs);
    let mut samples = Vec::with_capacity(runs);
    let (mut answer, mut total) = (0, 0);
    for i in 0..runs + 2 {
        let started = Instant::now();
        match query.shape {
            Shape::Page { limit } => {
                let page =
                    logs.search(project, &LogQuery { filter: filter.clone(), limit, offset: 0 }).await?;
                answer = page.logs.len() as u64;
                total = page.total;
            }
            Shape::Histogram => {
                answer =
                    logs.histogram(project, &filter, Interval::Minute).await?.iter().map(|h| h.count).sum();
            }
            Shape::Export => {
                // As the server exports: the store's own pages when it has them.
                let mut pages = logs.export_pages(project, &filter);
                let mut cursor: Option<LogCursor> = None;
                answer = 0;
                loop {
                    // Rows lent in place, each entry visited (its message
                    // read), as the server's encoder visits them.
                    let rows: Box<dyn EntryRows> = match &mut pages {
                        Some(pages) => pages.next_rows(cursor, 1_000).await?,
                        None => Box::new(logs.page_after(project, &filter, cursor, 1_000).await?),
                    };
                    let Some(last) = rows.last_cursor() else { break };
                    let mut bytes = 0usize;
                    rows.visit(&mut |v| bytes += v.message.len())?;
                    std::hint::black_box(bytes);
                    cursor = Some(last);
                    answer += rows.len() as u64;
                }
            }
        }
        if i >= 2 {
            samples.push(started.elapsed());
        }
    }
    Ok(Figures::of(samples, answer, total))
}
