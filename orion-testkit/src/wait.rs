//! Waiting for something to happen, with a deadline, instead of sleeping
//! for a fixed time and hoping it did: [`eventually`] polls a condition
//! until it holds, and fails naming it if the deadline passes first.
//!
//! To prove that something does *not* happen, wait for an event that shows
//! the job in question has run (its tick, its sweep, its log line) and then
//! check the absence; never "sleep, then check nothing changed".

use std::time::Duration;

/// How long [`eventually`] sleeps between two looks.
const POLL: Duration = Duration::from_millis(10);

/// Calls `check` until it answers `Some`, every [`POLL`], and returns that
/// value.
///
/// # Panics
///
/// When `within` passes first, with `what` in the message.
pub async fn eventually<T>(what: &str, within: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}
