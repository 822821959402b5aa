//! The one rule for bounded free text (names, labels, reasons, script
//! names): trimmed, a number of *characters* (not bytes) within bounds, and
//! no control characters, which would break logs, emails and terminals.
//! Callers keep their own field name and message, since those are part of
//! the API; the rule itself lives only here.

use std::ops::RangeInclusive;

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Fewer characters than the minimum once trimmed (e.g. empty).
    #[error("too short")]
    TooShort,
    /// More characters than the maximum once trimmed.
    #[error("too long")]
    TooLong,
    /// A control character the field does not allow.
    #[error("holds a control character")]
    ControlCharacter,
}

/// `raw` trimmed, if it has `chars` characters and no control character.
pub fn bounded_text(raw: &str, chars: RangeInclusive<usize>) -> Result<&str, TextError> {
    check(raw, chars, |_| false)
}

/// Like [`bounded_text`], but newlines and tabs are allowed: for
/// descriptions and labels, which may span lines.
pub fn bounded_multiline(raw: &str, chars: RangeInclusive<usize>) -> Result<&str, TextError> {
    check(raw, chars, |c| c == '\n' || c == '\t')
}

fn check(raw: &str, chars: RangeInclusive<usize>, allowed: fn(char) -> bool) -> Result<&str, TextError> {
    let text = raw.trim();
    let count = text.chars().count();
    if count < *chars.start() {
        Err(TextError::TooShort)
    } else if count > *chars.end() {
        Err(TextError::TooLong)
    } else if text.chars().any(|c| c.is_control() && !allowed(c)) {
        Err(TextError::ControlCharacter)
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_before_it_is_counted() {
        assert_eq!(bounded_text("  ada  ", 1..=3), Ok("ada"));
        assert_eq!(bounded_text("   ", 1..=3), Err(TextError::TooShort));
        assert_eq!(bounded_text("", 0..=3), Ok(""));
    }

    #[test]
    fn both_bounds_are_inclusive_and_count_characters_not_bytes() {
        assert_eq!(bounded_text("ab", 2..=4), Ok("ab"));
        assert_eq!(bounded_text("a", 2..=4), Err(TextError::TooShort));
        assert_eq!(bounded_text("ßßßß", 2..=4), Ok("ßßßß"), "8 bytes, 4 characters");
        assert_eq!(bounded_text("ßßßßß", 2..=4), Err(TextError::TooLong));
    }

    #[test]
    fn control_characters_are_refused_but_multiline_text_keeps_newlines_and_tabs() {
        assert_eq!(bounded_text("a\nb", 1..=9), Err(TextError::ControlCharacter));
        assert_eq!(bounded_text("a\u{0}b", 1..=9), Err(TextError::ControlCharacter));
        assert_eq!(bounded_multiline("a\n\tb", 1..=9), Ok("a\n\tb"));
        assert_eq!(bounded_multiline("a\u{7}b", 1..=9), Err(TextError::ControlCharacter));
        // Trailing newlines are whitespace, trimmed before the check.
        assert_eq!(bounded_text("ab\n", 1..=9), Ok("ab"));
    }
}
