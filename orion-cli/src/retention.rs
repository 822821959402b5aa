//! Retention: a background task that deletes logs, heartbeats, incidents
//! and acknowledged commands older than the retention period (pending
//! commands never expire) in small batches, pausing between batches so the
//! ingest writer never waits long for the database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use orion_core::Orion;
use orion_core::error::ServiceResult;
use tokio::sync::watch;

/// Rows deleted per statement (per table): small enough to hold the write lock
/// for milliseconds, not seconds.
const BATCH: u32 = 1_000;
/// Pause between two batches of one sweep.
const PAUSE_BETWEEN_BATCHES: Duration = Duration::from_millis(20);

/// How retention runs.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Rows older than this many days go; 0 keeps everything.
    pub days: u32,
    /// Time between sweeps.
    pub every: Duration,
}

/// Spawns the sweeper; it stops when `stop` turns `true`. Returns `None`
/// when retention is off (0 days).
pub fn spawn(
    orion: Orion,
    retention: Retention,
    mut stop: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    if retention.days == 0 {
        tracing::info!("retention is off: logs and agent data are kept forever");
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            sweep(&orion, retention.days, &mut stop).await;
            tokio::select! {
                _ = tokio::time::sleep(retention.every) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }))
}

/// Deletes everything older than `days`, one batch at a time: logs, then
/// the agent tables.
async fn sweep(orion: &Orion, days: u32, stop: &mut watch::Receiver<bool>) {
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
    purge(cutoff, stop, "logs", |cutoff| orion.logs().purge_batch(cutoff, BATCH)).await;
    let agent_data = "heartbeats, incidents and acknowledged commands";
    purge(cutoff, stop, agent_data, |cutoff| orion.agents().purge_batch(cutoff, BATCH)).await;
}

/// Calls `batch` until it deletes fewer than [`BATCH`] rows, an error or a
/// stop, pausing between calls.
async fn purge<F, Fut>(cutoff: DateTime<Utc>, stop: &mut watch::Receiver<bool>, what: &str, batch: F)
where
    F: Fn(DateTime<Utc>) -> Fut,
    Fut: Future<Output = ServiceResult<u64>>,
{
    let mut deleted = 0u64;
    loop {
        if *stop.borrow() {
            break;
        }
        match batch(cutoff).await {
            Ok(n) => {
                deleted += n;
                if n < u64::from(BATCH) {
                    break;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, what, "retention sweep failed; will retry at the next sweep");
                break;
            }
        }
        tokio::time::sleep(PAUSE_BETWEEN_BATCHES).await;
    }
    if deleted > 0 {
        tracing::info!(deleted, %cutoff, what, "deleted expired rows");
    }
}
