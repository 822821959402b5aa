//! Heartbeats: the server check and `last_seen_at` share one transaction,
//! out-of-range figures are stored sanely, and alert-rule window averages
//! stay index-only.

use orion_core::RepositoryError;
use orion_core::model::{Heartbeat, Metrics};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::{open, rows};
use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, heartbeat, server, stored_project, stored_server};

/// A heartbeat of a server its project lacks is `NotFound`, stores no row
/// and marks nothing seen — not even a same-named server of another project.
async fn a_heartbeat_of_an_unknown_server_stores_nothing(url: String) {
    let (repos, raw) = open(&url).await;
    let (project, other) = (stored_project(&repos).await, stored_project(&repos).await);
    let theirs = stored_server(&repos, other.id, "shared-name").await;
    let inserted = repos.heartbeats.insert(&heartbeat(&server(project.id, "shared-name"), at(0))).await;
    assert!(matches!(inserted, Err(RepositoryError::NotFound)), "{inserted:?}");
    assert_eq!(rows(&raw, "heartbeats", project.id).await, 0);
    assert_eq!(rows(&raw, "heartbeats", other.id).await, 0);
    let untouched = repos.servers.find(other.id, &theirs.server_id).await.unwrap().unwrap();
    assert_eq!(untouched.last_seen_at, None);
}

#[tokio::test]
async fn a_heartbeat_of_an_unknown_server_stores_nothing_on_sqlite() {
    let (_dir, url) = sqlite_url();
    a_heartbeat_of_an_unknown_server_stores_nothing(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn a_heartbeat_of_an_unknown_server_stores_nothing_on_postgres() {
    on_postgres(a_heartbeat_of_an_unknown_server_stores_nothing).await;
}

/// When the heartbeat row cannot be written (here a constraint added for
/// the test rejects it), the server's `last_seen_at`, updated first in the
/// same transaction, is rolled back with it.
async fn a_heartbeat_that_fails_to_store_leaves_last_seen_at_untouched(url: String) {
    let (repos, raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let srv = stored_server(&repos, project.id, "flaky").await;
    repos.heartbeats.insert(&heartbeat(&srv, at(1_000))).await.unwrap();
    let refuse = match raw.get_database_backend() {
        DbBackend::Postgres => "ALTER TABLE heartbeats ADD CONSTRAINT refuse_busy CHECK (cpu_percent < 90)",
        _ => {
            "CREATE TRIGGER refuse_busy BEFORE INSERT ON heartbeats WHEN new.cpu_percent >= 90 \
             BEGIN SELECT RAISE(ABORT, 'refused'); END"
        }
    };
    raw.execute_unprepared(refuse).await.unwrap();

    let mut busy = heartbeat(&srv, at(60_000));
    busy.metrics.cpu_percent = Some(95.0);
    let inserted = repos.heartbeats.insert(&busy).await;
    assert!(matches!(inserted, Err(RepositoryError::Unavailable(_))), "{inserted:?}");
    let found = repos.servers.find(project.id, &srv.server_id).await.unwrap().unwrap();
    assert_eq!(found.last_seen_at, Some(at(1_000)), "the failed heartbeat did not mark the server seen");
    assert_eq!(rows(&raw, "heartbeats", project.id).await, 1);
}

#[tokio::test]
async fn a_heartbeat_that_fails_to_store_leaves_last_seen_at_untouched_on_sqlite() {
    let (_dir, url) = sqlite_url();
    a_heartbeat_that_fails_to_store_leaves_last_seen_at_untouched(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn a_heartbeat_that_fails_to_store_leaves_last_seen_at_untouched_on_postgres() {
    on_postgres(a_heartbeat_that_fails_to_store_leaves_last_seen_at_untouched).await;
}

/// A liveness ping (`{}`: no figure at all) is stored with every figure
/// NULL and reads back as sent.
#[tokio::test]
async fn a_heartbeat_without_figures_round_trips_with_every_column_null() {
    let (_dir, url) = sqlite_url();
    let (repos, _raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let srv = stored_server(&repos, project.id, "quiet").await;
    let beat = Heartbeat { metrics: Metrics::default(), ..heartbeat(&srv, at(0)) };
    repos.heartbeats.insert(&beat).await.unwrap();
    let stored = repos.heartbeats.latest(project.id, &srv.server_id).await.unwrap().unwrap();
    assert_eq!(stored, beat);
}

/// Alert rules average figures over a project's recent window, per server:
/// SQLite answers that from the covering index, never the table.
#[tokio::test]
async fn window_averages_per_server_read_only_the_covering_index_on_sqlite() {
    let (_dir, url) = sqlite_url();
    let (_repos, raw) = open(&url).await;
    let plan = raw
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "EXPLAIN QUERY PLAN SELECT server_id, avg(cpu_percent), \
             avg(CASE WHEN ram_percent IS NOT NULL THEN ram_percent \
             WHEN ram_used_mb IS NOT NULL AND ram_total_mb > 0 THEN ram_used_mb * 100.0 / ram_total_mb END), \
             avg(CASE WHEN disk_percent IS NOT NULL THEN disk_percent \
             WHEN disk_used_gb IS NOT NULL AND disk_total_gb > 0 THEN disk_used_gb * 100.0 / disk_total_gb END) \
             FROM heartbeats WHERE project_id = 'p' AND timestamp >= 0 AND timestamp < 10 GROUP BY server_id",
        ))
        .await
        .unwrap();
    let steps: Vec<String> = plan.iter().map(|row| row.try_get_by_index(3).unwrap()).collect();
    assert!(
        steps.iter().any(|s| s.contains("USING COVERING INDEX ix_heartbeats_project_id_timestamp")),
        "{steps:?}"
    );
    assert!(!steps.iter().any(|s| s.starts_with("SCAN heartbeats") && !s.contains("INDEX")), "{steps:?}");
}
