//! orion-core's service tests: every rule of the services, exercised through
//! the public API over the in-memory backend and a fake clock.

mod accounts;
mod agents;
mod alerts;
mod logs;
mod maintenance;
mod projects;
mod requests;
mod sources;
mod tokens;
mod two_factor;

use orion_core::Orion;
use orion_testkit::builders::test_orion;
use orion_testkit::{FakeClock, InMemoryRepos};

/// A fresh `Orion` on empty storage, and the clock that drives it.
fn setup() -> (Orion, FakeClock) {
    let clock = FakeClock::default();
    (test_orion(InMemoryRepos::new(), clock.clone()), clock)
}
