//! SQLite WAL checkpoints off the commit path.
//!
//! Left to itself, SQLite checkpoints inside the `COMMIT` that takes the
//! write-ahead log past 1,000 pages: the committing connection copies the
//! log's pages into the database file and fsyncs it before the commit
//! returns, so every few batches one log ingest waited for that copy
//! before its 201. Here a background task runs a `PASSIVE` checkpoint
//! (which never waits for readers or the writer) every
//! [`CHECKPOINT_EVERY`], and the automatic checkpoint is raised to
//! [`AUTO_CHECKPOINT_PAGES`]: a backstop that only a stalled or stopped
//! task lets the log reach, so the log stays bounded even then.

use std::sync::Weak;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection};

/// How often the background task checkpoints.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Log pages past which a commit checkpoints by itself (64 MiB of 4 KiB
/// pages; at 40 bytes an entry, over a million entries behind).
pub(crate) const AUTO_CHECKPOINT_PAGES: u32 = 16_384;

/// Bytes the log file is cut back to after a checkpoint let it restart
/// (a burst may have grown it).
pub(crate) const WAL_SIZE_LIMIT: u64 = 64 << 20;

/// Starts the checkpoint task on the current runtime; it stops once
/// `alive` can no longer be upgraded (the storage was dropped).
pub(crate) fn spawn(db: DatabaseConnection, alive: Weak<()>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if alive.upgrade().is_none() {
                return;
            }
            if let Err(e) = db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await {
                tracing::warn!(error = %e, "SQLite WAL checkpoint failed; will retry");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Committed pages reach the database file without any commit
    /// checkpointing them (the log is far below the backstop), and the
    /// task stops with its guard.
    #[tokio::test]
    async fn the_task_copies_committed_pages_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let db = crate::connection::open(&format!("sqlite://{}", path.display())).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (b BLOB)").await.unwrap();
        // Let the table's creation settle into the file first.
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        // ~2 MiB: 500 pages, far below AUTO_CHECKPOINT_PAGES.
        for _ in 0..64 {
            db.execute_unprepared("INSERT INTO t VALUES (randomblob(32768))").await.unwrap();
        }
        assert_eq!(std::fs::metadata(&path).unwrap().len(), before, "no commit checkpointed");
        let alive = Arc::new(());
        spawn(db.clone(), Arc::downgrade(&alive));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&path).unwrap().len() < before + (2 << 20) {
            assert!(tokio::time::Instant::now() < deadline, "the task never checkpointed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Stopped with its guard: new pages stay in the log.
        drop(alive);
        tokio::time::sleep(CHECKPOINT_EVERY * 2).await;
        let settled = std::fs::metadata(&path).unwrap().len();
        for _ in 0..64 {
            db.execute_unprepared("INSERT INTO t VALUES (randomblob(32768))").await.unwrap();
        }
        tokio::time::sleep(CHECKPOINT_EVERY * 4).await;
        assert_eq!(std::fs::metadata(&path).unwrap().len(), settled, "the task outlived its guard");
    }
}
