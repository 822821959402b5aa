//! Several servers may start at once against one database: migrating
//! concurrently must succeed for all of them and apply each step once.

use crate::backends::{on_postgres, sqlite_url};

async fn concurrent_opens_all_succeed(url: &str) {
    let opens = (0..4).map(|_| orion_storage::Storage::open(url));
    for opened in futures_util::future::join_all(opens).await {
        opened.expect("every concurrent open succeeds");
    }
    let report = orion_storage::migrate(url).await.unwrap();
    assert!(report.applied.is_empty(), "left pending: {:?}", report.applied);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_opens_of_a_fresh_sqlite_file_all_succeed() {
    let (_dir, url) = sqlite_url();
    concurrent_opens_all_succeed(&url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_opens_of_a_fresh_postgres_database_all_succeed() {
    on_postgres(|url| async move { concurrent_opens_all_succeed(&url).await }).await;
}
