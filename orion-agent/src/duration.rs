//! Durations as people write them in flags and config files: `500ms`,
//! `30s`, `5m`, `2h`, or plain seconds (`30`). Shared by the server's
//! settings and the agent's config so both read the same way.

use std::time::Duration;

/// Why [`parse`] refused its input; each variant keeps the trimmed text,
/// since flags and config files show it back to whoever wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// No number in front.
    #[error("`{0}` is not a duration like \"30s\" or \"1m\"")]
    NotANumber(String),
    /// A number followed by something other than a unit.
    #[error("`{0}`: the unit must be ms, s, m or h")]
    UnknownUnit(String),
    /// More milliseconds than a `u64` holds.
    #[error("`{0}` is too long")]
    TooLong(String),
}

/// Parses a duration.
pub fn parse(raw: &str) -> Result<Duration, DurationError> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let n: u64 = number.parse().map_err(|_| DurationError::NotANumber(raw.to_owned()))?;
    let millis = match unit.trim() {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => return Err(DurationError::UnknownUnit(raw.to_owned())),
    };
    millis.map(Duration::from_millis).ok_or_else(|| DurationError::TooLong(raw.to_owned()))
}

/// `30s`, `3m`, `1h`, `500ms`: the largest unit that divides evenly, so
/// `parse(format(d)) == d`.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        _ if ms.is_multiple_of(3_600_000) && ms > 0 => format!("{}h", ms / 3_600_000),
        _ if ms.is_multiple_of(60_000) && ms > 0 => format!("{}m", ms / 60_000),
        _ if ms.is_multiple_of(1_000) => format!("{}s", ms / 1_000),
        _ => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_plain_seconds_parse_and_print_back() {
        for (text, ms) in
            [("250ms", 250), ("30s", 30_000), ("30", 30_000), ("5m", 300_000), ("2h", 7_200_000)]
        {
            let d = parse(text).unwrap();
            assert_eq!(d, Duration::from_millis(ms), "{text}");
            assert_eq!(parse(&format(d)).unwrap(), d);
        }
        assert_eq!(format(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn refusals_show_the_text_and_what_is_wrong_with_it() {
        let message = |raw| parse(raw).map_err(|e| e.to_string()).unwrap_err();
        assert_eq!(message(" m "), r#"`m` is not a duration like "30s" or "1m""#);
        assert_eq!(message("5 minutes"), "`5 minutes`: the unit must be ms, s, m or h");
        assert_eq!(message("99999999999999999h"), "`99999999999999999h` is too long");
    }
}
