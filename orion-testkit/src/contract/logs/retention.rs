//! `delete_older_than`: a strict cutoff, at most `batch` rows a call, any
//! project.
//!
//! Deletion is global by design (retention sweeps every project), so this
//! check's rows sit before 1990, far from every other check's, and a lock
//! keeps concurrent runs of the suite in one process from deleting each
//! other's rows mid-count.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::Repos;
use orion_core::model::log::{Level, LogFilter};
use tokio::sync::Mutex;

use super::super::stored_project;
use super::{append, assert_search_agrees, entry_at};

/// Serialises retention checks of concurrent suite runs.
static RETENTION: Mutex<()> = Mutex::const_new(());

fn cutoff() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).single().expect("valid") + Duration::milliseconds(321)
}

/// Five expired rows over two projects go in batches of two (2, 2, 1, 0);
/// a row exactly at the cutoff and later rows stay.
pub async fn deletes_only_before_the_cutoff_and_at_most_a_batch_at_a_time(repos: &Repos) {
    let _serialised = RETENTION.lock().await;
    let cutoff = cutoff();
    // Leftovers of an interrupted earlier run would skew the counts.
    while repos.logs.delete_older_than(cutoff, 1_000).await.expect("delete") > 0 {}

    let (project, other) = (stored_project(repos).await.id, stored_project(repos).await.id);
    let ms = Duration::milliseconds;
    let old = |project, offset_ms| entry_at(project, cutoff - ms(offset_ms), Level::Info, "expired");
    append(repos, vec![old(project, 1), old(project, 86_400_000 * 365), old(other, 1)]).await;
    let kept = append(
        repos,
        vec![
            entry_at(project, cutoff, Level::Info, "exactly at the cutoff"),
            old(project, 2),
            entry_at(project, cutoff + ms(1), Level::Info, "newer"),
            old(other, 5_000),
        ],
    )
    .await;
    let kept = vec![kept[0].clone(), kept[2].clone()];

    for want in [2, 2, 1, 0] {
        assert_eq!(repos.logs.delete_older_than(cutoff, 2).await.expect("delete"), want);
    }
    assert_search_agrees(repos, project, &kept, &LogFilter::default()).await;
    assert_search_agrees(repos, other, &[], &LogFilter::default()).await;
}
