//! Syslog messages (RFC 5424 and RFC 3164) → log inputs. Pure: no I/O.
//!
//! Never fails: what cannot be parsed stays in the message. A line without
//! a `<PRI>` is stored whole at `info`, with `parseError` in metadata; a
//! header that stops making sense keeps what was read and puts the rest in
//! the message.
//!
//! Mapping: severity → level (emerg/alert/crit → fatal, err → error,
//! warning → warn, notice/info → info, debug → debug); the timestamp (RFC
//! 3164's has no year nor zone: the current year, UTC, or last year when
//! that would put it more than a day ahead); APP-NAME or the RFC 3164 tag →
//! source; metadata: `hostname`, `appName`, `procId`, `msgId`, `facility`,
//! and each structured-data element under its id (`{"exampleSDID@32473":
//! {"iut": "3"}}`).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use orion_core::model::log::Level;
use orion_core::service::LogInput;
use orion_http::shippers::map;
use serde_json::{Map, Value};

use super::structured::structured_data;

const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
    "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
    "local7",
];

/// One syslog message (one frame, without its framing) → one input.
/// `now` fills the year of RFC 3164 timestamps.
pub fn parse(frame: &[u8], now: DateTime<Utc>) -> LogInput {
    let text = String::from_utf8_lossy(frame);
    let text = text.trim_end_matches(['\n', '\r', '\0']);
    let mut metadata = Map::new();
    let Some((pri, rest)) = pri(text) else {
        metadata.insert("parseError".into(), Value::String("no <PRI> header: not a syslog message".into()));
        return finish(text.to_owned(), Level::Info, None, None, metadata);
    };
    let (facility, severity) = (pri / 8, (pri % 8) as u8);
    if let Some(name) = FACILITIES.get(facility as usize) {
        metadata.insert("facility".into(), Value::String((*name).into()));
    }
    let level = map::syslog_severity(severity);
    match rest.strip_prefix("1 ") {
        Some(rest) => rfc5424(rest, level, metadata),
        None => rfc3164(rest, level, metadata, now),
    }
}

fn pri(text: &str) -> Option<(u32, &str)> {
    let rest = text.strip_prefix('<')?;
    let end = rest.find('>')?;
    let digits = &rest[..end];
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pri: u32 = digits.parse().ok()?;
    (pri <= 191).then_some((pri, &rest[end + 1..]))
}

/// `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`, after `<PRI>1 `.
fn rfc5424(rest: &str, level: Level, mut metadata: Map<String, Value>) -> LogInput {
    let mut rest = rest;
    let mut field = || {
        let (value, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        rest = tail;
        (value != "-" && !value.is_empty()).then(|| value.to_owned())
    };
    let time = field()
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| map::rfc3339(t.with_timezone(&Utc)));
    let host = field();
    let app = field();
    let proc_id = field();
    let msg_id = field();
    for (key, value) in [("hostname", &host), ("appName", &app), ("procId", &proc_id), ("msgId", &msg_id)] {
        if let Some(value) = value {
            metadata.insert(key.into(), Value::String(value.clone()));
        }
    }
    let message = match structured_data(rest) {
        Ok((elements, msg)) => {
            for (id, params) in elements {
                metadata.insert(id, Value::Object(params));
            }
            msg
        }
        Err(problem) => {
            metadata.insert("parseError".into(), Value::String(problem.to_string()));
            rest.to_owned()
        }
    };
    let message = message.strip_prefix('\u{feff}').unwrap_or(&message).to_owned();
    finish(message, level, time, app, metadata)
}

/// `Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG` (the hostname is optional, as
/// many senders leave it out).
fn rfc3164(rest: &str, level: Level, mut metadata: Map<String, Value>, now: DateTime<Utc>) -> LogInput {
    let mut time = None;
    let mut rest = rest;
    if rest.len() >= 16
        && rest.is_char_boundary(15)
        && let Some(t) = bsd_time(&rest[..15], now)
    {
        time = Some(map::rfc3339(t));
        rest = rest[15..].trim_start_matches(' ');
    }
    // HOSTNAME, then TAG: a first word that ends in `:` or `]:` is the tag.
    let mut app = None;
    let words: Vec<&str> = rest.splitn(3, ' ').collect();
    let is_tag = |w: &str| w.ends_with(':') && w.len() > 1;
    let (host, tag, msg) = match words.as_slice() {
        [w, msg @ ..] if time.is_some() && is_tag(w) => (None, Some(*w), msg.join(" ")),
        [host, w, msg @ ..] if time.is_some() && is_tag(w) => (Some(*host), Some(*w), msg.join(" ")),
        [host, msg @ ..] if time.is_some() && !host.is_empty() => (Some(*host), None, msg.join(" ")),
        _ => (None, None, rest.to_owned()),
    };
    if let Some(host) = host {
        metadata.insert("hostname".into(), Value::String(host.to_owned()));
    }
    if let Some(tag) = tag {
        let tag = tag.trim_end_matches(':');
        let (name, pid) = match tag.split_once('[') {
            Some((name, pid)) => (name, pid.strip_suffix(']')),
            None => (tag, None),
        };
        if !name.is_empty() {
            metadata.insert("appName".into(), Value::String(name.to_owned()));
            app = Some(name.to_owned());
        }
        if let Some(pid) = pid {
            metadata.insert("procId".into(), Value::String(pid.to_owned()));
        }
    }
    finish(msg, level, time, app, metadata)
}

fn bsd_time(raw: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| raw.get(..3) == Some(*m))? as u32
        + 1;
    let day: u32 = raw.get(4..6)?.trim().parse().ok()?;
    let (h, m, s) =
        (raw.get(7..9)?.parse().ok()?, raw.get(10..12)?.parse().ok()?, raw.get(13..15)?.parse().ok()?);
    if raw.as_bytes().get(9) != Some(&b':') || raw.as_bytes().get(12) != Some(&b':') {
        return None;
    }
    let at = |year| {
        NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(h, m, s).map(|t| Utc.from_utc_datetime(&t))
    };
    let this_year = at(now.year())?;
    if this_year - now > chrono::TimeDelta::days(1) { at(now.year() - 1) } else { Some(this_year) }
}

fn finish(
    message: String,
    level: Level,
    time: Option<String>,
    app: Option<String>,
    mut metadata: Map<String, Value>,
) -> LogInput {
    let (message, truncated) = map::message(message);
    if truncated {
        metadata.insert("truncated".into(), Value::Bool(true));
    }
    LogInput {
        message,
        level: Some(level.as_str().to_owned()),
        timestamp: time,
        metadata: Some(Value::Object(metadata)),
        tags: None,
        source: app.as_deref().and_then(map::source),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let line = br#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][other x="a\]b"] BOMAn application event log entry..."#;
        let e = parse(line, now());
        assert_eq!((e.level.as_deref(), e.source.as_deref()), (Some("info"), Some("evntslog")));
        assert_eq!(e.timestamp.as_deref(), Some("2003-10-11T22:14:15.003000000Z"));
        assert_eq!(e.message, "BOMAn application event log entry...");
        let m = e.metadata.unwrap();
        assert_eq!(m["hostname"], "mymachine.example.com");
        assert_eq!(m["msgId"], "ID47");
        assert_eq!(m["facility"], "local4");
        assert_eq!(
            m["exampleSDID@32473"],
            json!({"iut": "3", "eventSource": "Application", "eventID": "1011"})
        );
        assert_eq!(m["other"]["x"], "a]b");
        assert!(m.get("procId").is_none());
    }

    #[test]
    fn rfc5424_nil_fields_and_no_message() {
        let e = parse(b"<11>1 - - - - - -", now());
        assert_eq!((e.level.as_deref(), e.message.as_str()), (Some("error"), map::EMPTY_MESSAGE));
        assert_eq!(e.timestamp, None);
    }

    #[test]
    fn rfc3164_as_logger_sends_it() {
        let e = parse(b"<12>Feb 28 23:59:01 web-1 billing[4242]: charge failed\n", now());
        assert_eq!((e.level.as_deref(), e.source.as_deref()), (Some("warn"), Some("billing")));
        assert_eq!(e.timestamp.as_deref(), Some("2026-02-28T23:59:01.000000000Z"));
        assert_eq!(e.message, "charge failed");
        let m = e.metadata.unwrap();
        assert_eq!(
            (m["hostname"].as_str(), m["procId"].as_str(), m["facility"].as_str()),
            (Some("web-1"), Some("4242"), Some("user"))
        );
        // Later in the year than now: last year's.
        let e = parse(b"<13>Dec  5 10:00:00 host app: x", now());
        assert_eq!(e.timestamp.as_deref(), Some("2025-12-05T10:00:00.000000000Z"));
    }

    #[test]
    fn malformed_lines_are_kept_at_info() {
        for line in [&b"hello there"[..], b"<999>1 x", b"<abc>oops", b"", b"\xff\xfe<1"] {
            let e = parse(line, now());
            assert_eq!(e.level.as_deref(), Some("info"), "{line:?}");
            assert!(!e.message.is_empty());
        }
        let e = parse(b"<14>not a date at all", now());
        assert_eq!(e.message, "not a date at all");
        let e = parse(br#"<14>1 2003-10-11T22:14:15Z h a p m [broken x="y] rest"#, now());
        assert!(e.metadata.unwrap().get("parseError").is_some());
    }
}
