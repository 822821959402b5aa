//! Contract of [`IncidentRepository`](orion_core::repo::IncidentRepository).

use chrono::{DateTime, Utc};
use orion_core::Repos;
use orion_core::model::{
    ContextLine, ContextMetrics, CrashContext, Incident, IncidentId, IncidentStatus, Metrics, OutputStream,
    ProjectId, Server, Usage,
};

use super::{
    AGENT_RETENTION, at, new_server, random, retention_cutoff, stored_project, stored_server, window,
};

/// A `script_crash` of a script of its own (so it groups with nothing
/// else) of `project`, reported by `server` if any, at `timestamp`,
/// received half a second later.
pub(super) fn incident(project: ProjectId, server: Option<&Server>, timestamp: DateTime<Utc>) -> Incident {
    Incident {
        id: IncidentId(crate::fresh_id()),
        project_id: project,
        server_id: server.map(|s| s.server_id.clone()),
        event: "script_crash".into(),
        message: "api exited with code 1".into(),
        script_name: Some(format!("api-{}", random(8))),
        timestamp,
        received_at: timestamp + chrono::Duration::milliseconds(500),
        status: IncidentStatus::Open,
        count: 1,
        last_at: timestamp,
        resolved_at: None,
        running_since: None,
        context: None,
    }
}

/// A report of the same key as `incident`, `ms` later, with its own id.
fn again(incident: &Incident, ms: i64, message: &str) -> Incident {
    let later = incident.timestamp + chrono::Duration::milliseconds(ms);
    Incident {
        id: IncidentId(crate::fresh_id()),
        message: message.into(),
        timestamp: later,
        last_at: later,
        received_at: later,
        ..incident.clone()
    }
}

/// A context with every part set.
fn context(lines: usize) -> CrashContext {
    CrashContext {
        lines: (0..lines)
            .map(|i| ContextLine {
                timestamp: at(i as i64),
                stream: if i % 2 == 0 { OutputStream::Stdout } else { OutputStream::Stderr },
                line: format!("line {i} ✗ «{}»\t\u{1b}[31m", random(4)),
            })
            .collect(),
        metrics: Some(ContextMetrics {
            timestamp: Some(at(99)),
            metrics: Metrics {
                uptime_seconds: Some(86_400.5),
                cpu_percent: Some(97.25),
                cpu_cores: Some(8),
                ram: Usage { used: Some(1024.0), total: Some(4096.0), percent: None },
                disk: Usage { used: None, total: None, percent: Some(20.0) },
                net_rx_bytes_per_sec: Some(1.5),
                net_tx_bytes_per_sec: None,
                load_average: Some([1.0, 0.5, 0.25]),
            },
        }),
        exit_code: Some(2),
        signal: None,
        restarts: Some(3),
    }
}

async fn list_all(repos: &Repos, project: ProjectId) -> Vec<Incident> {
    repos.incidents.list(project, None, window(None, None, 1_000)).await.expect("list")
}

/// With and without a server, script and context, with a long Unicode
/// message, an incident comes back exactly, with millisecond instants,
/// by `find` and `list`; `find` never answers for another project.
pub async fn an_incident_round_trips_with_its_context(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let full = Incident {
        message: format!("crash ✗ «{}»\nstack:\n{}", random(8), "  at frame\n".repeat(500)),
        context: Some(context(50)),
        ..incident(project.id, Some(&server), at(1_000))
    };
    let bare = Incident {
        event: format!("custom_{}", random(6)),
        script_name: None,
        context: Some(CrashContext::default()),
        ..incident(project.id, None, at(2_000))
    };
    for i in [&full, &bare] {
        let (stored, opened) = repos.incidents.record(i).await.expect("record");
        assert_eq!((&stored, opened), (i, true));
    }
    assert_eq!(list_all(repos, project.id).await, [bare.clone(), full.clone()]);
    assert_eq!(repos.incidents.find(project.id, full.id).await.expect("find"), Some(full.clone()));
    let elsewhere = stored_project(repos).await;
    assert_eq!(repos.incidents.find(elsewhere.id, full.id).await.expect("find"), None);
}

/// A second and third report of one server, script and event add to the
/// open incident (count, latest time, message and context; the first
/// report's id, time and reception stay); another script, server or
/// event, or another project, opens its own.
pub async fn reports_of_one_server_script_and_event_group_while_the_incident_is_open(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let server = stored_server(repos, project.id).await;
    let first = incident(project.id, Some(&server), at(1_000));
    assert!(repos.incidents.record(&first).await.expect("record").1);
    let second = Incident { context: Some(context(3)), ..again(&first, 500, "second") };
    let (grouped, opened) = repos.incidents.record(&second).await.expect("record");
    assert!(!opened);
    let third = again(&first, 900, "third");
    let (grouped_again, _) = repos.incidents.record(&third).await.expect("record");
    assert_eq!(grouped.id, first.id);
    let want = Incident {
        count: 3,
        last_at: third.last_at,
        message: "third".into(),
        context: None,
        ..first.clone()
    };
    assert_eq!(grouped_again, want, "the newest report's context replaces the older one");

    let others = [
        Incident { script_name: Some("worker".into()), ..again(&first, 1, "x") },
        Incident { server_id: None, ..again(&first, 1, "x") },
        Incident { event: "oom_kill".into(), ..again(&first, 1, "x") },
        Incident { script_name: None, ..again(&first, 1, "x") },
    ];
    for report in &others {
        assert!(repos.incidents.record(report).await.expect("record").1, "{report:?} opens its own");
    }
    let foreign = Incident { project_id: other.id, server_id: None, ..again(&first, 1, "x") };
    assert!(repos.incidents.record(&foreign).await.expect("record").1);
    assert_eq!(list_all(repos, project.id).await.len(), 5);
    assert_eq!(repos.incidents.find(project.id, first.id).await.expect("find"), Some(want));
    let total = repos.incidents.count(project.id, None, at(0), at(10_000)).await.expect("count");
    assert_eq!(total, 7, "every report is an occurrence");
}

/// Eight reports of one key at once, as from several instances: one
/// incident, with count 8, and eight occurrences.
pub async fn racing_reports_of_one_key_make_one_incident(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let first = incident(project.id, Some(&server), at(5_000));
    let reports: Vec<Incident> = (0..8).map(|i| again(&first, i, "racing")).collect();
    let outcomes = futures_util::future::join_all(reports.iter().map(|r| repos.incidents.record(r))).await;
    let opened = outcomes.into_iter().map(|o| o.expect("record").1).filter(|opened| *opened).count();
    assert_eq!(opened, 1, "exactly one report opened the incident");
    let listed = list_all(repos, project.id).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].count, 8);
    assert_eq!(repos.incidents.count(project.id, None, at(0), at(10_000)).await.expect("count"), 8);
}

/// `resolve` changes an open incident once (the second call reports no
/// change and keeps the first `resolved_at`); `NotFound` for another
/// project's; the next report of the key opens a new incident.
pub async fn resolving_is_conditional_and_the_next_report_opens_a_new_incident(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let first = incident(project.id, Some(&server), at(1_000));
    repos.incidents.record(&first).await.expect("record");
    let (resolved, changed) =
        repos.incidents.resolve(project.id, first.id, at(2_000)).await.expect("resolve");
    assert!(changed);
    assert_eq!((resolved.status, resolved.resolved_at), (IncidentStatus::Resolved, Some(at(2_000))));
    let (again_resolved, changed) =
        repos.incidents.resolve(project.id, first.id, at(3_000)).await.expect("resolve");
    assert!(!changed);
    assert_eq!(again_resolved, resolved);
    let elsewhere = stored_project(repos).await;
    let foreign = repos.incidents.resolve(elsewhere.id, first.id, at(3_000)).await;
    assert!(matches!(foreign, Err(orion_core::RepositoryError::NotFound)), "{foreign:?}");

    let (next, opened) = repos.incidents.record(&again(&first, 5_000, "back")).await.expect("record");
    assert!(opened);
    assert_ne!(next.id, first.id);
    let open = repos
        .incidents
        .list(project.id, Some(IncidentStatus::Open), window(None, None, 10))
        .await
        .expect("list");
    assert_eq!(open, std::slice::from_ref(&next));
    let closed = repos
        .incidents
        .list(project.id, Some(IncidentStatus::Resolved), window(None, None, 10))
        .await
        .expect("list");
    assert_eq!(closed, [resolved]);
    assert_eq!(repos.incidents.open_of_server(project.id, &server.server_id).await.expect("open"), [next]);
}

/// `set_running_since` sets and clears the clock of an open incident, is
/// ignored for a resolved one, and a new report clears it.
pub async fn running_since_is_kept_only_on_open_incidents(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let first = incident(project.id, Some(&server), at(1_000));
    repos.incidents.record(&first).await.expect("record");
    let incidents = &repos.incidents;
    incidents.set_running_since(project.id, first.id, Some(at(1_500))).await.expect("set");
    let found = incidents.find(project.id, first.id).await.expect("find").expect("there");
    assert_eq!(found.running_since, Some(at(1_500)));
    let (grouped, _) = incidents.record(&again(&first, 2_000, "again")).await.expect("record");
    assert_eq!(grouped.running_since, None, "a new crash breaks the run");
    incidents.set_running_since(project.id, first.id, Some(at(3_500))).await.expect("set");
    incidents.set_running_since(project.id, first.id, None).await.expect("clear");
    assert_eq!(incidents.find(project.id, first.id).await.expect("find").expect("there").running_since, None);
    incidents.resolve(project.id, first.id, at(4_000)).await.expect("resolve");
    incidents.set_running_since(project.id, first.id, Some(at(5_000))).await.expect("set");
    assert_eq!(incidents.find(project.id, first.id).await.expect("find").expect("there").running_since, None);
    assert!(incidents.open_of_server(project.id, &server.server_id).await.expect("open").is_empty());
}

/// `list` keeps `from <= last_at < to`, newest first, at most `limit`,
/// and never another project's.
pub async fn incidents_are_listed_newest_first_in_a_from_inclusive_to_exclusive_window(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    for offset in [30_000, 0, 19_999, 10_000, 20_000, 9_999, 15_000] {
        repos.incidents.record(&incident(project.id, None, at(offset))).await.expect("record");
        repos.incidents.record(&incident(other.id, None, at(offset))).await.expect("record");
    }
    let stamps = |incidents: Vec<Incident>| -> Vec<DateTime<Utc>> {
        assert!(incidents.iter().all(|i| i.project_id == project.id), "only the project's own");
        incidents.into_iter().map(|i| i.last_at).collect()
    };
    let list = |from, to, limit| repos.incidents.list(project.id, None, window(from, to, limit));

    let all = stamps(list(None, None, 100).await.expect("list"));
    assert_eq!(all, [30_000, 20_000, 19_999, 15_000, 10_000, 9_999, 0].map(at));
    let window = stamps(list(Some(at(10_000)), Some(at(20_000)), 100).await.expect("list"));
    assert_eq!(window, [at(19_999), at(15_000), at(10_000)]);
    assert_eq!(stamps(list(Some(at(20_000)), None, 100).await.expect("list")), [at(30_000), at(20_000)]);
    assert_eq!(stamps(list(None, Some(at(9_999)), 100).await.expect("list")), [at(0)]);
    assert_eq!(stamps(list(None, None, 3).await.expect("list")), [at(30_000), at(20_000), at(19_999)]);
    let limited_window = stamps(list(Some(at(0)), Some(at(15_000)), 2).await.expect("list"));
    assert_eq!(limited_window, [at(10_000), at(9_999)]);
    assert!(list(Some(at(20_000)), Some(at(20_000)), 100).await.expect("list").is_empty());
    assert!(list_all(repos, ProjectId(crate::fresh_id())).await.is_empty());
}

/// `count` (the `crash_count` metric) keeps reports with `from <= at <
/// to`, only the project's own, and with a server only that server's
/// (not those reported without one).
pub async fn incidents_are_counted_in_a_from_inclusive_to_exclusive_window_per_server(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let web = stored_server(repos, project.id).await;
    let db = stored_server(repos, project.id).await;
    // Same server id in another project: its incidents never count.
    let twin = repos.servers.upsert(&new_server(other.id, web.server_id.as_str())).await.expect("upsert");
    for (offset, server) in
        [(0, Some(&web)), (9_999, Some(&db)), (10_000, Some(&web)), (15_000, None), (19_999, Some(&web))]
            .into_iter()
            .chain([(20_000, Some(&db)), (25_000, Some(&web))])
    {
        repos.incidents.record(&incident(project.id, server, at(offset))).await.expect("record");
        repos.incidents.record(&incident(other.id, Some(&twin), at(offset))).await.expect("record");
    }
    let count = |server: Option<&Server>, from, to| {
        let server = server.map(|s| s.server_id.clone());
        async move { repos.incidents.count(project.id, server.as_ref(), at(from), at(to)).await.expect("count") }
    };

    assert_eq!(count(None, 10_000, 20_000).await, 3, "10 000 and 19 999 in, 20 000 out, unbound one in");
    assert_eq!(count(None, 0, 30_000).await, 7);
    assert_eq!(count(None, 0, 1).await, 1);
    assert_eq!(count(None, 20_000, 20_000).await, 0);
    assert_eq!(count(Some(&web), 10_000, 20_000).await, 2);
    assert_eq!(count(Some(&web), 0, 30_000).await, 4);
    assert_eq!(count(Some(&db), 0, 20_000).await, 1);
    assert_eq!(count(Some(&db), 9_999, 20_001).await, 2);
    let other_count = repos.incidents.count(other.id, None, at(0), at(30_000)).await.expect("count");
    assert_eq!(other_count, 7);
    assert_eq!(
        repos.incidents.count(ProjectId(crate::fresh_id()), None, at(0), at(30_000)).await.expect("count"),
        0
    );
}

/// `delete_older_than`: five incidents whose latest report is strictly
/// before the cutoff, over two projects, with and without a server, go in
/// batches of two (2, 2, 1, 0) with their occurrences; one exactly at the
/// cutoff and a later one stay.
pub async fn expired_incidents_are_deleted_before_the_cutoff_a_batch_at_a_time(repos: &Repos) {
    let _serialised = AGENT_RETENTION.lock().await;
    let cutoff = retention_cutoff();
    // Leftovers of an interrupted earlier run would skew the counts.
    while repos.incidents.delete_older_than(cutoff, 1_000).await.expect("delete") > 0 {}

    let (project, other) = (stored_project(repos).await.id, stored_project(repos).await.id);
    let server = stored_server(repos, project).await;
    let ms = chrono::Duration::milliseconds;
    let at_cutoff = incident(project, Some(&server), cutoff);
    let newer = incident(project, None, cutoff + ms(1));
    let rows = [
        incident(project, Some(&server), cutoff - ms(1)),
        incident(project, None, cutoff - ms(86_400_000 * 365)),
        incident(other, None, cutoff - ms(1)),
        at_cutoff.clone(),
        incident(project, Some(&server), cutoff - ms(2)),
        newer.clone(),
        incident(other, None, cutoff - ms(5_000)),
    ];
    for i in &rows {
        repos.incidents.record(i).await.expect("record");
    }

    for want in [2, 2, 1, 0] {
        assert_eq!(repos.incidents.delete_older_than(cutoff, 2).await.expect("delete"), want);
    }
    assert_eq!(list_all(repos, project).await, [newer, at_cutoff]);
    assert!(list_all(repos, other).await.is_empty());
    let left =
        repos.incidents.count(other, None, cutoff - ms(86_400_000 * 400), cutoff).await.expect("count");
    assert_eq!(left, 0, "occurrences go with their incident");
}
