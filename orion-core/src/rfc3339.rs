//! RFC 3339 text of a UTC time, the one way the workspace writes times:
//! `Z` for UTC and a fixed number of fraction digits, so equal instants
//! give equal text. Two precisions, by name: milliseconds are what the API
//! shows and stores; nanoseconds are for shipper timestamps, which carry
//! them and are parsed back by the ingest service.

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-11-27T12:00:00.123Z`: always three fraction digits, extra
/// precision cut (not rounded).
pub fn millis(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `2026-11-27T12:00:00.123456789Z`: always nine fraction digits.
pub fn nanos(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().expect("a valid time")
    }

    #[test]
    fn millis_always_has_three_digits_and_cuts_the_rest() {
        assert_eq!(millis(noon()), "2026-11-27T12:00:00.000Z");
        assert_eq!(millis(noon() + Duration::nanoseconds(123_999_999)), "2026-11-27T12:00:00.123Z");
    }

    #[test]
    fn nanos_always_has_nine_digits() {
        assert_eq!(nanos(noon()), "2026-11-27T12:00:00.000000000Z");
        assert_eq!(nanos(noon() + Duration::nanoseconds(5)), "2026-11-27T12:00:00.000000005Z");
    }
}
