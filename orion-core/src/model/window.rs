//! [`Window`]: the `from`, `to` and `limit` of a time-bounded listing
//! (heartbeats, incidents), checked once when it is built so services and
//! repositories never re-check the limit.

use chrono::{DateTime, Utc};

use crate::error::FieldError;

/// A time range `from <= t < to` (either end open) and the most rows to
/// return, `1..=`[`Window::MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: u32,
}

impl Window {
    /// The largest page a listing returns; more would make one response
    /// (and one query) unbounded in practice.
    pub const MAX_LIMIT: u32 = 1_000;

    /// A window, or a `limit` field error when the limit is 0 or above
    /// [`Self::MAX_LIMIT`]. `from` after `to` is allowed: it selects
    /// nothing, as the query would.
    pub fn new(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Self, FieldError> {
        if (1..=Self::MAX_LIMIT).contains(&limit) {
            Ok(Self { from, to, limit })
        } else {
            Err(FieldError::new("limit", format!("must be between 1 and {}", Self::MAX_LIMIT)))
        }
    }

    /// The newest `limit` rows, whenever they happened.
    pub fn latest(limit: u32) -> Result<Self, FieldError> {
        Self::new(None, None, limit)
    }

    /// The inclusive lower bound, if any.
    pub fn from(&self) -> Option<DateTime<Utc>> {
        self.from
    }

    /// The exclusive upper bound, if any.
    pub fn to(&self) -> Option<DateTime<Utc>> {
        self.to
    }

    /// The most rows to return.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Whether `at` falls in `from <= at < to`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().expect("a valid time")
    }

    #[test]
    fn the_limit_must_be_between_one_and_the_maximum() {
        assert_eq!(Window::latest(1).ok().map(|w| w.limit()), Some(1));
        assert_eq!(Window::latest(Window::MAX_LIMIT).ok().map(|w| w.limit()), Some(1_000));
        for bad in [0, Window::MAX_LIMIT + 1, u32::MAX] {
            let err = Window::latest(bad).expect_err("out of range");
            assert_eq!((err.field.as_str(), err.message.as_str()), ("limit", "must be between 1 and 1000"));
        }
    }

    #[test]
    fn from_is_inclusive_and_to_exclusive() {
        let w = Window::new(Some(at(10)), Some(at(20)), 5).expect("valid");
        assert!(!w.contains(at(9)));
        assert!(w.contains(at(10)));
        assert!(w.contains(at(19)));
        assert!(!w.contains(at(20)));
        assert_eq!((w.from(), w.to()), (Some(at(10)), Some(at(20))));
    }

    #[test]
    fn open_ends_hold_everything_on_their_side_and_reversed_bounds_nothing() {
        assert!(Window::latest(1).expect("valid").contains(at(i64::from(i32::MIN))));
        assert!(Window::new(Some(at(10)), None, 1).expect("valid").contains(at(1 << 40)));
        assert!(Window::new(None, Some(at(10)), 1).expect("valid").contains(at(-5)));
        let reversed = Window::new(Some(at(20)), Some(at(10)), 1).expect("allowed");
        assert!(!reversed.contains(at(15)) && !reversed.contains(at(20)) && !reversed.contains(at(10)));
    }
}
