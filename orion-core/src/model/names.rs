//! Validated value types for names, emails and passwords. Each has a
//! `parse` that is the only way to build one, so holding one proves it is
//! valid. Errors are [`FieldError`]s naming the wire field.

use std::fmt;

use serde::Serialize;

use super::text::{bounded_multiline, bounded_text};
use crate::error::FieldError;

fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

/// A login email: trimmed, lower-cased, `local@domain.tld` shaped, ≤ 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Normalises and validates an email address.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let bad = || err("email", "must be an email address like name@example.com");
        if email.is_empty() || email.chars().count() > 254 || email.chars().any(char::is_whitespace) {
            return Err(bad());
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        let domain_ok =
            !domain.contains('@') && domain.contains('.') && domain.split('.').all(|part| !part.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(bad());
        }
        Ok(Self(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A public handle: 3–32 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Pseudo(String);

impl Pseudo {
    /// Validates a pseudo (case is kept; uniqueness is case-insensitive in storage rules).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let ok = (3..=32).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(err("pseudo", "must be 3 to 32 characters of letters, digits, '_' or '-'"))
        }
    }

    /// The pseudo as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A first or last name: 1–100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Validates a name for the given wire field (`firstName`/`lastName`).
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match bounded_text(raw, 1..=100) {
            Ok(name) => Ok(Self(name.to_owned())),
            Err(_) => Err(err(field, "must be 1 to 100 characters")),
        }
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plain-text password on its way to the hasher: 8–72 bytes (bcrypt's limit).
/// Its `Debug` never shows the value.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Validates the length of a new password.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if (8..=72).contains(&raw.len()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(err("password", "must be 8 to 72 bytes long"))
        }
    }

    /// The secret itself; only the hasher should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

fn is_slug(raw: &str) -> bool {
    (1..=64).contains(&raw.len())
        && raw.split('-').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

const SLUG_RULE: &str =
    "must be 1 to 64 characters of lowercase letters and digits, in groups joined by single '-'";

/// A project name: `^[a-z0-9]+(-[a-z0-9]+)*$`, 1–64 characters. Used in URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ProjectName(String);

impl ProjectName {
    /// Validates a project name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if is_slug(raw) { Ok(Self(raw.to_owned())) } else { Err(err("name", SLUG_RULE)) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A source name: same rule as a project name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SourceName(String);

impl SourceName {
    /// Validates a source name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if is_slug(raw) { Ok(Self(raw.to_owned())) } else { Err(err("name", SLUG_RULE)) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text display label or description: at most `max` characters, no
/// control characters other than newlines and tabs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Label(String);

impl Label {
    /// Validates free text for `field`, trimming it.
    pub fn parse(field: &str, raw: &str, max: usize) -> Result<Self, FieldError> {
        match bounded_multiline(raw, 0..=max) {
            Ok(text) => Ok(Self(text.to_owned())),
            Err(_) => Err(err(field, format!("must be at most {max} characters of printable text"))),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "ada", "ada@", "@x.io", "ada@x", "a b@x.io", "a@x..io", "a@b@c.io"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn pseudo_rules() {
        assert!(Pseudo::parse("ada_L-1").is_ok());
        for bad in ["ab", "has space", "é-accent", &"x".repeat(33)] {
            assert!(Pseudo::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn project_name_is_a_slug() {
        for good in ["a", "web-1", "my-app-2", &"a".repeat(64)] {
            assert!(ProjectName::parse(good).is_ok(), "{good:?}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "a.b", &"a".repeat(65)] {
            assert!(ProjectName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_is_bounded_in_bytes_and_redacted() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse(&"x".repeat(73)).is_err());
        let p = Password::parse("correct horse").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn names_are_one_to_a_hundred_chars() {
        assert!(PersonName::parse("firstName", "  ").is_err());
        assert!(PersonName::parse("firstName", &"é".repeat(100)).is_ok());
        assert!(PersonName::parse("firstName", &"é".repeat(101)).is_err());
    }
}
