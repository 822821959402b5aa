//! Live events across instances: two `Storage`s on one PostgreSQL database
//! stand for two servers. What one stores, a subscriber of the other's
//! `live_bus` receives once, as the same event, in commit order; a rolled
//! back write announces nothing. On SQLite the bus is the in-process one.

use std::time::Duration;

use orion_core::model::log::LogEntry;
use orion_core::port::live::{LiveEvent, LiveItem, LiveSubscription};
use orion_storage::Storage;

use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, heartbeat, incident, log, server, stored_project, stored_server};

/// How long an event may take to cross instances in this test.
const WITHIN: Duration = Duration::from_secs(10);

async fn next_event(subscription: &mut LiveSubscription) -> LiveEvent {
    match tokio::time::timeout(WITHIN, subscription.next()).await {
        Ok(Some(LiveItem::Event(event))) => (*event).clone(),
        other => panic!("expected an event, got {other:?}"),
    }
}

async fn nothing_more(subscription: &mut LiveSubscription) {
    let next = tokio::time::timeout(Duration::from_millis(500), subscription.next()).await;
    assert!(next.is_err(), "no further event expected, got {next:?}");
}

fn ids(event: &LiveEvent) -> Vec<i64> {
    match event {
        LiveEvent::Logs { entries, .. } => entries.iter().map(|e| e.id).collect(),
        other => panic!("expected logs, got {other:?}"),
    }
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn what_one_instance_stores_reaches_the_other_instances_subscribers_once_in_order() {
    on_postgres(|url| async move {
        let a = Storage::open(&url).await.unwrap();
        let b = Storage::open(&url).await.unwrap();
        let (bus_a, bus_b) = (a.live_bus(64).await.unwrap(), b.live_bus(64).await.unwrap());
        let (mut on_a, mut on_b) = (bus_a.subscribe(), bus_b.subscribe());
        let (repos_a, repos_b) = (a.repos(), b.repos());
        let project = stored_project(&repos_a).await;

        // Three requests, the middle one big enough for two blocks, and a
        // fourth written by instance B.
        let batch =
            |from: i64, n: i64| (from..from + n).map(|i| log(project.id, i, &format!("m{i}"))).collect();
        let first = repos_a.logs.append(batch(0, 3)).await.unwrap();
        let second = repos_a.logs.append(batch(3, 1_500)).await.unwrap();
        let third = repos_a.logs.append(batch(1_503, 2)).await.unwrap();
        let fourth = repos_b.logs.append(batch(1_505, 4)).await.unwrap();
        let stored: Vec<Vec<LogEntry>> = vec![first, second, third, fourth];

        for subscription in [&mut on_a, &mut on_b] {
            for request in &stored {
                let event = next_event(subscription).await;
                let LiveEvent::Logs { project_id, project: name, owner_id, entries } = &event else {
                    panic!("expected logs, got {event:?}");
                };
                assert_eq!((*project_id, name, *owner_id), (project.id, &project.name, project.owner_id));
                assert_eq!(entries, request, "the same entries, ids and order as stored");
            }
        }

        // A heartbeat and an incident, read back with what was stored.
        let machine = stored_server(&repos_a, project.id, "web-1").await;
        let beat = heartbeat(&machine, at(10));
        repos_a.heartbeats.insert(&beat).await.unwrap();
        let crash = incident(&machine, at(20));
        repos_a.incidents.record(&crash).await.unwrap();
        // Rolled back (the server does not exist): nothing is announced.
        let ghost = heartbeat(&server(project.id, "ghost"), at(30));
        assert!(repos_a.heartbeats.insert(&ghost).await.is_err());
        for subscription in [&mut on_a, &mut on_b] {
            match next_event(subscription).await {
                LiveEvent::Heartbeat { heartbeat: got, project_id, .. } => {
                    assert_eq!((got, project_id), (beat.clone(), project.id));
                }
                other => panic!("expected the heartbeat, got {other:?}"),
            }
            match next_event(subscription).await {
                LiveEvent::Incident { incident: got, .. } => assert_eq!(got, crash),
                other => panic!("expected the incident, got {other:?}"),
            }
            nothing_more(subscription).await;
        }

        // Publishing directly is not a second delivery path on PostgreSQL.
        let event = LiveEvent::Logs {
            project_id: project.id,
            project: project.name.clone(),
            owner_id: project.owner_id,
            entries: Vec::new(),
        };
        bus_a.publish(std::sync::Arc::new(event));
        nothing_more(&mut on_a).await;
    })
    .await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn small_requests_merged_while_being_read_back_all_arrive_once_in_order() {
    on_postgres(|url| async move {
        let a = Storage::open(&url).await.unwrap();
        let b = Storage::open(&url).await.unwrap();
        let bus_b = b.live_bus(64).await.unwrap();
        let mut on_b = bus_b.subscribe();
        let repos = a.repos();
        let project = stored_project(&repos).await;
        // One-entry blocks, merged at once: instance B reads each request
        // back before or after the merge moved it, and must find exactly
        // its entries either way.
        let mut stored = Vec::new();
        for i in 0..8 {
            stored.push(repos.logs.append(vec![log(project.id, i, "small")]).await.unwrap()[0].id);
        }
        assert!(a.merge_logs().await.unwrap() > 0, "the small blocks were merged");
        for id in stored {
            assert_eq!(ids(&next_event(&mut on_b).await), vec![id]);
        }
        nothing_more(&mut on_b).await;
    })
    .await;
}

#[tokio::test]
async fn on_sqlite_the_bus_is_the_in_process_one_the_domain_publishes_to() {
    let (_dir, url) = sqlite_url();
    let storage = Storage::open(&url).await.unwrap();
    let bus = storage.live_bus(8).await.unwrap();
    let mut subscription = bus.subscribe();
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    repos.logs.append(vec![log(project.id, 0, "stored, not announced")]).await.unwrap();
    assert_eq!(subscription.try_next(), None, "SQLite storage announces nothing by itself");
    let event = LiveEvent::Logs {
        project_id: project.id,
        project: project.name.clone(),
        owner_id: project.owner_id,
        entries: Vec::new(),
    };
    bus.publish(std::sync::Arc::new(event.clone()));
    assert_eq!(subscription.try_next().and_then(LiveItem::into_event).as_deref(), Some(&event));
}
