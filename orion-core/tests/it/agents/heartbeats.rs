//! Heartbeats: which server they are stored for, validation, live events,
//! the online state, and the owner's listing.

use chrono::{Duration, TimeZone, Utc};
use orion_core::ServiceError;
use orion_core::model::Window;
use orion_core::model::{Heartbeat, Metrics, ScriptState, ScriptStatus, Usage};
use orion_core::port::Clock;
use orion_core::port::live::{LiveEvent, LiveItem};
use orion_core::service::{HeartbeatInput, ScriptInput};
use orion_testkit::builders::{heartbeat_input, metrics, register_agent};

use super::{api_token, fixture, invalid_fields, overview};
use crate::setup;

/// A script as reported.
fn script(name: &str) -> ScriptInput {
    running(name).into()
}

/// A script as stored.
fn running(name: &str) -> ScriptStatus {
    ScriptStatus {
        name: name.into(),
        state: ScriptState::Running,
        pid: Some(42),
        restarts: Some(1),
        last_exit_code: None,
        uptime_seconds: Some(60.0),
    }
}

async fn stored(orion: &orion_core::Orion, owner: &orion_core::service::Principal) -> Vec<Heartbeat> {
    orion.agents().heartbeats(owner, "web", "web-1", Window::latest(100).unwrap()).await.expect("heartbeats")
}

#[tokio::test]
async fn a_heartbeat_is_stored_for_the_tokens_server_whatever_the_body_says() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    register_agent(&orion, &f.owner.principal, "web", "web-2").await;
    let input = HeartbeatInput {
        server_id: Some("web-2".into()),
        scripts: vec![script("api"), script("worker")],
        ..heartbeat_input()
    };
    orion.agents().heartbeat(&f.agent, input).await.unwrap();

    let expected = Heartbeat {
        project_id: f.project.id,
        server_id: orion_core::model::ServerId::parse("web-1").unwrap(),
        timestamp: clock.now(),
        received_at: clock.now(),
        metrics: metrics(),
        scripts: vec![running("api"), running("worker")],
    };
    assert_eq!(stored(&orion, &f.owner.principal).await, [expected]);
    let other =
        orion.agents().heartbeats(&f.owner.principal, "web", "web-2", Window::latest(10).unwrap()).await;
    assert!(other.unwrap().is_empty(), "the body's serverId does not override the token's server");
}

#[tokio::test]
async fn the_agents_timestamp_is_kept_to_the_millisecond_and_received_at_is_the_clocks() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let input =
        HeartbeatInput { timestamp: Some("2024-05-01T10:00:00.123456+02:00".into()), ..heartbeat_input() };
    orion.agents().heartbeat(&f.agent, input).await.unwrap();
    let beat = stored(&orion, &f.owner.principal).await.remove(0);
    let expected = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap() + Duration::milliseconds(123);
    assert_eq!((beat.timestamp, beat.received_at), (expected, clock.now()));
    let seen = overview(&orion, &f.owner.principal, "web", "web-1").await;
    assert_eq!(seen.server.last_seen_at, Some(clock.now()), "last seen when received, not when taken");
}

#[tokio::test]
async fn a_token_not_bound_to_a_server_must_name_one_that_exists() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let token = api_token(&orion, &f.owner.principal, "web", &["heartbeat:write"]).await;

    assert_eq!(invalid_fields(orion.agents().heartbeat(&token, heartbeat_input()).await), ["serverId"]);
    let bad = HeartbeatInput { server_id: Some("not a server id".into()), ..heartbeat_input() };
    assert_eq!(invalid_fields(orion.agents().heartbeat(&token, bad).await), ["serverId"]);
    let ghost = HeartbeatInput { server_id: Some("ghost".into()), ..heartbeat_input() };
    let result = orion.agents().heartbeat(&token, ghost).await;
    assert!(matches!(result, Err(ServiceError::NotFound("server"))), "{result:?}");
    assert!(stored(&orion, &f.owner.principal).await.is_empty());

    let named = HeartbeatInput { server_id: Some("web-1".into()), ..heartbeat_input() };
    orion.agents().heartbeat(&token, named).await.expect("an existing server");
    assert_eq!(stored(&orion, &f.owner.principal).await.len(), 1);
}

#[tokio::test]
async fn bad_metrics_are_refused_listing_every_field_and_nothing_is_stored_or_published() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let mut events = orion.logs().subscribe();
    let bad = Metrics {
        uptime_seconds: Some(-1.0),
        cpu_percent: Some(-1.0),
        cpu_cores: Some(0),
        ram: Usage { used: Some(-17.0), total: Some(16.0), percent: Some(101.0) },
        disk: Usage { used: Some(-2.0), total: Some(1.0), percent: None },
        net_rx_bytes_per_sec: Some(f64::NAN),
        net_tx_bytes_per_sec: Some(f64::INFINITY),
        load_average: Some([0.1, -0.1, 0.1]),
    };
    let input = HeartbeatInput { metrics: bad, ..heartbeat_input() };
    let fields = invalid_fields(orion.agents().heartbeat(&f.agent, input).await);
    let expected = [
        "cpu.cores",
        "cpu.percent",
        "disk.usedGb",
        "loadAverage",
        "network.rxBytesPerSec",
        "network.txBytesPerSec",
        "ram.percent",
        "ram.usedMb",
        "uptime",
    ];
    assert_eq!(fields, expected);

    // One bad figure at a time: each is named by its path in the body.
    let cases: [(&str, Metrics); 10] = [
        ("cpu.percent", Metrics { cpu_percent: Some(100.5), ..metrics() }),
        ("cpu.percent", Metrics { cpu_percent: Some(f64::NAN), ..metrics() }),
        ("ram.percent", Metrics { ram: Usage { percent: Some(-0.5), ..metrics().ram }, ..metrics() }),
        ("ram.totalMb", Metrics { ram: Usage { total: Some(-1.0), used: None, percent: None }, ..metrics() }),
        (
            "ram.usedMb",
            Metrics { ram: Usage { used: Some(-2.0), total: Some(1.0), percent: None }, ..metrics() },
        ),
        ("disk.percent", Metrics { disk: Usage { percent: Some(250.0), ..metrics().disk }, ..metrics() }),
        (
            "disk.totalGb",
            Metrics { disk: Usage { total: Some(f64::INFINITY), ..Usage::default() }, ..metrics() },
        ),
        ("network.txBytesPerSec", Metrics { net_tx_bytes_per_sec: Some(-3.0), ..metrics() }),
        ("loadAverage", Metrics { load_average: Some([f64::NAN, 0.0, 0.0]), ..metrics() }),
        ("uptime", Metrics { uptime_seconds: Some(f64::NEG_INFINITY), ..metrics() }),
    ];
    for (field, bad) in cases {
        let input = HeartbeatInput { metrics: bad, ..heartbeat_input() };
        assert_eq!(invalid_fields(orion.agents().heartbeat(&f.agent, input).await), [field]);
    }
    let late = HeartbeatInput { timestamp: Some("yesterday".into()), ..heartbeat_input() };
    assert_eq!(invalid_fields(orion.agents().heartbeat(&f.agent, late).await), ["timestamp"]);
    let crowded = HeartbeatInput { scripts: vec![script("s"); 101], ..heartbeat_input() };
    assert_eq!(invalid_fields(orion.agents().heartbeat(&f.agent, crowded).await), ["scripts"]);
    let restless = HeartbeatInput {
        scripts: vec![script("ok"), ScriptInput { uptime_seconds: Some(-1.0), ..script("s") }],
        ..heartbeat_input()
    };
    assert_eq!(invalid_fields(orion.agents().heartbeat(&f.agent, restless).await), ["scripts[1].uptime"]);
    // An unknown state is named by index, beside the other problems.
    let zombie = HeartbeatInput {
        timestamp: Some("yesterday".into()),
        scripts: vec![script("ok"), ScriptInput { status: "zombie".into(), ..script("z") }],
        ..heartbeat_input()
    };
    assert_eq!(
        invalid_fields(orion.agents().heartbeat(&f.agent, zombie).await),
        ["scripts[1].status", "timestamp"]
    );

    assert!(stored(&orion, &f.owner.principal).await.is_empty());
    let seen = overview(&orion, &f.owner.principal, "web", "web-1").await;
    assert_eq!(seen.server.last_seen_at, None, "a refused heartbeat does not count as a sign of life");
    assert_eq!(events.try_next(), None);
}

#[tokio::test]
async fn boundary_metrics_and_an_empty_ping_are_accepted() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let edge = Metrics {
        cpu_percent: Some(100.0),
        ram: Usage { used: Some(16.0), total: Some(16.0), percent: Some(100.0) },
        disk: Usage { used: Some(0.0), total: Some(0.0), percent: Some(0.0) },
        ..Metrics::default()
    };
    orion.agents().heartbeat(&f.agent, HeartbeatInput { metrics: edge, ..heartbeat_input() }).await.unwrap();
    // More used than installed is still a sign of life (units round differently).
    let over =
        Metrics { ram: Usage { used: Some(17.0), total: Some(16.0), percent: None }, ..Metrics::default() };
    orion.agents().heartbeat(&f.agent, HeartbeatInput { metrics: over, ..heartbeat_input() }).await.unwrap();
    let full = HeartbeatInput { scripts: vec![script("s"); 100], ..heartbeat_input() };
    orion.agents().heartbeat(&f.agent, full).await.unwrap();
    orion.agents().heartbeat(&f.agent, HeartbeatInput::default()).await.expect("`{}` is a liveness ping");
    let beats = stored(&orion, &f.owner.principal).await;
    assert_eq!(beats.len(), 4);
    assert!(beats.iter().any(|b| b.metrics == Metrics::default() && b.scripts.is_empty()));
}

#[test]
fn a_percent_is_derived_from_used_and_total_only_when_not_sent() {
    let sent = Usage { used: Some(1.0), total: Some(4.0), percent: Some(30.0) };
    assert_eq!(sent.effective_percent(), Some(30.0), "the agent's own percent wins");
    assert_eq!(Usage { percent: None, ..sent }.effective_percent(), Some(25.0));
    let over = Usage { used: Some(5.0), total: Some(4.0), percent: None };
    assert_eq!(over.effective_percent(), Some(100.0), "capped");
    assert_eq!(Usage { used: Some(1.0), total: Some(0.0), percent: None }.effective_percent(), None);
    assert_eq!(Usage { used: Some(1.0), ..Usage::default() }.effective_percent(), None);
    assert_eq!(Usage::default().effective_percent(), None);
}

#[tokio::test]
async fn a_heartbeat_needs_the_heartbeat_write_permission() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let token = api_token(&orion, &f.owner.principal, "web", &["logs:write", "agent:register"]).await;
    let named = HeartbeatInput { server_id: Some("web-1".into()), ..heartbeat_input() };
    for principal in [&token, &f.owner.principal] {
        let result = orion.agents().heartbeat(principal, named.clone()).await;
        assert!(matches!(result, Err(ServiceError::MissingPermission("heartbeat:write"))), "{result:?}");
    }
    assert!(stored(&orion, &f.owner.principal).await.is_empty());
}

#[tokio::test]
async fn a_stored_heartbeat_is_published_with_its_project_and_owner() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let mut events = orion.logs().subscribe();
    orion.agents().heartbeat(&f.agent, heartbeat_input()).await.unwrap();

    let event =
        events.try_next().and_then(LiveItem::into_event).expect("published by the time heartbeat returns");
    let LiveEvent::Heartbeat { project_id, project, owner_id, heartbeat } = event.as_ref() else {
        panic!("expected a heartbeat event, got {event:?}");
    };
    assert_eq!((*project_id, project.as_str(), *owner_id), (f.project.id, "web", f.owner.user.id));
    assert_eq!(stored(&orion, &f.owner.principal).await, std::slice::from_ref(heartbeat), "the stored row");
    assert_eq!(events.try_next(), None);
}

#[tokio::test]
async fn a_server_is_online_for_three_minutes_after_its_last_heartbeat() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let online = || async { overview(&orion, &f.owner.principal, "web", "web-1").await.online };
    assert!(!online().await, "never heard from");

    orion.agents().heartbeat(&f.agent, heartbeat_input()).await.unwrap();
    assert!(online().await);
    clock.advance(Duration::seconds(179));
    assert!(online().await, "2 min 59 s later");
    clock.advance(Duration::seconds(1));
    assert!(!online().await, "3 min later");
    clock.advance(Duration::hours(5));
    assert!(!online().await);
    orion.agents().heartbeat(&f.agent, heartbeat_input()).await.unwrap();
    assert!(online().await, "back");
}

#[tokio::test]
async fn the_latest_heartbeat_is_the_newest_by_the_agents_timestamp() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let at = |t: &str| HeartbeatInput { timestamp: Some(t.into()), ..heartbeat_input() };
    let newest = HeartbeatInput {
        metrics: Metrics { cpu_percent: Some(99.0), ..metrics() },
        ..at("2024-01-01T10:00:02Z")
    };
    orion.agents().heartbeat(&f.agent, newest).await.unwrap();
    clock.advance(Duration::seconds(1));
    orion.agents().heartbeat(&f.agent, at("2024-01-01T10:00:01Z")).await.unwrap();

    let seen = overview(&orion, &f.owner.principal, "web", "web-1").await;
    let latest = seen.latest.expect("a latest heartbeat");
    assert_eq!(
        latest.metrics.cpu_percent,
        Some(99.0),
        "a late arrival of an older heartbeat is not the latest"
    );
    assert_eq!(seen.server.last_seen_at, Some(clock.now()), "but it still proves the server alive");
}

#[tokio::test]
async fn the_owner_lists_heartbeats_newest_first_in_a_window_with_a_limit() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    for second in [3, 1, 4, 2] {
        let t = format!("2024-01-01T10:00:0{second}Z");
        orion
            .agents()
            .heartbeat(&f.agent, HeartbeatInput { timestamp: Some(t), ..heartbeat_input() })
            .await
            .unwrap();
    }
    let t = |second| Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, second).unwrap();
    let list = |from, to, limit| {
        orion.agents().heartbeats(&f.owner.principal, "web", "web-1", Window::new(from, to, limit).unwrap())
    };
    let stamps = |beats: Vec<Heartbeat>| beats.into_iter().map(|h| h.timestamp).collect::<Vec<_>>();

    assert_eq!(stamps(list(None, None, 10).await.unwrap()), [t(4), t(3), t(2), t(1)]);
    assert_eq!(stamps(list(Some(t(2)), Some(t(4)), 10).await.unwrap()), [t(3), t(2)], "from in, to out");
    assert_eq!(stamps(list(None, None, 2).await.unwrap()), [t(4), t(3)]);
    for limit in [0, 1_001] {
        assert!(Window::latest(limit).is_err(), "no window holds limit {limit}");
    }
    assert_eq!(list(None, None, 1_000).await.unwrap().len(), 4);
}

#[tokio::test]
async fn listing_an_unknown_server_or_another_users_is_not_found() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let result =
        orion.agents().heartbeats(&f.owner.principal, "web", "ghost", Window::latest(10).unwrap()).await;
    assert!(matches!(result, Err(ServiceError::NotFound("server"))), "{result:?}");
    let result =
        orion.agents().heartbeats(&f.owner.principal, "web", "not an id", Window::latest(10).unwrap()).await;
    assert!(matches!(result, Err(ServiceError::NotFound("server"))), "{result:?}");
    let bob = orion_testkit::builders::register_user(&orion, "bob").await;
    let result = orion.agents().heartbeats(&bob.principal, "web", "web-1", Window::latest(10).unwrap()).await;
    assert!(matches!(result, Err(ServiceError::NotFound("project"))), "{result:?}");
    let result = orion.agents().servers(&bob.principal, "web").await;
    assert!(matches!(result, Err(ServiceError::NotFound("project"))), "{result:?}");
    let result = orion.agents().servers(&f.agent, "web").await;
    assert!(matches!(result, Err(ServiceError::UserTokenRequired)), "owner views need a session: {result:?}");
}

#[tokio::test]
async fn script_names_must_be_short_printable_text() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let bad = [
        ScriptInput { name: String::new(), ..script("a") },
        ScriptInput { name: "n".repeat(129), ..script("b") },
        ScriptInput { name: "run\u{7}".into(), ..script("d") },
    ];
    for status in bad {
        let input = HeartbeatInput { scripts: vec![script("fine"), status.clone()], ..heartbeat_input() };
        let fields = invalid_fields(orion.agents().heartbeat(&f.agent, input).await);
        assert_eq!(fields, ["scripts[1].name"], "{status:?}");
    }
    assert!(stored(&orion, &f.owner.principal).await.is_empty());
    let longest = ScriptInput { name: "n".repeat(128), ..script("x") };
    let input = HeartbeatInput { scripts: vec![longest], ..heartbeat_input() };
    orion.agents().heartbeat(&f.agent, input).await.expect("the limits themselves are fine");
}
