//! Contract of [`IncidentRepository`](orion_core::repo::IncidentRepository).

use chrono::{DateTime, Utc};
use orion_core::Repos;
use orion_core::model::{Incident, IncidentId, ProjectId, Server};

use super::{AGENT_RETENTION, at, new_server, random, retention_cutoff, stored_project, stored_server};

/// Runs every incident check.
pub async fn run(repos: &Repos) {
    an_incident_round_trips(repos).await;
    incidents_are_listed_newest_first_in_a_from_inclusive_to_exclusive_window(repos).await;
    incidents_are_counted_in_a_from_inclusive_to_exclusive_window_per_server(repos).await;
    expired_incidents_are_deleted_before_the_cutoff_a_batch_at_a_time(repos).await;
}

/// A `script_crash` of `project` (reported by `server`, if any) at
/// `timestamp`, received half a second later.
pub(super) fn incident(project: ProjectId, server: Option<&Server>, timestamp: DateTime<Utc>) -> Incident {
    Incident {
        id: IncidentId(crate::fresh_id()),
        project_id: project,
        server_id: server.map(|s| s.server_id.clone()),
        event: "script_crash".into(),
        message: "api exited with code 1".into(),
        script_name: Some("api".into()),
        timestamp,
        received_at: timestamp + chrono::Duration::milliseconds(500),
    }
}

async fn list_all(repos: &Repos, project: ProjectId) -> Vec<Incident> {
    repos.incidents.list(project, None, None, 1_000).await.expect("list")
}

/// With and without a server and script, with a long Unicode message, an
/// incident comes back exactly, with millisecond instants.
pub async fn an_incident_round_trips(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let full = Incident {
        message: format!("crash ✗ «{}»\nstack:\n{}", random(8), "  at frame\n".repeat(500)),
        ..incident(project.id, Some(&server), at(1_000))
    };
    let bare = Incident {
        event: format!("custom_{}", random(6)),
        script_name: None,
        ..incident(project.id, None, at(2_000))
    };
    for i in [&full, &bare] {
        repos.incidents.insert(i).await.expect("insert");
    }
    assert_eq!(list_all(repos, project.id).await, [bare, full]);
}

/// `list` keeps `from <= timestamp < to`, newest first, at most `limit`,
/// and never another project's.
pub async fn incidents_are_listed_newest_first_in_a_from_inclusive_to_exclusive_window(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    for offset in [30_000, 0, 19_999, 10_000, 20_000, 9_999, 15_000] {
        repos.incidents.insert(&incident(project.id, None, at(offset))).await.expect("insert");
        repos.incidents.insert(&incident(other.id, None, at(offset))).await.expect("insert");
    }
    let stamps = |incidents: Vec<Incident>| -> Vec<DateTime<Utc>> {
        assert!(incidents.iter().all(|i| i.project_id == project.id), "only the project's own");
        incidents.into_iter().map(|i| i.timestamp).collect()
    };
    let list = |from, to, limit| repos.incidents.list(project.id, from, to, limit);

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

/// `count` (the `crash_count` metric) keeps `from <= timestamp < to`, only
/// the project's own, and with a server only that server's incidents (not
/// those reported without one).
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
        repos.incidents.insert(&incident(project.id, server, at(offset))).await.expect("insert");
        repos.incidents.insert(&incident(other.id, Some(&twin), at(offset))).await.expect("insert");
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

/// `delete_older_than`: five incidents strictly before the cutoff, over
/// two projects, with and without a server, go in batches of two
/// (2, 2, 1, 0); one exactly at the cutoff and a later one stay.
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
        repos.incidents.insert(i).await.expect("insert");
    }

    for want in [2, 2, 1, 0] {
        assert_eq!(repos.incidents.delete_older_than(cutoff, 2).await.expect("delete"), want);
    }
    assert_eq!(list_all(repos, project).await, [newer, at_cutoff]);
    assert!(list_all(repos, other).await.is_empty());
}
