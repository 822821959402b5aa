//! The shared test doubles do what their docs promise: `FaultyLogs` passes
//! everything through until a fault is armed, then fails exactly there;
//! `RecordingNotifier` records every delivery and fails only where told.

use std::sync::Arc;

use chrono::Utc;
use orion_core::RepositoryError;
use orion_core::model::ProjectId;
use orion_core::model::alert::Channel;
use orion_core::model::log::{LogCursor, LogFilter, NewLogEntry};
use orion_core::port::{DeliveryError, Notification, NotificationKind, Notifier};
use orion_core::repo::LogRepository;
use orion_testkit::{FaultyLogs, InMemoryRepos, RecordingNotifier};

use crate::{new_entry, new_project};

/// A backend with one project, and that project's id.
async fn one_project() -> (orion_core::Repos, ProjectId) {
    let repos = InMemoryRepos::new();
    let project = new_project();
    repos.projects.insert(&project).await.unwrap();
    (repos, project.id)
}

fn entries(project: ProjectId, n: usize) -> Vec<NewLogEntry> {
    (0..n).map(|i| new_entry(project, &format!("m{i}"))).collect()
}

#[tokio::test]
async fn faulty_logs_overloaded_refuses_writes_and_still_reads() {
    let (repos, project) = one_project().await;
    let logs = FaultyLogs::new(repos.logs.clone());
    logs.append(entries(project, 2)).await.expect("no fault armed yet");

    logs.overload(true);
    assert!(matches!(logs.append(entries(project, 1)).await, Err(RepositoryError::Overloaded)));
    let read = logs.page_after(project, &LogFilter::default(), None, 10).await.expect("reads still work");
    assert_eq!(read.len(), 2, "the refused write stored nothing");

    logs.overload(false);
    logs.append(entries(project, 1)).await.expect("writes work again");
}

#[tokio::test]
async fn faulty_logs_serves_n_pages_then_fails_every_later_one() {
    let (repos, project) = one_project().await;
    let logs = FaultyLogs::new(repos.logs.clone());
    logs.append(entries(project, 5)).await.unwrap();
    logs.fail_pages_after(2);

    let filter = LogFilter::default();
    let first = logs.page_after(project, &filter, None, 2).await.expect("page 1 of 2 allowed");
    let cursor = first.last().map(|e| LogCursor { timestamp: e.entry.timestamp, id: e.id });
    logs.page_after(project, &filter, cursor, 2).await.expect("page 2 of 2 allowed");
    for _ in 0..2 {
        let failed = logs.page_after(project, &filter, cursor, 2).await;
        assert!(matches!(failed, Err(RepositoryError::Unavailable(_))), "{failed:?}");
    }
    // A clone shares the faults.
    assert!(logs.clone().page_after(project, &filter, None, 2).await.is_err());
}

fn notification() -> Notification {
    Notification {
        kind: NotificationKind::Test,
        project: "p".into(),
        rule: "r".into(),
        condition: "error_count >= 1".into(),
        value: None,
        window_minutes: 5,
        at: Utc::now(),
        crash: None,
    }
}

#[tokio::test]
async fn recording_notifier_records_every_delivery_and_fails_only_where_told() {
    let notifier = Arc::new(RecordingNotifier::new());
    let ok = Channel::parse("webhook:https://hooks.example.com/ok").unwrap();
    let broken = Channel::parse("webhook:https://hooks.example.com/broken").unwrap();
    let error = DeliveryError::NotConfigured("told to fail");
    notifier.fail_for(broken.clone(), error.clone());

    assert_eq!(notifier.send(&ok, &notification()).await, Ok(()));
    assert_eq!(notifier.send(&broken, &notification()).await, Err(error));
    let channels = |sent: Vec<(Channel, Notification)>| sent.into_iter().map(|(c, _)| c).collect::<Vec<_>>();
    assert_eq!(channels(notifier.sent()), [ok.clone(), broken.clone()], "failures are recorded too");
    assert_eq!(channels(notifier.take()), [ok, broken]);
    assert!(notifier.take().is_empty(), "take forgets what it returned");
}
