//! Wire types: what requests carry and responses show, in camelCase, kept
//! apart from domain types so the domain can change without changing the
//! API (and so secrets on domain types never reach the wire by accident).
//!
//! Request types default missing string fields to empty: the services
//! validate every field and report all problems at once, which beats
//! serde's "missing field" for the first one only.

use chrono::{DateTime, SecondsFormat, Utc};

pub mod agents;
pub mod alert_preview;
pub mod alerts;
pub mod auth;
pub mod ingest;
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
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
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
}
