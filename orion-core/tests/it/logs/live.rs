//! Live events: published after the append, never for a refused batch;
//! and who may subscribe to what.

use orion_core::ServiceError;
use orion_core::model::log::LogQuery;
use orion_core::port::live::{LiveEvent, LiveItem};
use orion_core::service::{LiveScope, LogInput};
use orion_testkit::builders::{create_api_token, create_project, log_input, register_user, token_principal};

use super::{fixture, inputs};
use crate::setup;

#[tokio::test]
async fn stored_entries_are_published_with_their_project_and_owner() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let mut events = orion.logs().subscribe();
    orion.logs().ingest(&f.token, inputs(2)).await.unwrap();

    let stored =
        orion.logs().search(&f.owner.principal, "web", &LogQuery { limit: 10, ..LogQuery::default() }).await;
    let mut stored = stored.unwrap().logs;
    stored.reverse(); // published in input order, oldest id first
    let event = events
        .try_next()
        .and_then(LiveItem::into_event)
        .expect("one event per stored batch, already there when ingest returns");
    let LiveEvent::Logs { project_id, project, owner_id, entries } = event.as_ref() else {
        panic!("expected a logs event, got {event:?}");
    };
    assert_eq!((*project_id, project.as_str(), *owner_id), (f.project.id, "web", f.owner.user.id));
    assert_eq!(entries, &stored, "the event carries the stored entries, ids included");
    assert_eq!(events.try_next(), None);
}

#[tokio::test]
async fn nothing_is_published_when_validation_fails() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let mut events = orion.logs().subscribe();
    let batch = vec![log_input("fine"), LogInput { level: Some("bogus".into()), ..log_input("bad") }];
    assert!(orion.logs().ingest(&f.token, batch).await.is_err());
    assert_eq!(events.try_next(), None);
}

#[tokio::test]
async fn a_user_without_a_project_sees_all_their_projects_and_no_one_elses() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let scope = orion.logs().live_scope(&f.owner.principal, None).await.unwrap();
    assert_eq!(scope, LiveScope::Owner(f.owner.user.id));

    let bob = register_user(&orion, "bob").await;
    create_project(&orion, &bob.principal, "bobs").await;
    let bobs_token = create_api_token(&orion, &bob.principal, "bobs", &["logs:write"]).await;
    let bobs_token = token_principal(&orion, &bobs_token).await;

    let mut events = orion.logs().subscribe();
    orion.logs().ingest(&f.token, inputs(1)).await.unwrap();
    orion.logs().ingest(&bobs_token, inputs(1)).await.unwrap();
    let (mine, bobs) = (
        events.try_next().and_then(LiveItem::into_event).unwrap(),
        events.try_next().and_then(LiveItem::into_event).unwrap(),
    );
    assert!(scope.allows(&mine));
    assert!(!scope.allows(&bobs), "bob's logs never reach ada");
}

#[tokio::test]
async fn a_user_naming_a_project_gets_exactly_it_and_another_users_project_is_not_found() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let other = create_project(&orion, &f.owner.principal, "other").await;
    let scope = orion.logs().live_scope(&f.owner.principal, Some("web")).await.unwrap();
    assert_eq!(scope, LiveScope::Project(f.project.id));
    assert_ne!(scope, LiveScope::Project(other.id));

    let bob = register_user(&orion, "bob").await;
    let err = orion.logs().live_scope(&bob.principal, Some("web")).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
}

#[tokio::test]
async fn a_token_needs_logs_read_and_is_scoped_to_its_own_project() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    for project in [None, Some("web")] {
        let err = orion.logs().live_scope(&f.token, project).await;
        assert!(matches!(err, Err(ServiceError::MissingPermission("logs:read"))), "{project:?}: {err:?}");
    }

    let reader = create_api_token(&orion, &f.owner.principal, "web", &["logs:read"]).await;
    let reader = token_principal(&orion, &reader).await;
    for project in [None, Some("web")] {
        let scope = orion.logs().live_scope(&reader, project).await.unwrap();
        assert_eq!(scope, LiveScope::Project(f.project.id));
    }
    create_project(&orion, &f.owner.principal, "other").await;
    let err = orion.logs().live_scope(&reader, Some("other")).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
}
