//! The shared repository contract suite (from orion-testkit) on each backend.

use crate::backends::{on_postgres, sqlite_url};

#[tokio::test]
async fn the_contract_suite_passes_on_sqlite() {
    let (_dir, url) = sqlite_url();
    let repos = orion_storage::connect(&url).await.expect("connect");
    orion_testkit::contract::run_all(&repos).await;
}

#[tokio::test]
async fn the_contract_suite_passes_on_an_in_memory_sqlite() {
    let repos = orion_storage::connect("sqlite::memory:").await.expect("connect");
    orion_testkit::contract::run_all(&repos).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn the_contract_suite_passes_on_postgres() {
    on_postgres(|url| async move {
        let repos = orion_storage::connect(&url).await.expect("connect");
        orion_testkit::contract::run_all(&repos).await;
    })
    .await;
}
