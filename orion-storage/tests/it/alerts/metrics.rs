//! The alert metric queries against a reference computed in Rust from the
//! same rows: per-level log counts (through the level indexes, with and
//! without a source), incident counts and heartbeat averages — at window
//! edges that fall between stored microseconds, on both backends.

use chrono::Duration;
use orion_core::Repos;
use orion_core::model::log::{Level, LevelFilter, LogEntry, LogFilter};
use orion_core::model::{Metrics, ProjectId, SourceName, Usage};

use crate::agents::open;
use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, heartbeat, incident, log, stored_project, stored_server};

/// Entries every 10 ms over two seconds, cycling through the levels, two
/// sources and none, and tags; plus one entry of another project.
async fn logs(repos: &Repos) -> (ProjectId, Vec<LogEntry>) {
    let project = stored_project(repos).await.id;
    let other = stored_project(repos).await.id;
    let entries: Vec<_> = (0..200)
        .map(|i| {
            let mut e =
                log(project, i * 10, &format!("entry {i} {}", if i % 4 == 0 { "timeout" } else { "ok" }));
            e.level = Level::ALL[(i as usize * 7) % 6];
            e.source =
                [None, Some("api"), Some("worker")][i as usize % 3].map(|s| SourceName::parse(s).unwrap());
            if i % 5 == 0 {
                e.tags.push("slow".into());
            }
            e
        })
        .chain([log(other, 500, "another project's entry")])
        .collect();
    (project, repos.logs.append(entries).await.unwrap())
}

fn reference(stored: &[LogEntry], project: ProjectId, filter: &LogFilter) -> [u64; 6] {
    let mut counts = [0; 6];
    for e in stored.iter().filter(|e| e.entry.project_id == project && filter.matches(&e.entry)) {
        counts[e.entry.level.rank() as usize] += 1;
    }
    counts
}

async fn level_counts_agree_with_the_filter_at_every_edge(url: String) {
    let (repos, _raw) = open(&url).await;
    let (project, stored) = logs(&repos).await;
    let base = log(project, 0, "").timestamp;
    let nano = Duration::nanoseconds(1);
    // Bounds on a stored instant, a nanosecond around it, and open.
    let windows = [
        (Some(base + Duration::milliseconds(500)), Some(base + Duration::milliseconds(1_500))),
        (Some(base + Duration::milliseconds(500) + nano), Some(base + Duration::milliseconds(1_500) + nano)),
        (Some(base + Duration::milliseconds(500) - nano), Some(base + Duration::milliseconds(1_500) - nano)),
        (None, None),
    ];
    let narrowings = [
        LogFilter::default(),
        LogFilter { source: Some("api".into()), ..LogFilter::default() },
        LogFilter { source: Some("nobody".into()), ..LogFilter::default() },
        LogFilter {
            levels: LevelFilter::AtLeast(Level::Warn),
            source: Some("worker".into()),
            ..LogFilter::default()
        },
        LogFilter { levels: LevelFilter::OneOf(vec![]), ..LogFilter::default() },
        LogFilter { tags: vec!["slow".into()], ..LogFilter::default() },
        LogFilter { search: Some("TIMEOUT".into()), source: Some("api".into()), ..LogFilter::default() },
        LogFilter { search: Some("no such text".into()), ..LogFilter::default() },
    ];
    for (from, to) in windows {
        for narrowing in &narrowings {
            let filter = LogFilter { from, to, ..narrowing.clone() };
            let counts = repos.logs.level_counts(project, &filter).await.unwrap();
            assert_eq!(counts, reference(&stored, project, &filter), "{filter:?}");
        }
    }
    let everything = repos.logs.level_counts(project, &LogFilter::default()).await.unwrap();
    assert_eq!(everything.iter().sum::<u64>(), 200, "another project's entry is not counted");
}

#[tokio::test]
async fn level_counts_agree_with_the_filter_at_every_edge_on_sqlite() {
    let (_dir, url) = sqlite_url();
    level_counts_agree_with_the_filter_at_every_edge(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn level_counts_agree_with_the_filter_at_every_edge_on_postgres() {
    on_postgres(level_counts_agree_with_the_filter_at_every_edge).await;
}

/// Incidents counted from-inclusive, to-exclusive (bounds between stored
/// microseconds included), optionally of one server.
async fn incidents_are_counted_in_the_window_and_by_server(url: String) {
    let (repos, _raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let (alpha, beta) =
        (stored_server(&repos, project.id, "alpha").await, stored_server(&repos, project.id, "beta").await);
    for ms in [0, 1_000, 2_000] {
        repos.incidents.record(&incident(&alpha, at(ms))).await.unwrap();
    }
    repos.incidents.record(&incident(&beta, at(1_000))).await.unwrap();
    let other = stored_project(&repos).await;
    let theirs = stored_server(&repos, other.id, "alpha").await;
    repos.incidents.record(&incident(&theirs, at(1_000))).await.unwrap();

    let nano = Duration::nanoseconds(1);
    let count = |server, from, to| {
        let repos = repos.clone();
        async move { repos.incidents.count(project.id, server, from, to).await.unwrap() }
    };
    assert_eq!(count(None, at(0), at(2_000)).await, 3);
    assert_eq!(count(None, at(0) + nano, at(2_000) + nano).await, 3);
    assert_eq!(count(None, at(0) - nano, at(2_000) - nano).await, 3);
    assert_eq!(count(None, at(0) + nano, at(2_000)).await, 2);
    assert_eq!(count(Some(&alpha.server_id), at(0), at(2_001)).await, 3);
    assert_eq!(count(Some(&beta.server_id), at(0), at(2_001)).await, 1);
    assert_eq!(count(None, at(3_000), at(4_000)).await, 0);
}

#[tokio::test]
async fn incidents_are_counted_in_the_window_and_by_server_on_sqlite() {
    let (_dir, url) = sqlite_url();
    incidents_are_counted_in_the_window_and_by_server(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn incidents_are_counted_in_the_window_and_by_server_on_postgres() {
    on_postgres(incidents_are_counted_in_the_window_and_by_server).await;
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b),
        (a, b) => a == b,
    }
}

fn usage(used: Option<f64>, total: Option<f64>, percent: Option<f64>) -> Usage {
    Usage { used, total, percent }
}

/// Averages of each heartbeat's effective percentages (the percent sent,
/// else used/total), in double precision: a zero total or a missing figure
/// leaves the heartbeat out of that figure's mean, and an empty window is
/// `None`.
async fn heartbeat_averages_match_the_per_heartbeat_percentages(url: String) {
    let (repos, _raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let (alpha, beta) =
        (stored_server(&repos, project.id, "alpha").await, stored_server(&repos, project.id, "beta").await);
    let figures = [
        (&alpha, 0, Some(10.0), usage(Some(1_024.0), Some(4_096.0), None), usage(Some(7.0), Some(9.0), None)),
        (&alpha, 1_000, Some(33.3), usage(Some(0.0), Some(0.0), None), usage(None, None, Some(99.5))),
        (&beta, 1_000, None, usage(Some(3.0), Some(7.0), Some(50.0)), Usage::default()),
        (&beta, 5_000, Some(50.0), usage(Some(1.0), Some(1.0), None), usage(Some(1.0), Some(1.0), None)),
    ];
    let mut stored = Vec::new();
    for (srv, ms, cpu, ram, disk) in figures {
        let mut h = heartbeat(srv, at(ms));
        h.metrics = Metrics { cpu_percent: cpu, ram, disk, ..h.metrics };
        repos.heartbeats.insert(&h).await.unwrap();
        stored.push(h);
    }
    let windows =
        [(None, at(0), at(5_000)), (Some(&alpha.server_id), at(0), at(5_000)), (None, at(1_000), at(6_000))];
    for (server, from, to) in windows {
        let kept: Vec<_> = stored
            .iter()
            .filter(|h| server.is_none_or(|s| &h.server_id == s) && h.timestamp >= from && h.timestamp < to)
            .collect();
        // The mean over the heartbeats that carry the figure (the oracle).
        let mean = |f: fn(&Metrics) -> Option<f64>| {
            let values: Vec<f64> = kept.iter().filter_map(|h| f(&h.metrics)).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        let got = repos.heartbeats.averages(project.id, server, from, to).await.unwrap().unwrap();
        assert_eq!(got.samples, kept.len() as u64);
        assert!(close_opt(got.cpu_percent, mean(|m| m.cpu_percent)), "{got:?}");
        assert!(close_opt(got.ram_percent, mean(Metrics::ram_percent)), "{got:?}");
        assert!(close_opt(got.disk_percent, mean(Metrics::disk_percent)), "{got:?}");
    }
    assert_eq!(repos.heartbeats.averages(project.id, None, at(6_000), at(9_000)).await.unwrap(), None);
    let other = stored_project(&repos).await;
    assert_eq!(repos.heartbeats.averages(other.id, None, at(0), at(9_000)).await.unwrap(), None);
}

#[tokio::test]
async fn heartbeat_averages_match_the_per_heartbeat_percentages_on_sqlite() {
    let (_dir, url) = sqlite_url();
    heartbeat_averages_match_the_per_heartbeat_percentages(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn heartbeat_averages_match_the_per_heartbeat_percentages_on_postgres() {
    on_postgres(heartbeat_averages_match_the_per_heartbeat_percentages).await;
}
