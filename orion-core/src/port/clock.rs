//! Time as a port, so tests can move it (see `orion_testkit::FakeClock`).

use chrono::{DateTime, Utc};

/// Tells the current time. Implementations must be monotonic enough for
/// expiry checks (never jump backwards by more than clock skew).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
