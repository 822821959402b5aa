//! Incidents with a lifecycle: crash context validated and kept, reports of
//! one server, script and event grouped while open, resolution after five
//! minutes of `running` heartbeats (on the fake clock) or by hand, and the
//! live `incident` events saying what changed.

use chrono::Duration;
use orion_core::Orion;
use orion_core::ServiceError;
use orion_core::model::Window;
use orion_core::model::{
    IncidentChange, IncidentStatus, Metrics, OutputStream, ScriptState, ScriptStatus, Usage,
};
use orion_core::port::Clock;
use orion_core::port::live::{LiveEvent, LiveItem, LiveSubscription};
use orion_core::service::{AlertInput, ContextInput, ContextLineInput, ContextMetricsInput, HeartbeatInput};
use orion_testkit::builders::register_user;

use super::{fixture, invalid_fields};
use crate::setup;

fn line(i: usize, stream: &str) -> ContextLineInput {
    ContextLineInput {
        timestamp: format!("2024-03-01T11:59:{:02}.500Z", i % 60),
        stream: stream.into(),
        line: Some(format!("line {i}")),
    }
}

fn context(lines: usize) -> ContextInput {
    ContextInput {
        lines: (0..lines).map(|i| line(i, if i % 2 == 0 { "stdout" } else { "stderr" })).collect(),
        metrics: Some(ContextMetricsInput {
            timestamp: Some("2024-03-01T11:59:59Z".into()),
            metrics: Metrics {
                cpu_percent: Some(97.5),
                ram: Usage { used: Some(3900.0), total: Some(4096.0), percent: None },
                ..Metrics::default()
            },
        }),
        exit_code: Some(2),
        signal: None,
        restarts: Some(4),
    }
}

fn crash(script: &str, context: Option<ContextInput>) -> AlertInput {
    AlertInput {
        event: "script_crash".into(),
        message: format!("script `{script}` exited with exit code 2"),
        script_name: Some(script.into()),
        timestamp: None,
        context,
    }
}

fn beat(script: &str, state: ScriptState) -> HeartbeatInput {
    HeartbeatInput {
        scripts: vec![
            ScriptStatus {
                name: script.into(),
                state,
                pid: None,
                restarts: None,
                last_exit_code: None,
                uptime_seconds: None,
            }
            .into(),
        ],
        ..HeartbeatInput::default()
    }
}

/// The incident events waiting on `events`, as (change, count, status).
fn changes(events: &mut LiveSubscription) -> Vec<(IncidentChange, u64, IncidentStatus)> {
    let mut out = Vec::new();
    while let Some(item) = events.try_next() {
        if let Some(event) = LiveItem::into_event(item)
            && let LiveEvent::Incident { incident, change, .. } = event.as_ref()
        {
            out.push((*change, incident.count, incident.status));
        }
    }
    out
}

async fn all(orion: &Orion, owner: &orion_core::service::Principal) -> Vec<orion_core::model::Incident> {
    orion.agents().incidents(owner, "web", None, Window::latest(100).unwrap()).await.expect("incidents")
}

#[tokio::test]
async fn a_crash_context_is_kept_with_its_incident() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let stored = orion.agents().alert(&f.agent, crash("api", Some(context(50)))).await.unwrap();
    let context = stored.context.clone().expect("a context");
    assert_eq!(context.lines.len(), 50);
    assert_eq!((context.lines[1].stream, context.lines[1].line.as_str()), (OutputStream::Stderr, "line 1"));
    assert_eq!((context.exit_code, context.signal, context.restarts), (Some(2), None, Some(4)));
    let metrics = context.metrics.expect("figures");
    assert_eq!(metrics.metrics.cpu_percent, Some(97.5));
    assert_eq!(metrics.metrics.ram_percent().map(|p| p.round()), Some(95.0));
    let (_, found) =
        orion.agents().incident(&f.owner.principal, "web", &stored.id.to_string()).await.unwrap();
    assert_eq!(found, stored);
}

#[tokio::test]
async fn a_bad_context_names_its_field_and_stores_nothing() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let mut events = orion.logs().subscribe();
    let huge = ContextInput {
        lines: (0..2)
            .map(|_| ContextLineInput { line: Some("x".repeat(33 * 1024)), ..line(0, "stdout") })
            .collect(),
        ..context(0)
    };
    let cases: Vec<(ContextInput, Vec<&str>)> = vec![
        (context(201), vec!["context.lines"]),
        (huge, vec!["context.lines"]),
        (ContextInput { lines: vec![line(0, "stdin")], ..context(0) }, vec!["context.lines[0].stream"]),
        (
            ContextInput {
                lines: vec![line(0, "stdout"), ContextLineInput { timestamp: "noon".into(), ..line(1, "x") }],
                ..context(0)
            },
            vec!["context.lines[1].stream", "context.lines[1].timestamp"],
        ),
        (
            ContextInput {
                metrics: Some(ContextMetricsInput {
                    timestamp: Some("yesterday".into()),
                    metrics: Metrics { cpu_percent: Some(101.0), ..Metrics::default() },
                }),
                ..context(1)
            },
            vec!["context.metrics.cpu.percent", "context.metrics.timestamp"],
        ),
        (ContextInput { signal: Some(0), ..context(1) }, vec!["context.signal"]),
        (
            ContextInput { lines: vec![ContextLineInput { line: None, ..line(0, "stdout") }], ..context(0) },
            vec!["context.lines[0].line"],
        ),
        (ContextInput { signal: Some(65), ..context(1) }, vec!["context.signal"]),
    ];
    for (bad, fields) in cases {
        assert_eq!(invalid_fields(orion.agents().alert(&f.agent, crash("api", Some(bad))).await), fields);
    }
    assert!(all(&orion, &f.owner.principal).await.is_empty(), "nothing half-stored");
    assert!(changes(&mut events).is_empty(), "nothing published");

    // The limits themselves are fine: 200 lines, 64 KiB of text, signal 64.
    let limits = ContextInput {
        lines: (0..200)
            .map(|i| ContextLineInput { line: Some("y".repeat(327)), ..line(i, "stdout") })
            .collect(),
        signal: Some(64),
        ..context(0)
    };
    assert!(limits.lines.iter().map(|l| l.line.as_ref().unwrap().len()).sum::<usize>() <= 64 * 1024);
    orion.agents().alert(&f.agent, crash("api", Some(limits))).await.expect("at the limits");
}

#[tokio::test]
async fn three_quick_crashes_make_one_incident_with_the_newest_context() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let mut events = orion.logs().subscribe();
    let first_at = clock.now();
    let first = orion.agents().alert(&f.agent, crash("api", Some(context(3)))).await.unwrap();
    clock.advance(Duration::seconds(2));
    orion.agents().alert(&f.agent, crash("api", Some(context(5)))).await.unwrap();
    clock.advance(Duration::seconds(2));
    let third = orion.agents().alert(&f.agent, crash("api", Some(context(7)))).await.unwrap();
    // Another script of the same server is another incident.
    orion.agents().alert(&f.agent, crash("worker", None)).await.unwrap();

    assert_eq!(third.id, first.id);
    assert_eq!((third.count, third.status), (3, IncidentStatus::Open));
    assert_eq!((third.timestamp, third.last_at), (first_at, clock.now()));
    assert_eq!(third.context.as_ref().map(|c| c.lines.len()), Some(7));
    assert_eq!(all(&orion, &f.owner.principal).await.len(), 2);
    use IncidentChange::*;
    use IncidentStatus::Open;
    assert_eq!(
        changes(&mut events),
        [(Opened, 1, Open), (Repeated, 2, Open), (Repeated, 3, Open), (Opened, 1, Open)]
    );
}

#[tokio::test]
async fn five_minutes_of_running_heartbeats_resolve_the_incident() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let incident = orion.agents().alert(&f.agent, crash("api", None)).await.unwrap();
    let mut events = orion.logs().subscribe();
    let id = incident.id.to_string();
    let status = |orion: Orion| {
        let (owner, id) = (f.owner.principal.clone(), id.clone());
        async move { orion.agents().incident(&owner, "web", &id).await.unwrap().1 }
    };

    // Running, then a break (restarting), then running again: the run
    // starts over at the break.
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Running)).await.unwrap();
    clock.advance(Duration::minutes(4));
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Restarting)).await.unwrap();
    clock.advance(Duration::minutes(2));
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Running)).await.unwrap();
    let run_start = clock.now();
    // Another script's state says nothing about this one.
    clock.advance(Duration::minutes(3));
    orion.agents().heartbeat(&f.agent, beat("worker", ScriptState::Crashed)).await.unwrap();
    clock.advance(Duration::seconds(119));
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Running)).await.unwrap();
    let open = status(orion.clone()).await;
    assert_eq!((open.status, open.running_since), (IncidentStatus::Open, Some(run_start)));
    assert!(changes(&mut events).is_empty());

    clock.advance(Duration::seconds(1));
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Running)).await.unwrap();
    let resolved = status(orion.clone()).await;
    assert_eq!((resolved.status, resolved.resolved_at), (IncidentStatus::Resolved, Some(clock.now())));
    assert_eq!(changes(&mut events), [(IncidentChange::Resolved, 1, IncidentStatus::Resolved)]);

    // The next crash opens a new incident.
    let next = orion.agents().alert(&f.agent, crash("api", None)).await.unwrap();
    assert_ne!(next.id, incident.id);
    let open = orion.agents().incidents(
        &f.owner.principal,
        "web",
        Some(IncidentStatus::Open),
        Window::latest(10).unwrap(),
    );
    assert_eq!(open.await.unwrap(), [next]);
}

#[tokio::test]
async fn a_crash_during_the_run_starts_it_over() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let incident = orion.agents().alert(&f.agent, crash("api", None)).await.unwrap();
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Running)).await.unwrap();
    clock.advance(Duration::minutes(4));
    orion.agents().alert(&f.agent, crash("api", None)).await.unwrap();
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Running)).await.unwrap();
    clock.advance(Duration::minutes(2));
    orion.agents().heartbeat(&f.agent, beat("api", ScriptState::Running)).await.unwrap();
    let (_, still) =
        orion.agents().incident(&f.owner.principal, "web", &incident.id.to_string()).await.unwrap();
    assert_eq!((still.status, still.count), (IncidentStatus::Open, 2));
}

#[tokio::test]
async fn the_owner_resolves_an_incident_by_hand_once() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let incident = orion.agents().alert(&f.agent, crash("api", None)).await.unwrap();
    let id = incident.id.to_string();
    let mut events = orion.logs().subscribe();
    let resolved = orion.agents().resolve_incident(&f.owner.principal, "web", &id).await.unwrap();
    assert_eq!((resolved.status, resolved.resolved_at), (IncidentStatus::Resolved, Some(clock.now())));
    clock.advance(Duration::minutes(1));
    let again = orion.agents().resolve_incident(&f.owner.principal, "web", &id).await.unwrap();
    assert_eq!(again, resolved, "a second resolution changes nothing");
    assert_eq!(changes(&mut events), [(IncidentChange::Resolved, 1, IncidentStatus::Resolved)]);

    let bob = register_user(&orion, "bob").await;
    for (who, project, id) in [
        (&bob.principal, "web", id.as_str()),
        (&f.owner.principal, "web", "nope"),
        (&f.owner.principal, "web", "0"),
        (&f.owner.principal, "web", "999999"),
    ] {
        let result = orion.agents().resolve_incident(who, project, id).await;
        assert!(matches!(result, Err(ServiceError::NotFound(_))), "{result:?}");
        let result = orion.agents().incident(who, project, id).await;
        assert!(matches!(result, Err(ServiceError::NotFound(_))), "{result:?}");
    }
    let resolved_only = orion.agents().incidents(
        &f.owner.principal,
        "web",
        Some(IncidentStatus::Resolved),
        Window::latest(10).unwrap(),
    );
    assert_eq!(resolved_only.await.unwrap(), [resolved]);
}
