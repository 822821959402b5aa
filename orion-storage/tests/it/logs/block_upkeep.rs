//! Blocks and their frames follow every deletion: retention batches
//! (whole blocks, and blocks that straddle the cutoff rewritten), a
//! project's deletion, and the foreign-key cascade alone.

use chrono::{TimeZone, Utc};
use orion_core::Repos;
use orion_core::model::log::{LogFilter, LogQuery};
use orion_core::model::{Project, ProjectId};
use orion_storage::IngestOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::sqlite_storage;
use crate::fixtures::{log, stored_project};

async fn count(raw: &DatabaseConnection, sql: &str) -> i64 {
    let row = raw.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap().unwrap();
    row.try_get_by_index(0).unwrap()
}

async fn search(repos: &Repos, project: ProjectId, needle: &str) -> u64 {
    let filter = LogFilter { search: Some(needle.into()), ..LogFilter::default() };
    repos.logs.search(project, &LogQuery { filter, limit: 10, offset: 0 }).await.unwrap().total
}

/// Three entries whose message holds `marker`, one block.
async fn seed(repos: &Repos, project: &Project, marker: &str) {
    let entries = (0..3).map(|i| log(project.id, i, &format!("entry {i} {marker}"))).collect();
    repos.logs.append(entries).await.unwrap();
}

/// Frames whose block is gone.
async fn orphan_frames(raw: &DatabaseConnection) -> i64 {
    count(raw, "SELECT count(*) FROM log_frames WHERE block_id NOT IN (SELECT id FROM log_blocks)").await
}

#[tokio::test]
async fn retention_rewrites_a_straddling_block_then_deletes_it_whole() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    seed(&repos, &project, "expiring-marker").await;
    assert_eq!(count(&raw, "SELECT count(*) FROM log_blocks").await, 1);

    let cutoff = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(repos.logs.delete_older_than(cutoff, 2).await.unwrap(), 2, "at most one batch");
    assert_eq!(
        search(&repos, project.id, "expiring-marker").await,
        1,
        "the block was rewritten with one left"
    );
    assert_eq!(count(&raw, "SELECT entry_count FROM log_blocks").await, 1);
    assert_eq!(repos.logs.delete_older_than(cutoff, 2).await.unwrap(), 1);
    assert_eq!(repos.logs.delete_older_than(cutoff, 2).await.unwrap(), 0);

    assert_eq!(search(&repos, project.id, "expiring-marker").await, 0);
    assert_eq!(count(&raw, "SELECT count(*) FROM log_blocks").await, 0);
    assert_eq!(count(&raw, "SELECT count(*) FROM log_frames").await, 0);
}

#[tokio::test]
async fn deleting_a_project_removes_its_blocks_and_frames_only() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let gone = stored_project(&repos).await;
    let kept = stored_project(&repos).await;
    seed(&repos, &gone, "shared-marker").await;
    seed(&repos, &kept, "shared-marker").await;

    repos.projects.delete(gone.id).await.unwrap();

    assert_eq!(search(&repos, gone.id, "shared-marker").await, 0);
    assert_eq!(search(&repos, kept.id, "shared-marker").await, 3, "the other project keeps its logs");
    assert_eq!(count(&raw, "SELECT count(*) FROM log_blocks").await, 1);
    assert_eq!(orphan_frames(&raw).await, 0);
}

#[tokio::test]
async fn the_foreign_key_cascade_alone_removes_blocks_and_frames() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    seed(&repos, &project, "cascade-marker").await;

    // A bare delete of the project row (sqlx turns foreign keys on): only
    // the cascade removes the blocks, and theirs the frames.
    let delete = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "DELETE FROM projects WHERE id = ?",
        [project.id.get().into()],
    );
    raw.execute_raw(delete).await.unwrap();

    assert_eq!(count(&raw, "SELECT count(*) FROM log_blocks").await, 0);
    assert_eq!(count(&raw, "SELECT count(*) FROM log_frames").await, 0);
}
