//! (c) Search latency over HTTP against the ingested data.

use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{SecondsFormat, Utc};

use crate::stats::percentile;
use crate::workload::{COMMON_NEEDLE, RARE_NEEDLE, TAG};

/// One query's figures.
pub struct QueryFigures {
    /// What was asked.
    pub name: &'static str,
    /// The query string.
    pub query: String,
    /// Median latency.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// Entries returned on the last run.
    pub returned: usize,
    /// `total` of the last run.
    pub total: u64,
}

/// The query shapes: the four, and two `q=` shapes.
pub fn queries() -> Vec<(&'static str, String)> {
    let now = Utc::now();
    let from = (now - chrono::Duration::minutes(30)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let to = (now - chrono::Duration::minutes(20)).to_rfc3339_opts(SecondsFormat::Millis, true);
    vec![
        ("rare substring", format!("search={RARE_NEEDLE}&limit=100")),
        ("common substring, limit 100", format!("search={COMMON_NEEDLE}&limit=100")),
        ("level + time range", format!("level=error&from={from}&to={to}&limit=100")),
        ("tags", format!("tags={TAG}&limit=100")),
        // q=: a negation must not widen what the rare needle prunes to;
        // two needles each prune.
        ("rare substring, negated tag (q)", format!("q={RARE_NEEDLE}%20-tag:{TAG}&limit=100")),
        ("rare and common substrings (q)", format!("q={RARE_NEEDLE}%20{COMMON_NEEDLE}&limit=100")),
    ]
}

/// Runs each query `runs` times after a short warm-up.
pub async fn run(base: &str, jwt: &str, runs: usize) -> anyhow::Result<Vec<QueryFigures>> {
    let client = reqwest::Client::new();
    let mut figures = Vec::new();
    for (name, query) in queries() {
        let url = format!("{base}/api/projects/bench/logs?{}", query.replace('+', "%2B"));
        let mut samples = Vec::with_capacity(runs);
        let (mut returned, mut total) = (0, 0);
        for i in 0..runs + 3 {
            let started = Instant::now();
            let res = client.get(&url).bearer_auth(jwt).send().await?;
            let status = res.status();
            let body: serde_json::Value = res.json().await?;
            let took = started.elapsed();
            if !status.is_success() {
                bail!("{url} → {status}: {body}");
            }
            returned = body["logs"].as_array().map_or(0, Vec::len);
            total = body["total"].as_u64().unwrap_or(0);
            if i >= 3 {
                samples.push(took);
            }
        }
        figures.push(QueryFigures {
            name,
            query,
            p50: percentile(&mut samples, 50.0),
            p95: percentile(&mut samples, 95.0),
            returned,
            total,
        });
    }
    Ok(figures)
}
