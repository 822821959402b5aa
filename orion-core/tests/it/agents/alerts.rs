//! Alerts: stored as incidents of the token's server, published, validated,
//! and listed for the owner.

use chrono::{Duration, TimeZone, Utc};
use orion_core::model::Window;
use orion_core::model::{Incident, IncidentChange};
use orion_core::port::Clock;
use orion_core::port::live::{LiveEvent, LiveItem};
use orion_core::service::AlertInput;
use orion_core::{Orion, ServiceError};
use orion_testkit::builders::register_user;

use super::{api_token, fixture, invalid_fields};
use crate::setup;

fn crash() -> AlertInput {
    AlertInput {
        event: "script_crash".into(),
        message: "api exited with code 1".into(),
        script_name: Some("api".into()),
        timestamp: None,
        context: None,
    }
}

async fn incidents(orion: &Orion, owner: &orion_core::service::Principal) -> Vec<Incident> {
    orion.agents().incidents(owner, "web", None, Window::latest(100).unwrap()).await.expect("incidents")
}

#[tokio::test]
async fn an_alert_is_stored_as_an_incident_of_the_tokens_server_and_published() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let mut events = orion.logs().subscribe();
    let incident = orion.agents().alert(&f.agent, crash()).await.unwrap();

    assert_eq!(incident.project_id, f.project.id);
    assert_eq!(incident.server_id.as_ref().map(|s| s.as_str()), Some("web-1"));
    assert_eq!((incident.event.as_str(), incident.script_name.as_deref()), ("script_crash", Some("api")));
    assert_eq!((incident.timestamp, incident.received_at), (clock.now(), clock.now()));
    assert_eq!(incidents(&orion, &f.owner.principal).await, std::slice::from_ref(&incident));

    let event =
        events.try_next().and_then(LiveItem::into_event).expect("published by the time alert returns");
    let LiveEvent::Incident { project_id, project, owner_id, incident: published, change } = event.as_ref()
    else {
        panic!("expected an incident event, got {event:?}");
    };
    assert_eq!(*change, IncidentChange::Opened);
    assert_eq!((*project_id, project.as_str(), *owner_id), (f.project.id, "web", f.owner.user.id));
    assert_eq!(published, &incident);
    assert_eq!(events.try_next(), None);
}

#[tokio::test]
async fn an_alert_from_a_token_without_a_server_has_none_and_a_blank_script_name_is_none() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let token = api_token(&orion, &f.owner.principal, "web", &["logs:write"]).await;
    let input = AlertInput {
        script_name: Some("  ".into()),
        timestamp: Some("2024-02-03T04:05:06.789Z".into()),
        ..crash()
    };
    let incident = orion.agents().alert(&token, input).await.unwrap();
    assert_eq!((incident.server_id, incident.script_name), (None, None));
    let expected = Utc.with_ymd_and_hms(2024, 2, 3, 4, 5, 6).unwrap() + Duration::milliseconds(789);
    assert_eq!(incident.timestamp, expected);
}

#[tokio::test]
async fn invalid_alerts_list_every_field_and_store_and_publish_nothing() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let mut events = orion.logs().subscribe();
    let all_wrong = AlertInput {
        event: "Script Crash".into(),
        message: " \n ".into(),
        script_name: Some("x".repeat(129)),
        timestamp: Some("soon".into()),
        context: None,
    };
    let fields = invalid_fields(orion.agents().alert(&f.agent, all_wrong).await);
    assert_eq!(fields, ["event", "message", "scriptName", "timestamp"]);

    let cases = [
        ("event", AlertInput { event: String::new(), ..crash() }),
        ("event", AlertInput { event: "e".repeat(65), ..crash() }),
        ("event", AlertInput { event: "crash!".into(), ..crash() }),
        ("message", AlertInput { message: "m".repeat(64 * 1024 + 1), ..crash() }),
    ];
    for (field, input) in cases {
        assert_eq!(invalid_fields(orion.agents().alert(&f.agent, input).await), [field]);
    }
    let longest = AlertInput { event: "e".repeat(64), message: "m".repeat(64 * 1024), ..crash() };
    orion.agents().alert(&f.agent, longest).await.expect("the limits themselves are fine");

    assert_eq!(incidents(&orion, &f.owner.principal).await.len(), 1, "only the valid one");
    let only = events.try_next().and_then(LiveItem::into_event).expect("the valid alert's event");
    assert!(matches!(only.as_ref(), LiveEvent::Incident { .. }));
    assert_eq!(events.try_next(), None);
}

#[tokio::test]
async fn an_alert_needs_the_logs_write_permission() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let token = api_token(&orion, &f.owner.principal, "web", &["heartbeat:write", "agent:register"]).await;
    for principal in [&token, &f.owner.principal] {
        let result = orion.agents().alert(principal, crash()).await;
        assert!(matches!(result, Err(ServiceError::MissingPermission("logs:write"))), "{result:?}");
    }
    assert!(incidents(&orion, &f.owner.principal).await.is_empty());
}

#[tokio::test]
async fn the_owner_lists_incidents_newest_first_in_a_window_with_a_limit() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    for second in [2, 4, 1, 3] {
        // A script each: crashes of one script would group into one incident.
        let input = AlertInput {
            timestamp: Some(format!("2024-01-01T10:00:0{second}Z")),
            script_name: Some(format!("job-{second}")),
            ..crash()
        };
        orion.agents().alert(&f.agent, input).await.unwrap();
    }
    let t = |second| Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, second).unwrap();
    let list = |from, to, limit| {
        orion.agents().incidents(&f.owner.principal, "web", None, Window::new(from, to, limit).unwrap())
    };
    let stamps = |all: Vec<Incident>| all.into_iter().map(|i| i.timestamp).collect::<Vec<_>>();

    assert_eq!(stamps(list(None, None, 10).await.unwrap()), [t(4), t(3), t(2), t(1)]);
    assert_eq!(stamps(list(Some(t(2)), Some(t(4)), 10).await.unwrap()), [t(3), t(2)]);
    assert_eq!(stamps(list(None, Some(t(3)), 1).await.unwrap()), [t(2)]);
    for limit in [0, 1_001] {
        assert!(Window::latest(limit).is_err(), "no window holds limit {limit}");
    }

    let bob = register_user(&orion, "bob").await;
    let result = orion.agents().incidents(&bob.principal, "web", None, Window::latest(10).unwrap()).await;
    assert!(matches!(result, Err(ServiceError::NotFound("project"))), "{result:?}");
}
