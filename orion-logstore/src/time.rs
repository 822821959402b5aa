//! Timestamps as stored: whole microseconds since the Unix epoch (`i64`),
//! like the row store. Sub-microsecond digits are dropped on encode
//! (Orion truncates ingest timestamps to milliseconds anyway).

use chrono::{DateTime, Utc};

/// Microseconds since the epoch, rounded down.
pub fn to_micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The instant of a stored microsecond count, if chrono can represent it.
pub fn from_micros(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

/// The smallest microsecond count `m` with `m µs >= at`: an entry stored
/// at `m` is at or after `at` exactly when `m >= ceil_micros(at)`, and
/// before it exactly when `m < ceil_micros(at)`.
pub fn ceil_micros(at: DateTime<Utc>) -> i64 {
    let floor = at.timestamp_micros();
    if at.timestamp_subsec_nanos().is_multiple_of(1_000) { floor } else { floor.saturating_add(1) }
}

/// An instant as nanoseconds since the epoch, exactly (for comparing a
/// stored microsecond timestamp with a cursor that may carry nanoseconds).
pub(crate) fn nanos_i128(at: DateTime<Utc>) -> i128 {
    i128::from(at.timestamp()) * 1_000_000_000 + i128::from(at.timestamp_subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_rounds_only_partial_microseconds_up() {
        let exact = DateTime::from_timestamp(1_700_000_000, 5_000).unwrap();
        assert_eq!(ceil_micros(exact), to_micros(exact));
        let partial = DateTime::from_timestamp(1_700_000_000, 5_001).unwrap();
        assert_eq!(ceil_micros(partial), to_micros(partial) + 1);
        let before_epoch = DateTime::from_timestamp(-1, 999_999_999).unwrap();
        assert_eq!(to_micros(before_epoch), -1);
        assert_eq!(ceil_micros(before_epoch), 0);
        assert_eq!(from_micros(to_micros(exact)), Some(exact));
    }
}
