//! Contract of
//! [`HeartbeatRepository::buckets`](orion_core::repo::HeartbeatRepository::buckets):
//! every server's means per step, computed by the store exactly as the
//! in-memory reference does.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::Repos;
use orion_core::model::{HeartbeatBucket, Metrics, Server, Usage};

use super::servers::heartbeat;
use super::{at, new_server, stored_project, stored_server};

fn sample(server: &Server, offset_ms: i64, cpu: Option<f64>, ram: Usage) -> orion_core::model::Heartbeat {
    let base = heartbeat(server, at(offset_ms));
    let metrics = Metrics {
        cpu_percent: cpu,
        ram,
        disk: Usage { percent: Some(50.0), ..Usage::default() },
        ..base.metrics.clone()
    };
    orion_core::model::Heartbeat { metrics, ..base }
}

/// A step as `(start, cpu, ram, samples)`.
type Step = (DateTime<Utc>, Option<f64>, Option<f64>, u64);

/// The steps of `server`.
fn of_server(buckets: &[HeartbeatBucket], server: &Server) -> Vec<Step> {
    buckets
        .iter()
        .filter(|b| b.server_id == server.server_id)
        .map(|b| (b.start, b.cpu_percent.map(round), b.ram_percent.map(round), b.samples))
        .collect()
}

/// Rounds away float noise (stores may sum in another order).
fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// `buckets` groups the project's heartbeats of `[from, to)` by server and
/// by step aligned on the Unix epoch (a first step may start before
/// `from`), each figure the mean of the heartbeats carrying it (`None`
/// when none did), network rates included; steps without heartbeats and
/// other projects' servers are left out.
pub async fn buckets_are_per_server_means_in_epoch_aligned_steps_of_a_window(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let (a, b) = (stored_server(repos, project.id).await, stored_server(repos, project.id).await);
    let twin = repos.servers.upsert(&new_server(other.id, a.server_id.as_str())).await.expect("upsert");
    let pct = |p| Usage { percent: Some(p), ..Usage::default() };
    let of = |used, total| Usage { used: Some(used), total: Some(total), percent: None };
    // `at(-123)` is 12:00:00.000 exactly.
    let rows = [
        sample(&a, -124, Some(99.0), pct(99.0)),
        sample(&a, 0, Some(10.0), pct(20.0)),
        sample(&a, 5_000, Some(30.0), of(1.0, 4.0)),
        sample(&a, 9_876, Some(20.0), Usage::default()),
        sample(&a, 10_000, Some(50.0), Usage::default()),
        sample(&a, 29_877, Some(99.0), pct(99.0)),
        sample(&b, 15_000, None, Usage::default()),
        sample(&twin, 0, Some(77.0), pct(77.0)),
    ];
    for h in &rows {
        repos.heartbeats.insert(h).await.expect("insert heartbeat");
    }
    let (from, to) = (at(-123), at(29_877));
    let series = |from, step| async move {
        repos.heartbeats.buckets(project.id, from, to, step).await.expect("buckets")
    };
    let second = |s: i64| at(-123) + Duration::seconds(s);

    let tens = series(from, Duration::seconds(10)).await;
    assert_eq!(
        of_server(&tens, &a),
        [(second(0), Some(20.0), Some(22.5), 3), (second(10), Some(50.0), None, 1)],
        "{tens:?}"
    );
    assert_eq!(of_server(&tens, &b), [(second(10), None, None, 1)]);
    assert_eq!(tens.len(), 3, "no other project's server, no empty step: {tens:?}");
    let first = &tens.iter().find(|s| s.server_id == a.server_id).expect("a step");
    assert_eq!(first.disk_percent, Some(50.0));
    assert_eq!(first.net_rx_bytes_per_sec.map(round), Some(12_345_678.125));
    assert_eq!(first.net_tx_bytes_per_sec, None);

    // A `from` inside a step: the step keeps its epoch-aligned start and
    // counts only what is in the window.
    let late = series(at(4_877), Duration::seconds(10)).await;
    assert_eq!(
        of_server(&late, &a),
        [(second(0), Some(25.0), Some(25.0), 2), (second(10), Some(50.0), None, 1)]
    );

    // One day: a single step from midnight.
    let day = series(from, Duration::days(1)).await;
    let midnight = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).single().expect("valid");
    assert_eq!(of_server(&day, &a), [(midnight, Some(27.5), Some(22.5), 4)]);

    // An empty window.
    assert!(series(to, Duration::seconds(10)).await.is_empty());
}
