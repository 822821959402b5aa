//! The in-memory backend passes the repository contract suite.

use orion_testkit::{InMemoryRepos, contract};

#[tokio::test]
async fn the_in_memory_backend_passes_the_contract_suite() {
    contract::run_all(&InMemoryRepos::new()).await;
}

#[tokio::test]
async fn the_suite_can_run_twice_and_concurrently_on_one_backend() {
    let repos = InMemoryRepos::new();
    tokio::join!(contract::run_all(&repos), contract::run_all(&repos));
    contract::run_all(&repos).await;
}

#[tokio::test]
async fn each_backend_is_independent() {
    let (a, b) = (InMemoryRepos::new(), InMemoryRepos::new());
    a.settings.get_or_insert("k", "from a").await.unwrap();
    assert_eq!(b.settings.get_or_insert("k", "from b").await.unwrap(), "from b");
}
