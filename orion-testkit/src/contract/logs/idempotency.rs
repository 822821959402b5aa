//! `append_idempotent`: a key stores its batch once per project within the
//! window, whatever the timing of the calls.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::Repos;
use orion_core::model::ProjectId;
use orion_core::model::log::{IdempotencyKey, Level, LogFilter, NewLogEntry};
use orion_core::repo::AppendOutcome;

use super::super::stored_project;
use super::{at, entry};

/// When keys are recorded: before 1990, like retention's entries, so the
/// global purge below never touches another check's keys.
fn recorded(offset_hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1985, 6, 1, 0, 0, 0).single().expect("valid instant") + Duration::hours(offset_hours)
}

fn batch(project: ProjectId, n: i64, message: &str) -> Vec<NewLogEntry> {
    (0..n).map(|i| entry(project, i, Level::Info, message)).collect()
}

fn key(raw: &str) -> IdempotencyKey {
    IdempotencyKey::parse(raw).expect("valid key")
}

async fn stored_count(repos: &Repos, project: ProjectId) -> usize {
    let found = repos.logs.page_after(project, &LogFilter::default(), None, 1_000).await.expect("page");
    found.len()
}

/// A second call with the key stores nothing and answers what the first stored.
pub async fn the_same_key_twice_stores_once_and_answers_the_first_count(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let first = repos
        .logs
        .append_idempotent(batch(project, 3, "first"), project, &key("batch-1"), at(0))
        .await
        .expect("append");
    let AppendOutcome::Stored(stored) = first else { panic!("a new key must store: {first:?}") };
    assert_eq!(stored.len(), 3);
    assert!(stored.windows(2).all(|w| w[0].id < w[1].id), "ids must increase in input order");

    let again = repos
        .logs
        .append_idempotent(batch(project, 5, "again"), project, &key("batch-1"), at(1_000))
        .await
        .expect("append");
    assert_eq!(again, AppendOutcome::Duplicate { accepted: 3 });
    assert_eq!(stored_count(repos, project).await, 3, "a duplicate stores nothing");

    let other = repos
        .logs
        .append_idempotent(batch(project, 2, "other"), project, &key("batch-2"), at(2_000))
        .await
        .expect("append");
    assert!(matches!(other, AppendOutcome::Stored(ref s) if s.len() == 2), "{other:?}");
    assert_eq!(stored_count(repos, project).await, 5);
}

/// Keys are scoped to their project.
pub async fn another_project_may_reuse_a_key(repos: &Repos) {
    let (mine, theirs) = (stored_project(repos).await.id, stored_project(repos).await.id);
    for project in [mine, theirs] {
        let outcome = repos
            .logs
            .append_idempotent(batch(project, 2, "shared key"), project, &key("same:key"), at(0))
            .await
            .expect("append");
        assert!(matches!(outcome, AppendOutcome::Stored(ref s) if s.len() == 2), "{outcome:?}");
        assert_eq!(stored_count(repos, project).await, 2);
    }
}

/// Of concurrent calls with one key (which a group-commit writer may put
/// in one shared transaction), exactly one stores; the others are answered
/// `Duplicate` with its count, and a keyless neighbour is stored regardless.
pub async fn concurrent_calls_with_one_key_store_exactly_once(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let k = key("concurrent");
    let call = || repos.logs.append_idempotent(batch(project, 4, "racing"), project, &k, at(0));
    let (a, b, c, d, plain) =
        tokio::join!(call(), call(), call(), call(), repos.logs.append(batch(project, 1, "neighbour")));
    let outcomes = [a, b, c, d].map(|o| o.expect("append"));
    let stored = outcomes.iter().filter(|o| matches!(o, AppendOutcome::Stored(s) if s.len() == 4)).count();
    let duplicates = outcomes.iter().filter(|o| **o == AppendOutcome::Duplicate { accepted: 4 }).count();
    assert_eq!((stored, duplicates), (1, 3), "{outcomes:?}");
    assert_eq!(plain.expect("keyless append").len(), 1);
    assert_eq!(stored_count(repos, project).await, 5);
}

/// A key older than the window no longer guards; the purge forgets it.
pub async fn an_expired_key_is_new_again_and_purged(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let k = key("expiring");
    let append = |hours| repos.logs.append_idempotent(batch(project, 1, "x"), project, &k, recorded(hours));
    assert!(matches!(append(0).await.expect("append"), AppendOutcome::Stored(_)));
    assert_eq!(append(23).await.expect("append"), AppendOutcome::Duplicate { accepted: 1 });
    assert!(matches!(append(25).await.expect("append"), AppendOutcome::Stored(_)), "expired after 24 h");
    assert_eq!(stored_count(repos, project).await, 2);

    assert!(repos.logs.delete_keys_older_than(recorded(26)).await.expect("purge") >= 1);
    assert!(
        matches!(append(27).await.expect("append"), AppendOutcome::Stored(_)),
        "a purged key is new again"
    );
}
