//! # orion-testkit
//!
//! What tests (and embedders' tests) need to exercise Orion without disk or
//! network: in-memory repositories, a fake clock, builders, a real warp
//! server on `127.0.0.1:0`, and the repository contract suite that every
//! storage backend must pass.
//!
//! # Layout
//!
//! - `clock`: [`FakeClock`], a clock tests move by hand.
//! - `memory`: [`InMemoryRepos`], every repository trait over `Mutex`ed maps.
//! - `doubles`: ports that break on purpose. [`FaultyLogs`] wraps a real
//!   log store and, when armed, answers `Overloaded` to writes or fails
//!   export pages after the first N (a store lost mid-export);
//!   [`RecordingNotifier`] records every delivery asked of it and fails for
//!   the channels it is told to. Use these rather than a hand-written
//!   `impl LogRepository` / `impl Notifier` in a test file.
//! - `builders`: quick ways to get a registered user, a project, a token.
//! - `contract`: the repository contract suite: [`contract::checks`] lists
//!   every check by name, and [`contract_tests!`] makes one `#[tokio::test]`
//!   per check for a backend (`contract::logs::paging::…::sqlite`), so a
//!   failure names the rule a backend broke.
//! - `server`: [`TestServer`], the real routes served on an ephemeral port,
//!   with typed request helpers.
//! - `sink`: [`WebhookSink`], a recording HTTP endpoint for webhook,
//!   Slack and Discord notifiers (can fail or delay on purpose).
//! - `smtp`: [`SmtpSink`], a recording SMTP receiver for email notifiers.
//! - `wait`: [`wait::eventually`], a bounded wait on a condition: what tests
//!   use instead of a fixed sleep (and how to prove something did not
//!   happen: by an event showing the job ran, then the check).
//!
//! Use it from `tests/` only, never from `#[cfg(test)]` inside a crate it
//! depends on (that would link two copies of `orion-core`).

pub mod builders;
pub mod clock;
pub mod contract;
pub mod doubles;
pub mod memory;
pub mod server;
pub mod sink;
pub mod smtp;
pub mod wait;

pub use clock::FakeClock;
pub use doubles::{FaultyLogs, RecordingNotifier};
pub use memory::InMemoryRepos;
pub use server::TestServer;
pub use sink::WebhookSink;
pub use smtp::SmtpSink;

/// A fresh id for a row a test inserts directly (or for an id that must not
/// exist): unique in this process, and far above anything a store's
/// sequence hands out (a random base in 2^46..2^47), so it collides neither
/// with allocated ids nor with another test process on the same database.
pub fn fresh_id() -> i64 {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicI64, Ordering};
    static NEXT: OnceLock<AtomicI64> = OnceLock::new();
    let next = NEXT.get_or_init(|| AtomicI64::new((1 << 46) + rand::random_range(0..(1_i64 << 46))));
    next.fetch_add(1, Ordering::Relaxed)
}
