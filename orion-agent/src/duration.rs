//! Durations as people write them in flags and config files: `500ms`,
//! `30s`, `5m`, `2h`, or plain seconds (`30`). Shared by the server's
//! settings and the agent's config so both read the same way.

use std::time::Duration;

/// Parses a duration.
pub fn parse(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{raw}` is not a duration like \"30s\" or \"1m\""))?;
    let millis = match unit.trim() {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => return Err(format!("`{raw}`: the unit must be ms, s, m or h")),
    };
    millis.map(Duration::from_millis).ok_or_else(|| format!("`{raw}` is too long"))
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
        assert!(parse("5 minutes").is_err());
        assert!(parse("m").is_err());
        assert!(parse("99999999999999999h").is_err());
    }
}
