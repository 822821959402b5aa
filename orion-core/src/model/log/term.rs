//! The terms of a query string (`q=`), as typed values: what each one
//! means for an entry, negated or not. [`LogFilter::matches`] ANDs them
//! with the other filters; every backend must agree with
//! [`Term::matches`] exactly.
//!
//! [`LogFilter::matches`]: super::LogFilter::matches

use std::cmp::Ordering;

use serde_json::Value;

use super::{Level, NewLogEntry, contains_case_insensitive, metadata_equals};

/// One condition on an entry, possibly negated: a negated term holds for
/// exactly the entries its positive form does not hold for (an entry
/// without the metadata key, the source or the server included).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// `-term`: the entry must *not* satisfy `kind`.
    pub negated: bool,
    /// What is tested.
    pub kind: TermKind,
}

/// What a term tests.
#[derive(Debug, Clone, PartialEq)]
pub enum TermKind {
    /// Case-insensitive substring of the message, like the `search`
    /// parameter (`timeout`, `"connection refused"`).
    Text(String),
    /// The level is one of these (`level:error,fatal`, `level>=warn`).
    Levels(Vec<Level>),
    /// The source is exactly this (`source:api`).
    Source(String),
    /// The entry carries this tag (`tag:checkout`).
    Tag(String),
    /// The server id is exactly this (`server:web-1`).
    Server(String),
    /// A comparison of a top-level metadata value (`meta.status>=500`).
    Meta(MetaCondition),
}

/// How a metadata value is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl MetaOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
        }
    }
}

/// `metadata[key] <op> value`, where `key` is a top-level key taken whole
/// (`meta.user.id` names the key `user.id`, as flattened attributes are
/// stored).
///
/// - `=` holds when the stored value [`metadata_equals`] `value` (a
///   string equal to it, or a number or boolean whose JSON text is it);
///   `!=` when the key holds a string, number or boolean that does not.
/// - `>`, `>=`, `<`, `<=`: when `value` is a number (a plain decimal such
///   as `500`, `-1.5`, `1e3`), the stored value must be a JSON number and
///   both compare as 64-bit floats; otherwise the stored value must be a
///   string and both compare by their UTF-8 bytes.
/// - A missing key, `null`, an array or an object never satisfies a
///   comparison (so `-meta.k=v` matches them).
#[derive(Debug, Clone, PartialEq)]
pub struct MetaCondition {
    /// The top-level key.
    pub key: String,
    /// The operator.
    pub op: MetaOp,
    /// The value as written.
    pub value: String,
}

impl MetaCondition {
    /// Whether `stored` (the value under the key, if any) satisfies it.
    pub fn holds(&self, stored: Option<&Value>) -> bool {
        let Some(stored) = stored else { return false };
        compare_meta(stored, self.op, &self.value, meta_number(&self.value))
    }
}

/// `wanted` as a number for the ordering operators, when it is a plain
/// finite decimal (digits, sign, point, exponent; never `NaN` or `inf`).
pub fn meta_number(wanted: &str) -> Option<f64> {
    let plain = !wanted.is_empty()
        && wanted.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !plain {
        return None;
    }
    wanted.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The comparison of [`MetaCondition::holds`], with `wanted`'s number
/// (from [`meta_number`]) computed once by the caller.
pub fn compare_meta(stored: &Value, op: MetaOp, wanted: &str, wanted_number: Option<f64>) -> bool {
    let ordering = |ord: Ordering| match op {
        MetaOp::Gt => ord == Ordering::Greater,
        MetaOp::Ge => ord != Ordering::Less,
        MetaOp::Lt => ord == Ordering::Less,
        MetaOp::Le => ord != Ordering::Greater,
        MetaOp::Eq | MetaOp::Ne => unreachable!("equality is handled apart"),
    };
    match op {
        MetaOp::Eq => metadata_equals(stored, wanted),
        MetaOp::Ne => {
            matches!(stored, Value::String(_) | Value::Number(_) | Value::Bool(_))
                && !metadata_equals(stored, wanted)
        }
        _ => match (wanted_number, stored) {
            (Some(w), Value::Number(n)) => n.as_f64().and_then(|v| v.partial_cmp(&w)).is_some_and(ordering),
            (None, Value::String(s)) => ordering(s.as_bytes().cmp(wanted.as_bytes())),
            _ => false,
        },
    }
}

impl TermKind {
    /// Whether the positive form holds for `entry`.
    pub fn holds(&self, entry: &NewLogEntry) -> bool {
        match self {
            Self::Text(needle) => contains_case_insensitive(&entry.message, needle),
            Self::Levels(levels) => levels.contains(&entry.level),
            Self::Source(source) => entry.source_str() == Some(source.as_str()),
            Self::Tag(tag) => entry.tags.iter().any(|t| t == tag),
            Self::Server(server) => entry.server_id_str() == Some(server.as_str()),
            Self::Meta(condition) => condition.holds(entry.metadata.get(&condition.key)),
        }
    }
}

impl Term {
    /// A positive term.
    pub fn is(kind: TermKind) -> Self {
        Self { negated: false, kind }
    }

    /// A negated term.
    pub fn not(kind: TermKind) -> Self {
        Self { negated: true, kind }
    }

    /// Whether the term (negation included) holds for `entry`.
    pub fn matches(&self, entry: &NewLogEntry) -> bool {
        self.kind.holds(entry) != self.negated
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn holds(stored: Value, op: MetaOp, wanted: &str) -> bool {
        MetaCondition { key: "k".into(), op, value: wanted.into() }.holds(Some(&stored))
    }

    #[test]
    fn ordering_compares_numbers_as_numbers_and_strings_as_strings() {
        assert!(holds(json!(503), MetaOp::Ge, "500"));
        assert!(holds(json!(500.0), MetaOp::Ge, "500"));
        assert!(!holds(json!(499), MetaOp::Ge, "500"));
        assert!(holds(json!(10), MetaOp::Gt, "9"), "10 > 9 as numbers, not as text");
        assert!(!holds(json!("503"), MetaOp::Ge, "500"), "a string is not a number");
        assert!(holds(json!("b"), MetaOp::Gt, "a"));
        assert!(!holds(json!(1), MetaOp::Gt, "a"), "a number is not a string");
        assert!(holds(json!(-2), MetaOp::Lt, "-1.5"));
        assert!(holds(json!(1000), MetaOp::Le, "1e3"));
        assert!(!holds(json!(true), MetaOp::Gt, "0"));
        assert!(!holds(Value::Null, MetaOp::Lt, "1"));
    }

    #[test]
    fn equality_is_metadata_equals_and_inequality_needs_a_scalar() {
        assert!(holds(json!(42), MetaOp::Eq, "42"));
        assert!(!holds(json!(42.0), MetaOp::Eq, "42"), "by JSON text, like the meta. parameter");
        assert!(holds(json!("eu-1"), MetaOp::Ne, "us-2"));
        assert!(!holds(json!("eu-1"), MetaOp::Ne, "eu-1"));
        assert!(!holds(Value::Null, MetaOp::Ne, "x"));
        assert!(!holds(json!({"a": 1}), MetaOp::Ne, "x"));
        let missing = MetaCondition { key: "k".into(), op: MetaOp::Ne, value: "x".into() };
        assert!(!missing.holds(None));
    }

    #[test]
    fn only_plain_decimals_are_numbers() {
        assert_eq!(meta_number("500"), Some(500.0));
        assert_eq!(meta_number("-1.5e2"), Some(-150.0));
        for not in ["NaN", "inf", "infinity", "", "1e999", "0x10", "1_000"] {
            assert_eq!(meta_number(not), None, "{not}");
        }
    }
}
