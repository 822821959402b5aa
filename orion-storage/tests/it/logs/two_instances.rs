//! Two instances on one PostgreSQL database (two `Storage`s, each with its
//! own writer and merger): both ingest at once while one keeps merging and
//! the other keeps exporting. Every export sees each entry at most once and
//! every entry acknowledged before it began, and at the end both instances
//! see exactly what was acknowledged.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use orion_core::Repos;
use orion_core::model::ProjectId;
use orion_core::model::log::{LogCursor, LogFilter};
use orion_storage::Storage;
use tokio::sync::Mutex;

use crate::backends::on_postgres;
use crate::fixtures::{log, stored_project};

/// Requests per writing instance.
const REQUESTS: usize = 60;

/// Every id of the project, by walking export pages newest first.
async fn export(repos: &Repos, project: ProjectId) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after: Option<LogCursor> = None;
    loop {
        let page = repos.logs.page_after(project, &LogFilter::default(), after, 97).await.unwrap();
        let Some(last) = page.last() else { return ids };
        after = Some(LogCursor { timestamp: last.entry.timestamp, id: last.id });
        ids.extend(page.iter().map(|e| e.id));
    }
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn ingest_on_both_merges_on_one_exports_on_the_other_never_miss_or_repeat_an_entry() {
    on_postgres(|url| async move {
        let a = Storage::open(&url).await.unwrap();
        let b = Storage::open(&url).await.unwrap();
        let project = stored_project(&a.repos()).await;
        let acknowledged = Arc::new(Mutex::new(HashSet::new()));
        let done = Arc::new(AtomicBool::new(false));

        let writers: Vec<_> = [a.repos(), b.repos()]
            .into_iter()
            .enumerate()
            .map(|(instance, repos)| {
                let acknowledged = acknowledged.clone();
                tokio::spawn(async move {
                    for request in 0..REQUESTS {
                        // Small requests (mergeable blocks), a few big ones.
                        let size = if request % 15 == 0 { 1_200 } else { 1 + request % 7 };
                        let offset = (instance * 100_000 + request * 1_000) as i64;
                        let entries = (0..size)
                            .map(|i| {
                                log(
                                    project.id,
                                    offset + (i as i64 % 50),
                                    &format!("i{instance} r{request} e{i}"),
                                )
                            })
                            .collect();
                        let stored = repos.logs.append(entries).await.unwrap();
                        acknowledged.lock().await.extend(stored.iter().map(|e| e.id));
                    }
                })
            })
            .collect();
        let merger = {
            let (a, done) = (a.clone(), done.clone());
            tokio::spawn(async move {
                let mut merged = 0;
                while !done.load(Ordering::SeqCst) {
                    merged += a.merge_logs().await.unwrap();
                    tokio::task::yield_now().await;
                }
                merged
            })
        };
        let reader = {
            let (repos, acknowledged, done) = (b.repos(), acknowledged.clone(), done.clone());
            tokio::spawn(async move {
                let mut exports = 0;
                while !done.load(Ordering::SeqCst) {
                    let before: HashSet<i64> = acknowledged.lock().await.clone();
                    let ids = export(&repos, project.id).await;
                    let seen: HashSet<i64> = ids.iter().copied().collect();
                    assert_eq!(seen.len(), ids.len(), "an export repeated an entry");
                    assert!(before.is_subset(&seen), "an export missed an acknowledged entry");
                    exports += 1;
                }
                exports
            })
        };
        for writer in writers {
            writer.await.unwrap();
        }
        done.store(true, Ordering::SeqCst);
        let merged = merger.await.unwrap();
        let exports = reader.await.unwrap();
        assert!(merged > 0, "the merger merged something while both instances wrote");
        assert!(exports > 0, "the reader exported while both instances wrote");

        let expected = acknowledged.lock().await.clone();
        for storage in [&a, &b] {
            let ids = export(&storage.repos(), project.id).await;
            assert_eq!(ids.len(), expected.len(), "no entry repeated");
            assert_eq!(ids.into_iter().collect::<HashSet<_>>(), expected, "no entry missing");
        }
        a.merge_logs().await.unwrap();
        let ids = export(&b.repos(), project.id).await;
        assert_eq!((ids.len(), ids.into_iter().collect::<HashSet<_>>()), (expected.len(), expected));
    })
    .await;
}
