//! Wire types: what requests carry and responses show, in camelCase, kept
//! apart from domain types so the domain can change without changing the
//! API (and so secrets on domain types never reach the wire by accident).
//!
//! Request types default missing string fields to empty: the services
//! validate every field and report all problems at once, which beats
//! serde's "missing field" for the first one only.

use chrono::{DateTime, Utc};
use orion_core::rfc3339;

pub mod agents;
pub mod alert_preview;
pub mod alerts;
pub mod auth;
pub mod health;
pub mod ingest;
pub mod live;
pub mod log_views;
pub mod logs;
pub mod projects;
pub mod searches;
pub mod server_metrics;
pub mod servers;
pub mod silences;
pub mod sources;
pub mod tokens;

/// RFC 3339 in UTC with milliseconds: `2026-11-27T12:00:00.123Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    let mut buf = [0; 24];
    match format_timestamp(at, &mut buf) {
        Some(text) => text.to_owned(),
        None => rfc3339::millis(at),
    }
}

/// [`timestamp`]'s text written into `buf`, without allocating (an export
/// writes two per entry); `None` for a year outside 0–9999, which chrono
/// writes with a sign.
pub fn format_timestamp(at: DateTime<Utc>, buf: &mut [u8; 24]) -> Option<&str> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    // A leap second's nanoseconds run past 1e9; chrono shows it as :60.
    let (second, millis) = match at.nanosecond() / 1_000_000 {
        ms if ms >= 1000 => (at.second() + 1, ms - 1000),
        ms => (at.second(), ms),
    };
    let mut put = |at: usize, value: u32, digits: usize| {
        let mut v = value;
        for i in (0..digits).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, at.month(), 2);
    put(8, at.day(), 2);
    put(11, at.hour(), 2);
    put(14, at.minute(), 2);
    put(17, second, 2);
    put(20, millis, 3);
    for (i, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.'), (23, b'Z')] {
        buf[i] = c;
    }
    std::str::from_utf8(buf).ok()
}

/// A timestamp that serialises as [`timestamp`]'s text, formatted on the
/// stack.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp(pub DateTime<Utc>);

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0; 24];
        match format_timestamp(self.0, &mut buf) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.serialize_str(&timestamp(self.0)),
        }
    }
}

/// `{"ok": true}`.
#[derive(Debug, serde::Serialize)]
pub struct Ok {
    /// Always true.
    pub ok: bool,
}

/// The `{"ok": true}` body.
pub const OK: Ok = Ok { ok: true };

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_a_z() {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap() + chrono::Duration::milliseconds(123);
        assert_eq!(timestamp(at), "2026-11-27T12:00:00.123Z");
        assert_eq!(timestamp(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()), "2026-01-02T03:04:05.000Z");
    }

    #[test]
    fn the_stack_formatter_writes_what_chrono_writes() {
        let chrono = |at: DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut at = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        // Every field's carries and paddings, across ~300 years.
        for step in 0..20_000i64 {
            assert_eq!(timestamp(at), chrono(at), "{at:?}");
            at += chrono::Duration::milliseconds(479_001_599 + step % 997);
        }
        let far = Utc.with_ymd_and_hms(12_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(timestamp(far), chrono(far));
        let early = Utc.with_ymd_and_hms(-5, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(timestamp(early), chrono(early));
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_milli_opt(23, 59, 59, 1_250)
            .unwrap()
            .and_utc();
        assert_eq!(timestamp(leap), chrono(leap));
        assert_eq!(serde_json::to_string(&Timestamp(leap)).unwrap(), format!("\"{}\"", chrono(leap)));
    }
}
