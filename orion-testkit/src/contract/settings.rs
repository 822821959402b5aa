//! Contract of [`SettingsRepository`](orion_core::repo::SettingsRepository).

use orion_core::Repos;

use super::random;

/// Runs every settings check.
pub async fn run(repos: &Repos) {
    get_or_insert_keeps_the_first_value(repos).await;
}

/// The first value stored under a key wins; later callers get it back.
pub async fn get_or_insert_keeps_the_first_value(repos: &Repos) {
    let key = format!("contract.{}", random(16));
    let first = random(20);
    assert_eq!(repos.settings.get_or_insert(&key, &first).await.expect("insert"), first);
    assert_eq!(repos.settings.get_or_insert(&key, "second").await.expect("get"), first);
    let other = format!("contract.{}", random(16));
    assert_eq!(repos.settings.get_or_insert(&other, "own").await.expect("insert"), "own");
}
