//! Where tests get a database: a fresh SQLite file in a temporary
//! directory, or a fresh, uniquely named PostgreSQL database created through
//! the admin URL in `ORION_TEST_POSTGRES_URL` and dropped afterwards (so
//! tests running in parallel never race on migrations).

use std::future::Future;

use sea_orm::{ConnectionTrait, Database};
use tempfile::TempDir;

/// A SQLite file URL in a new temporary directory (kept alive by the
/// returned guard).
pub fn sqlite_url() -> (TempDir, String) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("orion.db").display());
    (dir, url)
}

/// Runs `test` with the URL of a fresh PostgreSQL database, then drops it,
/// even when the test panics. Every test that calls it is
/// `#[ignore = "needs ORION_TEST_POSTGRES_URL"]`, so the plain test command
/// lists it as ignored instead of passing it unrun; run with `--ignored`
/// (as `.ci/run` does) and no URL, it fails saying what is missing.
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = std::env::var("ORION_TEST_POSTGRES_URL").expect(
        "this PostgreSQL test needs ORION_TEST_POSTGRES_URL=postgres://user@host/postgres \
         (an admin URL: each test creates and drops its own database; .ci/run starts one)",
    );
    let name = format!("orion_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url.as_str()).await.expect("connect to the admin URL");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test db");

    // Run in a task so a panic comes back as a value and the drop below
    // still happens.
    let outcome = tokio::spawn(test(database_url(&admin_url, &name))).await;

    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop test db");
    let _ = admin.close().await;
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// The admin URL with its database name replaced by `name`.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let (server, _) =
        base.rsplit_once('/').filter(|(s, _)| s.contains("//") && !s.ends_with('/')).unwrap_or((base, ""));
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[test]
fn database_url_replaces_only_the_database_name() {
    assert_eq!(database_url("postgres://u:p@h:5/postgres", "t1"), "postgres://u:p@h:5/t1");
    assert_eq!(
        database_url("postgres://u@h/postgres?sslmode=disable", "t1"),
        "postgres://u@h/t1?sslmode=disable"
    );
    assert_eq!(database_url("postgres://u@h", "t1"), "postgres://u@h/t1");
}
