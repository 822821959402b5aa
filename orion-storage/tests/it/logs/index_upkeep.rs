//! SQLite's FTS index and tag table follow every deletion: retention
//! batches, a project's deletion, and the foreign-key cascade alone.

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

/// Fails unless the FTS index matches the `logs` table exactly.
async fn assert_fts_in_sync(raw: &DatabaseConnection) {
    raw.execute_unprepared("INSERT INTO logs_fts (logs_fts) VALUES ('integrity-check')")
        .await
        .expect("the FTS index agrees with the logs table");
}

async fn search(repos: &Repos, project: ProjectId, needle: &str) -> u64 {
    let filter = LogFilter { search: Some(needle.into()), ..LogFilter::default() };
    repos.logs.search(project, &LogQuery { filter, limit: 10, offset: 0 }).await.unwrap().total
}

/// Three entries whose message holds `marker`, tagged `app`.
async fn seed(repos: &Repos, project: &Project, marker: &str) {
    let entries = (0..3).map(|i| log(project.id, i, &format!("entry {i} {marker}"))).collect();
    repos.logs.append(entries).await.unwrap();
}

#[tokio::test]
async fn retention_batches_remove_index_and_tag_rows_too() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    seed(&repos, &project, "expiring-marker").await;

    let cutoff = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(repos.logs.delete_older_than(cutoff, 2).await.unwrap(), 2, "at most one batch");
    assert_eq!(repos.logs.delete_older_than(cutoff, 2).await.unwrap(), 1);
    assert_eq!(repos.logs.delete_older_than(cutoff, 2).await.unwrap(), 0);

    assert_eq!(search(&repos, project.id, "expiring-marker").await, 0);
    assert_eq!(count(&raw, "SELECT count(*) FROM logs_fts WHERE logs_fts MATCH '\"expiring\"'").await, 0);
    assert_eq!(count(&raw, "SELECT count(*) FROM log_tags").await, 0);
    assert_fts_in_sync(&raw).await;
}

#[tokio::test]
async fn deleting_a_project_removes_its_logs_index_and_tag_rows() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let gone = stored_project(&repos).await;
    let kept = stored_project(&repos).await;
    seed(&repos, &gone, "shared-marker").await;
    seed(&repos, &kept, "shared-marker").await;

    repos.projects.delete(gone.id).await.unwrap();

    assert_eq!(search(&repos, gone.id, "shared-marker").await, 0);
    assert_eq!(search(&repos, kept.id, "shared-marker").await, 3, "the other project keeps its logs");
    assert_eq!(
        count(&raw, "SELECT count(*) FROM logs_fts WHERE logs_fts MATCH '\"shared-marker\"'").await,
        3
    );
    assert_eq!(count(&raw, "SELECT count(*) FROM log_tags").await, 3);
    assert_fts_in_sync(&raw).await;
}

#[tokio::test]
async fn the_foreign_key_cascade_alone_keeps_the_index_in_sync() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let project = stored_project(&repos).await;
    seed(&repos, &project, "cascade-marker").await;

    // A bare delete of the project row (sqlx turns foreign keys on): only
    // the cascade removes the logs, and their delete trigger must fire.
    let delete = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "DELETE FROM projects WHERE id = ?",
        [project.id.get().into()],
    );
    raw.execute_raw(delete).await.unwrap();

    assert_eq!(count(&raw, "SELECT count(*) FROM logs").await, 0);
    assert_eq!(
        count(&raw, "SELECT count(*) FROM logs_fts WHERE logs_fts MATCH '\"cascade-marker\"'").await,
        0
    );
    assert_eq!(count(&raw, "SELECT count(*) FROM log_tags").await, 0);
    assert_fts_in_sync(&raw).await;
}
