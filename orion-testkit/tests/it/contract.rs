//! The in-memory backend against the repository contract suite: one test
//! per check (`contract::<module>::<check>::memory`), and the whole suite
//! run twice at once on one backend, which proves the checks keep to their
//! own rows.

use orion_core::Repos;
use orion_testkit::InMemoryRepos;
use orion_testkit::contract::{self, Check};

orion_testkit::contract_tests! {
    memory => crate::contract::on_memory,
}

/// Runs `check` on a fresh in-memory backend.
async fn on_memory(check: Check) {
    (check.run)(&InMemoryRepos::new()).await;
}

/// Every check, one after another, on `repos`.
async fn every_check(repos: &Repos) {
    for check in contract::checks() {
        (check.run)(repos).await;
    }
}

#[tokio::test]
async fn the_suite_can_run_twice_and_concurrently_on_one_backend() {
    let repos = InMemoryRepos::new();
    tokio::join!(every_check(&repos), every_check(&repos));
    every_check(&repos).await;
}

#[test]
fn every_check_has_a_name_of_its_own() {
    let names: Vec<&str> = contract::checks().iter().map(|check| check.name).collect();
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "a name is listed twice: {names:?}");
    assert!(names.contains(&"logs::paging::equal_timestamps_are_ordered_by_id_descending"), "{names:?}");
}
