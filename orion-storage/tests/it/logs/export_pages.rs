//! An export keeps its place between pages while the store changes under
//! it: between pages, new entries arrive (many older than the cursor),
//! merges replace blocks with sorted runs, and retention deletes blocks or
//! rewrites them under their numbers. Every page must be exactly what
//! `page_after` answers at that moment, and no entry may come twice.
//! Seeded like the differential test (`ORION_DIFF_SEED=<n>`).

use std::collections::HashSet;

use chrono::Duration;
use orion_core::model::log::{EntryRows, LogCursor, LogEntry, LogFilter};
use rand::Rng;

use super::differential::{base, entry, filter, one_project, seed};
use crate::backends::{on_postgres, sqlite_url};

/// Every field of every entry the rows lend, as text (metadata as JSON).
fn viewed(rows: &dyn EntryRows) -> Vec<String> {
    let mut out = Vec::new();
    rows.visit(&mut |v| out.push(format!("{v:?}"))).expect("intact blocks");
    assert_eq!(out.len(), rows.len());
    out
}

fn cursor(last: &LogEntry) -> LogCursor {
    LogCursor { timestamp: last.entry.timestamp, id: last.id }
}

async fn moving_export(url: String, seed: u64, exports: usize) {
    let (storage, store, _oracle, mut rng, project) = one_project(&url, seed).await;
    let mut stored = Vec::new();
    // Overlapping full blocks, so merges have tiers to fill.
    for _ in 0..10 {
        let batch: Vec<_> = (0..rng.random_range(600..1_500)).map(|_| entry(&mut rng, project)).collect();
        store.logs.append(batch.clone()).await.unwrap();
        stored.extend(batch);
    }
    let (mut pages_read, mut changes) = (0, 0);
    for e in 0..exports {
        let f = if e % 2 == 0 { LogFilter::default() } else { filter(&mut rng, &stored) };
        let mut pages = store.logs.export_pages(project, &f).expect("the block store pages exports itself");
        let (mut after, mut seen) = (None, HashSet::new());
        loop {
            let size = rng.random_range(20..400);
            let expected = store.logs.page_after(project, &f, after, size).await.unwrap();
            let got = if rng.random_bool(0.5) {
                pages.next_page(after, size).await.unwrap()
            } else {
                // Lent in place: the same entries, field for field.
                let rows = pages.next_rows(after, size).await.unwrap();
                assert_eq!(
                    viewed(rows.as_ref()),
                    viewed(&expected),
                    "seed {seed}: export {e} of {f:?}, rows of {size} after {after:?}"
                );
                assert_eq!(rows.last_cursor(), expected.last().map(cursor));
                expected.clone()
            };
            assert_eq!(got, expected, "seed {seed}: export {e} of {f:?}, page of {size} after {after:?}");
            pages_read += 1;
            let Some(last) = got.last() else { break };
            for entry in &got {
                assert!(seen.insert(entry.id), "seed {seed}: entry {} exported twice", entry.id);
            }
            after = Some(cursor(last));
            match rng.random_range(0..6) {
                0 => {
                    let batch: Vec<_> =
                        (0..rng.random_range(1..1_200)).map(|_| entry(&mut rng, project)).collect();
                    store.logs.append(batch.clone()).await.unwrap();
                    stored.extend(batch);
                }
                1 => {
                    storage.merge_logs().await.unwrap();
                }
                2 => {
                    let cutoff = base() + Duration::milliseconds(rng.random_range(0..60) * 250);
                    store.logs.delete_older_than(cutoff, rng.random_range(1..500)).await.unwrap();
                }
                _ => continue,
            }
            changes += 1;
        }
    }
    assert!(pages_read > 2 * exports && changes > exports, "seed {seed}: the exports spanned changes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_keeps_its_place_across_appends_merges_and_retention_on_sqlite() {
    let seed = seed();
    eprintln!("export seed {seed} (rerun with ORION_DIFF_SEED={seed})");
    let (_dir, url) = sqlite_url();
    moving_export(url, seed, 8).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_keeps_its_place_across_appends_merges_and_retention_on_postgres() {
    let seed = seed();
    eprintln!("export seed {seed} (rerun with ORION_DIFF_SEED={seed})");
    on_postgres(move |url| moving_export(url, seed, 4)).await;
}
