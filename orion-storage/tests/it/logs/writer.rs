//! The group-commit writer: concurrent appends share transactions, a bad
//! request fails alone, and a full queue answers `Overloaded` at once.

use std::time::Duration;

use orion_core::RepositoryError;
use orion_core::model::ProjectId;
use orion_core::model::log::{LogFilter, LogQuery};
use orion_storage::{IngestOptions, IngestStats, Storage};
use orion_testkit::wait;

use super::{hold_write_lock, sqlite_storage};
use crate::fixtures::{log, stored_project};

/// Waits until the writer has accepted `n` requests into its queue since
/// `before` was taken (`requests` counts them once queued, room reserved).
async fn queued(storage: &Storage, before: &IngestStats, n: u64) {
    wait::eventually(&format!("{n} requests queued"), Duration::from_secs(10), async || {
        (storage.ingest_stats().requests - before.requests >= n).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_all_succeed_and_share_transactions() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    let before = storage.ingest_stats();

    // While the writer waits for the lock, every request piles up in the
    // queue; once it is released they are written together.
    let lock = hold_write_lock(&raw).await;
    let tasks: Vec<_> = (0..40)
        .map(|task| {
            let logs = repos.logs.clone();
            let entries = (0..25).map(|i| log(project.id, i, &format!("task {task} entry {i}"))).collect();
            tokio::spawn(async move { (task, logs.append(entries).await) })
        })
        .collect();
    queued(&storage, &before, 40).await;
    lock.commit().await.unwrap();

    let mut ids = Vec::new();
    for handle in tasks {
        let (task, outcome) = handle.await.unwrap();
        let stored = outcome.expect("every append succeeds");
        let messages: Vec<_> = stored.iter().map(|e| e.entry.message.clone()).collect();
        let expected: Vec<_> = (0..25).map(|i| format!("task {task} entry {i}")).collect();
        assert_eq!(messages, expected, "each caller gets its own entries back, in order");
        assert!(stored.windows(2).all(|w| w[0].id < w[1].id));
        ids.extend(stored.iter().map(|e| e.id));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1_000, "ids are unique");

    let stats = storage.ingest_stats();
    assert_eq!(stats.requests - before.requests, 40);
    let commits = stats.commits - before.commits;
    assert!(commits <= 2, "40 queued requests should need at most 2 commits, took {commits}");
    let page =
        repos.logs.search(project.id, &LogQuery { filter: LogFilter::default(), limit: 1, offset: 0 }).await;
    assert_eq!(page.unwrap().total, 1_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_request_fails_alone_and_its_neighbours_commit() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    let before = storage.ingest_stats();

    let lock = hold_write_lock(&raw).await;
    // Four requests queue up in this order behind the lock. The writer
    // takes the first and waits for the lock (what else it takes then
    // depends on timing); the next batch can only form once that one has
    // its block numbers, inside its transaction, so by then every request
    // is queued and `bad` shares a batch whichever way they were cut.
    let append = |entries| {
        let logs = repos.logs.clone();
        tokio::spawn(async move { logs.append(entries).await })
    };
    let first = append(vec![log(project.id, 0, "first")]);
    queued(&storage, &before, 1).await;
    let good_before = append(vec![log(project.id, 1, "good before"), log(project.id, 2, "good before")]);
    queued(&storage, &before, 2).await;
    // The foreign key refuses an unknown project: this request's batch fails.
    let bad = append(vec![
        log(project.id, 3, "bad but valid"),
        log(ProjectId(orion_testkit::fresh_id()), 4, "orphan"),
    ]);
    queued(&storage, &before, 3).await;
    let good_after = append(vec![log(project.id, 5, "good after")]);
    queued(&storage, &before, 4).await;
    lock.commit().await.unwrap();

    assert_eq!(first.await.unwrap().unwrap().len(), 1);
    assert_eq!(good_before.await.unwrap().unwrap().len(), 2);
    assert!(matches!(bad.await.unwrap(), Err(RepositoryError::Unavailable(_))));
    assert_eq!(good_after.await.unwrap().unwrap().len(), 1);
    assert_eq!(storage.ingest_stats().split_batches, 1, "the shared batch failed and was split");

    let all = LogQuery { filter: LogFilter::default(), limit: 100, offset: 0 };
    let page = repos.logs.search(project.id, &all).await.unwrap();
    let mut messages: Vec<_> = page.logs.iter().map(|e| e.entry.message.as_str()).collect();
    messages.sort_unstable();
    assert_eq!(messages, ["first", "good after", "good before", "good before"], "nothing of the bad request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_overloaded_at_once_and_recovers() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions { queue_rows: 10, batch_rows: 100 }).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    let before = storage.ingest_stats();

    let lock = hold_write_lock(&raw).await;
    let logs = repos.logs.clone();
    let entries = (0..10).map(|i| log(project.id, i, "fills the queue")).collect();
    let filling = tokio::spawn(async move { logs.append(entries).await });
    queued(&storage, &before, 1).await;

    // The bound is the behaviour under test: refused at once, not queued
    // behind the lock.
    let refused =
        tokio::time::timeout(Duration::from_millis(500), repos.logs.append(vec![log(project.id, 0, "x")]))
            .await
            .expect("an overloaded append returns at once");
    assert!(matches!(refused, Err(RepositoryError::Overloaded)), "{refused:?}");

    lock.commit().await.unwrap();
    assert_eq!(filling.await.unwrap().unwrap().len(), 10);
    // The room is given back once a request is answered.
    assert_eq!(repos.logs.append(vec![log(project.id, 0, "again")]).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_encoded_ahead_and_a_merge_drawing_numbers_meanwhile_costs_a_reencode_not_an_id() {
    let (_dir, storage, _raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    let before = storage.ingest_stats();
    let mut ids = Vec::new();
    let mut append = async |round: usize| {
        // Small appends, so the merge below has small blocks to rewrite.
        let entries = (0..10).map(|i| log(project.id, i, &format!("round {round} entry {i}"))).collect();
        let stored = repos.logs.append(entries).await.expect("append");
        ids.extend(stored.iter().map(|e| e.id));
    };
    for round in 0..6 {
        append(round).await;
    }
    let stats = storage.ingest_stats();
    // The first batch has no prediction; each later one knows the numbers
    // the batch ahead left.
    assert_eq!(stats.encoded_inside - before.encoded_inside, 1, "{stats:?}");
    assert_eq!(stats.encoded_ahead - before.encoded_ahead, 5, "{stats:?}");

    // A merge draws block numbers of its own: the next batch's prediction
    // is wrong, it is encoded again inside its transaction, and the one
    // after is predicted right again.
    assert!(storage.merge_logs().await.unwrap() > 0, "six small blocks merge");
    append(6).await;
    append(7).await;
    let after = storage.ingest_stats();
    assert_eq!(after.encoded_inside - stats.encoded_inside, 1, "{after:?}");
    assert_eq!(after.encoded_ahead - stats.encoded_ahead, 1, "{after:?}");

    // Every id unique, and every entry found under its own id.
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 80);
    let page = repos
        .logs
        .search(project.id, &LogQuery { filter: LogFilter::default(), limit: 100, offset: 0 })
        .await;
    let page = page.unwrap();
    assert_eq!(page.total, 80);
    for entry in &page.logs {
        let round_entry = entry.entry.message.clone();
        let at = ids.iter().position(|&id| id == entry.id).expect("a returned id");
        assert_eq!(round_entry, format!("round {} entry {}", at / 10, at % 10));
    }
}
