//! Contract of [`SettingsRepository`](orion_core::repo::SettingsRepository).

use orion_core::Repos;

use super::random;

/// The first value stored under a key wins; later callers get it back.
pub async fn get_or_insert_keeps_the_first_value(repos: &Repos) {
    let key = format!("contract.{}", random(16));
    let first = random(20);
    assert_eq!(repos.settings.get_or_insert(&key, &first).await.expect("insert"), first);
    assert_eq!(repos.settings.get_or_insert(&key, "second").await.expect("get"), first);
    let other = format!("contract.{}", random(16));
    assert_eq!(repos.settings.get_or_insert(&other, "own").await.expect("insert"), "own");
}

/// Racing callers with different values all get the same stored one (two
/// server instances generating a JWT secret at once must end up sharing it).
pub async fn concurrent_get_or_insert_callers_agree(repos: &Repos) {
    let key = format!("contract.{}", random(16));
    let call = |value: &'static str| repos.settings.get_or_insert(&key, value);
    let (a, b, c, d) = tokio::join!(call("a"), call("b"), call("c"), call("d"));
    let values = [a.expect("a"), b.expect("b"), c.expect("c"), d.expect("d")];
    assert!(values.iter().all(|v| *v == values[0]), "callers disagree: {values:?}");
    assert_eq!(repos.settings.get_or_insert(&key, "late").await.expect("get"), values[0]);
}
