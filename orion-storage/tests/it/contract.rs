//! The shared repository contract suite (from orion-testkit) on each
//! backend, one test per check: `contract::<module>::<check>::sqlite` (a
//! SQLite file), `…::sqlite_in_memory` and `…::postgres`. Every test gets a
//! fresh database of its own.

use orion_testkit::contract::Check;

use crate::backends::{on_postgres, sqlite_url};

orion_testkit::contract_tests! {
    sqlite => crate::contract::on_sqlite,
    sqlite_in_memory => crate::contract::on_in_memory_sqlite,
    #[ignore = "needs ORION_TEST_POSTGRES_URL"]
    postgres => crate::contract::on_fresh_postgres,
}

/// Runs `check` on a fresh SQLite file.
async fn on_sqlite(check: Check) {
    let (_dir, url) = sqlite_url();
    let repos = orion_storage::connect(&url).await.expect("connect");
    (check.run)(&repos).await;
}

/// Runs `check` on a fresh in-memory SQLite database.
async fn on_in_memory_sqlite(check: Check) {
    let repos = orion_storage::connect("sqlite::memory:").await.expect("connect");
    (check.run)(&repos).await;
}

/// Runs `check` on a fresh PostgreSQL database; without
/// `ORION_TEST_POSTGRES_URL` it fails saying so.
async fn on_fresh_postgres(check: Check) {
    on_postgres(move |url| async move {
        let repos = orion_storage::connect(&url).await.expect("connect");
        (check.run)(&repos).await;
    })
    .await;
}
