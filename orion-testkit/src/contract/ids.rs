//! Contract of [`IdRepository`](orion_core::repo::IdRepository).

use std::collections::HashSet;

use orion_core::Repos;
use orion_core::model::{IdKind, MAX_ID};

/// Successive draws of a kind are positive, below 2^53 and increasing.
pub async fn ids_of_one_kind_only_grow(repos: &Repos) {
    for kind in IdKind::ALL {
        let first = repos.ids.next(kind).await.expect("next");
        let second = repos.ids.next(kind).await.expect("next");
        assert!((1..=MAX_ID).contains(&first), "{kind:?}: {first}");
        assert!(second > first, "{kind:?}: {second} after {first}");
    }
}

/// Fifty concurrent draws of one kind give fifty different ids (the
/// counter is atomic in the store, not per caller).
pub async fn concurrent_draws_never_repeat_an_id(repos: &Repos) {
    let draws = (0..50).map(|_| {
        let repos = repos.clone();
        tokio::spawn(async move { repos.ids.next(IdKind::Command).await.expect("next") })
    });
    let mut seen = HashSet::new();
    for draw in draws.collect::<Vec<_>>() {
        assert!(seen.insert(draw.await.expect("join")), "an id was handed out twice");
    }
}
