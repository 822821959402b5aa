//! Contract of [`ServerRepository`](orion_core::repo::ServerRepository) and
//! [`HeartbeatRepository`](orion_core::repo::HeartbeatRepository), and of a
//! project's deletion taking every agent row with it.

use chrono::{DateTime, Utc};
use orion_core::Repos;
use orion_core::model::{
    Heartbeat, HeartbeatAverages, Metrics, ProjectId, ScriptState, ScriptStatus, Server, ServerId, Usage,
};

use super::{
    AGENT_RETENTION, assert_not_found, at, new_server, random, retention_cutoff, stored_project,
    stored_server, window,
};

/// Figures with exact binary fractions (any correct parser keeps them) that
/// still need a double: 12345678.125 does not fit an `f32`.
fn metrics() -> Metrics {
    Metrics {
        uptime_seconds: Some(3_456_789.5),
        cpu_percent: Some(42.5),
        cpu_cores: Some(8),
        ram: Usage { used: Some(6_144.25), total: Some(16_384.0), percent: Some(37.5) },
        // Only used/total: the percent stays unsent (it is derived on read).
        disk: Usage { used: Some(1_024.125), total: Some(4_096.0), percent: None },
        net_rx_bytes_per_sec: Some(12_345_678.125),
        net_tx_bytes_per_sec: None,
        load_average: Some([0.5, 1.25, 2.0]),
    }
}

fn scripts() -> Vec<ScriptStatus> {
    vec![
        ScriptStatus {
            name: "api".into(),
            state: ScriptState::Running,
            pid: Some(4_242),
            restarts: Some(3),
            last_exit_code: Some(-9),
            uptime_seconds: Some(12.5),
        },
        ScriptStatus {
            name: "wörker ✓".into(),
            state: ScriptState::Crashed,
            pid: None,
            restarts: None,
            last_exit_code: None,
            uptime_seconds: None,
        },
    ]
}

/// A heartbeat of `server` taken at `timestamp`, received a second later.
pub(super) fn heartbeat(server: &Server, timestamp: DateTime<Utc>) -> Heartbeat {
    Heartbeat {
        project_id: server.project_id,
        server_id: server.server_id.clone(),
        timestamp,
        received_at: timestamp + chrono::Duration::seconds(1),
        metrics: metrics(),
        scripts: scripts(),
    }
}

async fn list_all(repos: &Repos, server: &Server) -> Vec<Heartbeat> {
    repos
        .heartbeats
        .list(server.project_id, &server.server_id, window(None, None, 1_000))
        .await
        .expect("list")
}

/// `upsert` of a new server stores it as given and returns it; `find`
/// gives it back with its millisecond `created_at`.
pub async fn a_new_server_round_trips(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = new_server(project.id, &format!("host-{}.eu:Node_1", random(8)));
    assert_eq!(repos.servers.upsert(&server).await.expect("upsert"), server);
    let found = repos.servers.find(project.id, &server.server_id).await.expect("find");
    assert_eq!(found, Some(server.clone()));
    assert_eq!(repos.servers.list(project.id).await.expect("list"), [server]);
}

/// Re-registration rewrites the description only: `created_at` and
/// `last_seen_at` are the stored ones, whatever the new row says.
pub async fn upserting_a_known_server_updates_its_description_and_keeps_its_history(repos: &Repos) {
    let project = stored_project(repos).await;
    let first = stored_server(repos, project.id).await;
    repos.heartbeats.insert(&heartbeat(&first, at(10_000))).await.expect("heartbeat");
    let seen = Some(at(11_000));

    let again = Server {
        // A re-registration draws a new id; the stored row keeps its own.
        id: orion_core::model::ServerRowId(crate::fresh_id()),
        display_name: "Renamed".into(),
        hostname: "new-host.example.com".into(),
        platform: "macos".into(),
        arch: "aarch64".into(),
        created_at: at(99_000),
        last_seen_at: None,
        ..first.clone()
    };
    let expected = Server { id: first.id, created_at: first.created_at, last_seen_at: seen, ..again.clone() };
    assert_eq!(
        repos.servers.upsert(&again).await.expect("upsert"),
        expected,
        "upsert returns the stored row"
    );
    let found = repos.servers.find(project.id, &first.server_id).await.expect("find");
    assert_eq!(found, Some(expected.clone()));
    assert_eq!(repos.servers.list(project.id).await.expect("list"), [expected], "still one server");
}

/// `list` orders by `server_id`; the same id may exist in two projects as
/// two servers, each seen only in its own.
pub async fn servers_are_listed_by_id_and_scoped_to_their_project(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let suffix = random(8);
    let ids = [format!("b-{suffix}"), format!("C-{suffix}"), format!("a-{suffix}")];
    for id in &ids {
        repos.servers.upsert(&new_server(project.id, id)).await.expect("upsert");
    }
    let shared = new_server(other.id, &ids[0]);
    repos.servers.upsert(&Server { display_name: "Other".into(), ..shared.clone() }).await.expect("upsert");

    let listed: Vec<String> = repos
        .servers
        .list(project.id)
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.server_id.as_str().to_owned())
        .collect();
    // Byte order: upper case sorts before lower case.
    assert_eq!(listed, [ids[1].clone(), ids[2].clone(), ids[0].clone()]);

    let mine = repos.servers.find(project.id, &shared.server_id).await.expect("find").expect("mine");
    assert_eq!(mine.display_name, format!("Web {}", ids[0]), "the other project's upsert left it alone");
    let theirs = repos.servers.find(other.id, &shared.server_id).await.expect("find").expect("theirs");
    assert_eq!(theirs.display_name, "Other");
    assert_eq!(repos.servers.list(other.id).await.expect("list").len(), 1);
    let unknown = ServerId::parse(&format!("none-{}", random(8))).expect("valid");
    assert_eq!(repos.servers.find(project.id, &unknown).await.expect("find"), None);
    assert!(repos.servers.list(ProjectId(crate::fresh_id())).await.expect("list").is_empty());
}

/// Every figure, the optional load average and each script field come back
/// exactly, with millisecond instants.
pub async fn a_heartbeat_round_trips_its_metrics_and_scripts(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let full = heartbeat(&server, at(1_000));
    let bare = Heartbeat {
        metrics: Metrics { load_average: None, ..Metrics::default() },
        scripts: Vec::new(),
        ..heartbeat(&server, at(2_000))
    };
    for h in [&full, &bare] {
        repos.heartbeats.insert(h).await.expect("insert");
    }
    assert_eq!(list_all(repos, &server).await, [bare.clone(), full]);
    let latest = repos.heartbeats.latest(project.id, &server.server_id).await.expect("latest");
    assert_eq!(latest, Some(bare));
}

/// Storing a heartbeat marks the server seen at the heartbeat's
/// `received_at` (not its agent-clock `timestamp`).
pub async fn a_heartbeat_sets_last_seen_at_to_its_received_at(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let mut beat = heartbeat(&server, at(5_000));
    beat.received_at = at(60_000);
    repos.heartbeats.insert(&beat).await.expect("insert");
    let found = repos.servers.find(project.id, &server.server_id).await.expect("find").expect("server");
    assert_eq!(found.last_seen_at, Some(at(60_000)));
    assert_eq!(found.created_at, server.created_at);
}

/// A heartbeat naming a server its project does not have is `NotFound`,
/// even when another project has a server of that id; nothing is stored.
pub async fn a_heartbeat_of_an_unknown_server_is_not_found_and_not_stored(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let theirs = stored_server(repos, other.id).await;
    let ghost = new_server(project.id, theirs.server_id.as_str());
    assert_not_found(repos.heartbeats.insert(&heartbeat(&ghost, at(0))).await);
    let unknown_project = new_server(ProjectId(crate::fresh_id()), "nowhere");
    assert_not_found(repos.heartbeats.insert(&heartbeat(&unknown_project, at(0))).await);

    assert!(list_all(repos, &ghost).await.is_empty());
    assert!(list_all(repos, &theirs).await.is_empty(), "the other project's server got nothing");
    let untouched = repos.servers.find(other.id, &theirs.server_id).await.expect("find").expect("server");
    assert_eq!(untouched.last_seen_at, None);
    assert_eq!(repos.servers.find(project.id, &ghost.server_id).await.expect("find"), None);
}

/// `latest` goes by the agent's `timestamp`, not arrival order; between
/// equal timestamps the later insertion wins. A silent server has none.
pub async fn the_latest_heartbeat_is_the_newest_by_timestamp_then_insertion(repos: &Repos) {
    let project = stored_project(repos).await;
    let (server, silent) = (stored_server(repos, project.id).await, stored_server(repos, project.id).await);
    assert_eq!(repos.heartbeats.latest(project.id, &silent.server_id).await.expect("latest"), None);

    let newest = heartbeat(&server, at(9_000));
    let late_arrival = heartbeat(&server, at(3_000));
    repos.heartbeats.insert(&newest).await.expect("insert");
    repos.heartbeats.insert(&late_arrival).await.expect("insert");
    let latest = repos.heartbeats.latest(project.id, &server.server_id).await.expect("latest");
    assert_eq!(latest, Some(newest.clone()));

    let mut tie = heartbeat(&server, at(9_000));
    tie.metrics.cpu_percent = Some(99.5);
    repos.heartbeats.insert(&tie).await.expect("insert");
    let latest = repos.heartbeats.latest(project.id, &server.server_id).await.expect("latest");
    assert_eq!(latest, Some(tie));
    assert_eq!(repos.heartbeats.latest(project.id, &silent.server_id).await.expect("latest"), None);
    let elsewhere =
        repos.heartbeats.latest(ProjectId(crate::fresh_id()), &server.server_id).await.expect("latest");
    assert_eq!(elsewhere, None);
}

/// `list` keeps `from <= timestamp < to`, newest first, at most `limit`,
/// and only the named server's.
pub async fn heartbeats_are_listed_newest_first_in_a_from_inclusive_to_exclusive_window(repos: &Repos) {
    let project = stored_project(repos).await;
    let (server, neighbour) =
        (stored_server(repos, project.id).await, stored_server(repos, project.id).await);
    // Inserted out of order, one millisecond apart around the bounds.
    for offset in [30_000, 0, 19_999, 10_000, 20_000, 9_999, 15_000] {
        repos.heartbeats.insert(&heartbeat(&server, at(offset))).await.expect("insert");
        repos.heartbeats.insert(&heartbeat(&neighbour, at(offset))).await.expect("insert");
    }
    let stamps = |beats: Vec<Heartbeat>| -> Vec<DateTime<Utc>> {
        assert!(beats.iter().all(|h| h.server_id == server.server_id), "only the named server's");
        beats.into_iter().map(|h| h.timestamp).collect()
    };
    let list =
        |from, to, limit| repos.heartbeats.list(project.id, &server.server_id, window(from, to, limit));

    let all = stamps(list(None, None, 100).await.expect("list"));
    let offsets = [30_000, 20_000, 19_999, 15_000, 10_000, 9_999, 0];
    assert_eq!(all, offsets.map(at));
    let inside = stamps(list(Some(at(10_000)), Some(at(20_000)), 100).await.expect("list"));
    assert_eq!(inside, [at(19_999), at(15_000), at(10_000)]);
    let from_only = stamps(list(Some(at(20_000)), None, 100).await.expect("list"));
    assert_eq!(from_only, [at(30_000), at(20_000)]);
    let to_only = stamps(list(None, Some(at(9_999)), 100).await.expect("list"));
    assert_eq!(to_only, [at(0)]);
    let limited = stamps(list(None, None, 2).await.expect("list"));
    assert_eq!(limited, [at(30_000), at(20_000)]);
    let limited_window = stamps(list(Some(at(0)), Some(at(15_000)), 2).await.expect("list"));
    assert_eq!(limited_window, [at(10_000), at(9_999)]);
    assert!(list(Some(at(20_000)), Some(at(20_000)), 100).await.expect("list").is_empty());
    let foreign =
        repos.heartbeats.list(ProjectId(crate::fresh_id()), &server.server_id, window(None, None, 100)).await;
    assert!(foreign.expect("list").is_empty());
}

/// A heartbeat of `server` at `at(offset_ms)` with these figures.
fn sample(server: &Server, offset_ms: i64, cpu: Option<f64>, ram: Usage, disk: Usage) -> Heartbeat {
    let metrics = Metrics { cpu_percent: cpu, ram, disk, ..metrics() };
    Heartbeat { metrics, ..heartbeat(server, at(offset_ms)) }
}

/// Usage given as used/total only.
fn of(used: f64, total: f64) -> Usage {
    Usage { used: Some(used), total: Some(total), percent: None }
}

/// Usage given as a percent only.
fn pct(percent: f64) -> Usage {
    Usage { percent: Some(percent), ..Usage::default() }
}

/// Panics unless `got` averages `samples` heartbeats to these figures
/// (within float noise: stores may sum in another order).
#[track_caller]
fn assert_averages(
    got: Option<HeartbeatAverages>,
    cpu: Option<f64>,
    ram: Option<f64>,
    disk: Option<f64>,
    samples: u64,
) {
    let got = got.unwrap_or_else(|| panic!("expected averages of {samples} heartbeats, got none"));
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (a, b) => a == b,
    };
    assert!(
        close(got.cpu_percent, cpu) && close(got.ram_percent, ram) && close(got.disk_percent, disk),
        "expected cpu {cpu:?} ram {ram:?} disk {disk:?}, got {got:?}"
    );
    assert_eq!(got.samples, samples, "{got:?}");
}

/// `averages` (the cpu/ram/disk metrics) is the mean over `from <= timestamp
/// < to` of each heartbeat's own percentages — not total used over total
/// installed — as `Usage::effective_percent` gives them (the percent sent,
/// else used/total, capped at 100); heartbeats without the figure (or with a zero total)
/// are left out of that figure's mean, which is `None` when none had it;
/// only `server`'s when given; never another project's; `None` when no
/// heartbeat is in range.
pub async fn heartbeat_averages_are_means_of_per_heartbeat_percentages_in_a_window(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let (a, b) = (stored_server(repos, project.id).await, stored_server(repos, project.id).await);
    let twin = repos.servers.upsert(&new_server(other.id, a.server_id.as_str())).await.expect("upsert");
    let rows = [
        sample(&a, 0, Some(10.0), of(1.0, 4.0), pct(0.0)),
        sample(&a, 10_000, Some(20.0), pct(75.0), of(50.0, 200.0)),
        sample(&a, 20_000, Some(90.0), of(4.0, 4.0), pct(100.0)),
        sample(&a, -1, Some(90.0), of(4.0, 4.0), pct(100.0)),
        sample(&b, 19_999, None, of(5.0, 0.0), of(1_099_511_627_776.0, 1_099_511_627_776.0)),
        sample(&b, 19_998, Some(60.0), Usage::default(), Usage::default()),
        sample(&twin, 5_000, Some(99.0), of(1.0, 1.0), pct(1.0)),
    ];
    for h in &rows {
        repos.heartbeats.insert(h).await.expect("insert heartbeat");
    }
    let averages = |server: Option<&Server>, from, to| {
        let server = server.map(|s| s.server_id.clone());
        async move {
            repos.heartbeats.averages(project.id, server.as_ref(), at(from), at(to)).await.expect("averages")
        }
    };

    // In [0, 20000): cpu 10, 20, (none), 60; ram 25, 75, (zero total),
    // (none); disk 0, 25, 100, (none).
    let some = Some;
    assert_averages(averages(None, 0, 20_000).await, some(30.0), some(50.0), some(125.0 / 3.0), 4);
    assert_averages(averages(Some(&a), 0, 20_000).await, some(15.0), some(50.0), some(12.5), 2);
    assert_averages(averages(Some(&b), 0, 20_000).await, some(60.0), None, some(100.0), 2);
    assert_averages(averages(Some(&a), 20_000, 20_001).await, some(90.0), some(100.0), some(100.0), 1);
    assert_eq!(averages(None, 30_000, 40_000).await, None);
    assert_eq!(averages(Some(&b), 0, 19_998).await, None);
    let unknown = ServerId::parse("never-seen").expect("valid");
    let none = repos.heartbeats.averages(project.id, Some(&unknown), at(-10), at(30_000)).await;
    assert_eq!(none.expect("averages"), None);
    let foreign = repos.heartbeats.averages(ProjectId(crate::fresh_id()), None, at(-10), at(30_000)).await;
    assert_eq!(foreign.expect("averages"), None);

    // More used than installed counts as 100%, as `effective_percent` caps it.
    let c = stored_server(repos, project.id).await;
    repos.heartbeats.insert(&sample(&c, 0, None, of(8.0, 4.0), of(3.0, 2.0))).await.expect("insert");
    assert_averages(averages(Some(&c), 0, 1).await, None, some(100.0), some(100.0), 1);
}

/// Deleting a project takes its servers, heartbeats, commands and incidents
/// with it, and nothing of any other project.
pub async fn deleting_a_project_removes_its_servers_heartbeats_commands_and_incidents(repos: &Repos) {
    let (doomed, kept) = (stored_project(repos).await, stored_project(repos).await);
    let server_id = format!("srv-{}", random(10));
    let mut rows = Vec::new();
    for project in [&doomed, &kept] {
        let server = repos.servers.upsert(&new_server(project.id, &server_id)).await.expect("upsert");
        repos.heartbeats.insert(&heartbeat(&server, at(0))).await.expect("heartbeat");
        let command = super::commands::command(&server, at(0));
        repos.commands.insert(&command).await.expect("command");
        let incident = super::incidents::incident(project.id, Some(&server), at(0));
        repos.incidents.record(&incident).await.expect("incident");
        rows.push((server, command));
    }

    repos.projects.delete(doomed.id).await.expect("delete");

    let counts = |project: ProjectId, server: Server, command| async move {
        (
            repos.servers.list(project).await.expect("servers").len(),
            repos
                .heartbeats
                .list(project, &server.server_id, window(None, None, 100))
                .await
                .expect("hb")
                .len(),
            repos.heartbeats.latest(project, &server.server_id).await.expect("latest").is_some(),
            repos.commands.list(project, &server.server_id, 100).await.expect("commands").len(),
            repos.commands.find(project, command).await.expect("find").is_some(),
            repos.incidents.list(project, None, window(None, None, 100)).await.expect("incidents").len(),
        )
    };
    let (server, command) = rows[0].clone();
    assert_eq!(counts(doomed.id, server, command.id).await, (0, 0, false, 0, false, 0));
    let (server, command) = rows[1].clone();
    assert_eq!(counts(kept.id, server, command.id).await, (1, 1, true, 1, true, 1));
}

/// `delete_older_than`: five heartbeats strictly before the cutoff, over
/// two projects, go in batches of two (2, 2, 1, 0); one exactly at the
/// cutoff and a later one stay.
pub async fn expired_heartbeats_are_deleted_before_the_cutoff_a_batch_at_a_time(repos: &Repos) {
    let _serialised = AGENT_RETENTION.lock().await;
    let cutoff = retention_cutoff();
    // Leftovers of an interrupted earlier run would skew the counts.
    while repos.heartbeats.delete_older_than(cutoff, 1_000).await.expect("delete") > 0 {}

    let server = stored_server(repos, stored_project(repos).await.id).await;
    let other = stored_server(repos, stored_project(repos).await.id).await;
    let ms = chrono::Duration::milliseconds;
    let at_cutoff = heartbeat(&server, cutoff);
    let newer = heartbeat(&server, cutoff + ms(1));
    let rows = [
        heartbeat(&server, cutoff - ms(1)),
        heartbeat(&server, cutoff - ms(86_400_000 * 365)),
        heartbeat(&other, cutoff - ms(1)),
        at_cutoff.clone(),
        heartbeat(&server, cutoff - ms(2)),
        newer.clone(),
        heartbeat(&other, cutoff - ms(5_000)),
    ];
    for h in &rows {
        repos.heartbeats.insert(h).await.expect("insert");
    }

    for want in [2, 2, 1, 0] {
        assert_eq!(repos.heartbeats.delete_older_than(cutoff, 2).await.expect("delete"), want);
    }
    assert_eq!(list_all(repos, &server).await, [newer, at_cutoff]);
    assert!(list_all(repos, &other).await.is_empty());
}
