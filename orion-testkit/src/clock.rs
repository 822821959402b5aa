//! [`FakeClock`]: a clock that only moves when a test moves it, so expiry,
//! throttling windows and TOTP steps can be tested without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::port::Clock;

/// A hand-driven clock. Clones share the same time (an `Arc` inside), so a
/// test keeps one clone and hands another to [`orion_core::Orion`].
#[derive(Debug, Clone)]
pub struct FakeClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl FakeClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self { now: Arc::new(Mutex::new(start)) }
    }

    /// Moves time forward (or backward, with a negative duration).
    pub fn advance(&self, by: Duration) {
        *self.lock() += by;
    }

    /// Jumps to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.lock() = at;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A panicking test may poison the lock; the time itself is still valid.
        self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for FakeClock {
    /// Stopped at 2024-03-01T12:00:00Z: fixed so tests are reproducible, and
    /// millisecond-aligned so it round-trips through every storage backend.
    fn default() -> Self {
        Self::new(Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).single().expect("valid instant"))
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}
