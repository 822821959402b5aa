//! Field mapping shared by every shipper protocol (and the syslog
//! listeners of `orion-cli`): shippers send what they have, so values are
//! normalised rather than refused — an unknown level becomes `info` with
//! the original kept in metadata, a service name becomes a valid source
//! name, an empty message is replaced, an overlong one is cut. What is
//! still refused is what the native endpoint refuses for sizes
//! (metadata over 16 KiB, more than 10,000 entries).

use chrono::{DateTime, TimeZone, Utc};
use orion_core::model::log::{Level, MAX_MESSAGE_BYTES};

/// The message stored when a record has none (an OTLP record without a
/// body, an empty Loki line, an empty syslog message).
pub const EMPTY_MESSAGE: &str = "(empty)";

/// A level name from any shipper's vocabulary: Orion's names and aliases,
/// plus syslog's (`emerg`, `alert`, `notice`, `informational`…), Python's,
/// and common abbreviations. `None` when unknown.
pub fn level(raw: &str) -> Option<Level> {
    if let Some(level) = Level::parse(raw) {
        return Some(level);
    }
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "trc" | "verbose" | "finest" | "finer" => Level::Trace,
        "dbg" | "debug1" | "debug2" | "fine" => Level::Debug,
        "inf" | "information" | "informational" | "notice" | "note" | "log" => Level::Info,
        "wrn" | "warnings" => Level::Warn,
        "eror" | "errors" | "severe" | "exception" => Level::Error,
        "emerg" | "emergency" | "alert" | "panic" | "ftl" | "dpanic" => Level::Fatal,
        _ => return None,
    })
}

/// An OTLP severity number (1–24) as a level; `None` for 0 (unspecified)
/// or out of range.
pub fn otlp_severity(number: i32) -> Option<Level> {
    Some(match number {
        1..=4 => Level::Trace,
        5..=8 => Level::Debug,
        9..=12 => Level::Info,
        13..=16 => Level::Warn,
        17..=20 => Level::Error,
        21..=24 => Level::Fatal,
        _ => return None,
    })
}

/// A syslog severity (0–7) as a level.
pub fn syslog_severity(severity: u8) -> Level {
    match severity {
        0..=2 => Level::Fatal,
        3 => Level::Error,
        4 => Level::Warn,
        5 | 6 => Level::Info,
        _ => Level::Debug,
    }
}

/// A service name, application name or index as a source name
/// (`^[a-z0-9]+(-[a-z0-9]+)*$`, at most 64 characters): lower-cased,
/// every run of other characters turned into one `-`. `None` when nothing
/// is left.
pub fn source(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len().min(64));
    let mut dash = false;
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if dash && !out.is_empty() {
                if out.len() + 2 > 64 {
                    break;
                }
                out.push('-');
            }
            dash = false;
            out.push(c);
            if out.len() >= 64 {
                break;
            }
        } else {
            dash = true;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    (!out.is_empty()).then_some(out)
}

/// The message to store: [`EMPTY_MESSAGE`] for a blank one, cut at the
/// last character boundary within 64 KiB for an overlong one (the second
/// value says whether it was cut).
pub fn message(raw: String) -> (String, bool) {
    if raw.trim().is_empty() {
        return (EMPTY_MESSAGE.to_owned(), false);
    }
    if raw.len() <= MAX_MESSAGE_BYTES {
        return (raw, false);
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    (raw[..end].to_owned(), true)
}

/// Nanoseconds since the Unix epoch as RFC 3339; `None` for 0 (unset) or
/// a time outside chrono's range.
pub fn nanos(ns: u64) -> Option<String> {
    if ns == 0 {
        return None;
    }
    let secs = i64::try_from(ns / 1_000_000_000).ok()?;
    let time = Utc.timestamp_opt(secs, (ns % 1_000_000_000) as u32).single()?;
    Some(rfc3339(time))
}

/// A time as the RFC 3339 string the service parses.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    orion_core::rfc3339::nanos(time)
}

/// A date-time as shippers write them: RFC 3339, also with a space for the
/// `T`, without a zone (read as UTC), or with a `+0000`-style offset; or
/// epoch milliseconds as a number. `None` when unparsable.
pub fn timestamp(raw: &serde_json::Value) -> Option<String> {
    match raw {
        serde_json::Value::String(s) => parse_time(s),
        serde_json::Value::Number(n) => {
            let ms = n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?;
            Utc.timestamp_millis_opt(ms).single().map(rfc3339)
        }
        _ => None,
    }
}

fn parse_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(rfc3339(t.with_timezone(&Utc)));
    }
    let spaced = raw.replacen(' ', "T", 1);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%:z"] {
        if let Ok(t) = DateTime::parse_from_str(&spaced, fmt) {
            return Some(rfc3339(t.with_timezone(&Utc)));
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&spaced) {
        return Some(rfc3339(t.with_timezone(&Utc)));
    }
    chrono::NaiveDateTime::parse_from_str(&spaced, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| rfc3339(t.and_utc()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn levels_from_every_vocabulary() {
        assert_eq!(level("WARNING"), Some(Level::Warn));
        assert_eq!(level("notice"), Some(Level::Info));
        assert_eq!(level("emerg"), Some(Level::Fatal));
        assert_eq!(level("loud"), None);
        assert_eq!(otlp_severity(9), Some(Level::Info));
        assert_eq!(otlp_severity(17), Some(Level::Error));
        assert_eq!(otlp_severity(0), None);
        assert_eq!(otlp_severity(25), None);
        assert_eq!(syslog_severity(3), Level::Error);
        assert_eq!(syslog_severity(0), Level::Fatal);
        assert_eq!(syslog_severity(7), Level::Debug);
    }

    #[test]
    fn service_names_become_source_names() {
        assert_eq!(source("checkout").as_deref(), Some("checkout"));
        assert_eq!(source("My Service.v2").as_deref(), Some("my-service-v2"));
        assert_eq!(source("--api__").as_deref(), Some("api"));
        assert_eq!(source("日本"), None);
        assert_eq!(source(&"a".repeat(100)).unwrap().len(), 64);
        assert_eq!(source(&format!("{}-b", "a".repeat(63))).as_deref(), Some(&"a".repeat(63)[..]));
    }

    #[test]
    fn messages_are_never_empty_nor_over_the_limit() {
        assert_eq!(message("  ".into()), (EMPTY_MESSAGE.to_owned(), false));
        let (cut, truncated) = message("é".repeat(MAX_MESSAGE_BYTES));
        assert!(truncated && cut.len() <= MAX_MESSAGE_BYTES && cut.len() > MAX_MESSAGE_BYTES - 2);
    }

    #[test]
    fn times_in_the_shapes_shippers_send() {
        assert_eq!(nanos(1_700_000_000_123_456_789).unwrap(), "2023-11-14T22:13:20.123456789Z");
        assert_eq!(nanos(0), None);
        let t = |v| timestamp(&v);
        assert_eq!(t(json!("2024-01-15T10:30:00.5+01:00")).unwrap(), "2024-01-15T09:30:00.500000000Z");
        assert_eq!(t(json!("2024-01-15 10:30:00")).unwrap(), "2024-01-15T10:30:00.000000000Z");
        assert_eq!(t(json!("2024-01-15T10:30:00.000+0000")).unwrap(), "2024-01-15T10:30:00.000000000Z");
        assert_eq!(t(json!(1_705_314_600_000_i64)).unwrap(), "2024-01-15T10:30:00.000000000Z");
        assert_eq!(t(json!("yesterday")), None);
        assert_eq!(t(json!(true)), None);
    }
}
