//! Log retention: a background task that deletes entries older than the
//! retention period in small batches, pausing between batches so the
//! ingest writer never waits long for the database.

use std::time::Duration;

use chrono::Utc;
use orion_core::Orion;
use tokio::sync::watch;

/// Entries deleted per transaction: small enough to hold the write lock
/// for milliseconds, not seconds.
const BATCH: u32 = 1_000;
/// Pause between two batches of one sweep.
const PAUSE_BETWEEN_BATCHES: Duration = Duration::from_millis(20);

/// How retention runs.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Entries older than this many days go; 0 keeps everything.
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
        tracing::info!("log retention is off: logs are kept forever");
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

/// Deletes everything older than `days`, one batch at a time.
async fn sweep(orion: &Orion, days: u32, stop: &mut watch::Receiver<bool>) {
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
    let mut deleted = 0u64;
    loop {
        if *stop.borrow() {
            break;
        }
        match orion.logs().purge_batch(cutoff, BATCH).await {
            Ok(n) => {
                deleted += n;
                if n < u64::from(BATCH) {
                    break;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "log retention sweep failed; will retry at the next sweep");
                break;
            }
        }
        tokio::time::sleep(PAUSE_BETWEEN_BATCHES).await;
    }
    if deleted > 0 {
        tracing::info!(deleted, %cutoff, "deleted expired logs");
    }
}
