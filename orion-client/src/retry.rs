//! [`RetryPolicy`]: how many times a call is tried and how long it waits
//! in between (exponential backoff with jitter, or the server's
//! `Retry-After`).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

/// How a [`Client`](crate::Client) retries a failed call.
///
/// Only [retryable](crate::ClientError::is_retryable) failures are retried
/// (transport errors, 429, 5xx). The wait before retry `n` (1-based) is
/// drawn uniformly from `[d/2, d]` with `d = min(initial_backoff · 2ⁿ⁻¹,
/// max_backoff)` — the jitter keeps many agents that lost the server at
/// the same moment from coming back in lockstep. A `Retry-After` from the
/// server replaces that wait (it knows best when it will cope again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included; `1` (or `0`) means no retry.
    pub max_attempts: u32,
    /// Base wait before the first retry.
    pub initial_backoff: Duration,
    /// Longest computed wait (a `Retry-After` may ask for longer).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 5 tries, waiting about 0.2 s, 0.4 s, 0.8 s, 1.6 s: rides out a
    /// server restart without holding a caller for long.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// One try, no retry.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let doubling = 2u32.saturating_pow(retry.saturating_sub(1));
        let ceiling = self.initial_backoff.saturating_mul(doubling).min(self.max_backoff);
        let half = ceiling / 2;
        half + half.mul_f64(unit_random())
    }
}

/// A number in `[0, 1)`: std's randomly keyed hasher over the clock is
/// plenty for jitter and saves a dependency on a random-number crate.
fn unit_random() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A `Retry-After` value: seconds, or an HTTP date (`Wed, 21 Oct 2015
/// 07:28:00 GMT`) turned into the time left until then.
pub(crate) fn parse_retry_after(raw: &str, now: DateTime<Utc>) -> Option<Duration> {
    let raw = raw.trim();
    if let Ok(seconds) = raw.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(raw).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_jitter_band_and_stops_at_the_maximum() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first), "{first:?}");
            let third = policy.backoff(3);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third), "{third:?}");
            let late = policy.backoff(30);
            assert!((Duration::from_millis(250)..=Duration::from_millis(500)).contains(&late), "{late:?}");
        }
    }

    #[test]
    fn jitter_spreads_the_waits() {
        let policy = RetryPolicy::default();
        let waits: std::collections::HashSet<_> = (0..20).map(|_| policy.backoff(4)).collect();
        assert!(waits.len() > 10, "{waits:?}");
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:50Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
