//! The compact query string of every log route (`q=`), parsed into
//! [`Term`]s (never into SQL text). Whitespace-separated terms, all of
//! which must hold:
//!
//! | term | meaning |
//! |---|---|
//! | `timeout`, `"connection refused"` | case-insensitive substring of the message |
//! | `level:error`, `level:error,fatal` | the level is one of these |
//! | `level>=warn` (also `>`, `<`, `<=`) | the level compares so |
//! | `source:api`, `server:web-1` | exact source name / server id |
//! | `tag:checkout` | the entry carries the tag (repeat for all-of) |
//! | `meta.status>=500` (`= != > >= < <=`) | see [`MetaCondition`] |
//! | `-term` | the term must not hold |
//!
//! Field names (`level`, `source`, `tag`, `server`, `meta.`) are matched
//! in any ASCII case; a word with any other `name:` prefix is text
//! (`http://x` searches for `http://x`). A value may be quoted
//! (`source:"my app"`, `meta.path="/a b"`). Inside quotes `\"` is a quote
//! and `\\` a backslash; any other backslash is kept. A leading `-` always
//! negates: search for `-1` with `"-1"`.
//!
//! Errors name the problem and its position ([`QueryError`], a byte
//! offset shown as "at character N", like the alert condition language).
//! The query is bounded: at most [`MAX_QUERY_BYTES`] bytes and
//! [`MAX_TERMS`] terms.
//!
//! [`MetaCondition`]: super::term::MetaCondition

use std::fmt;

use super::Level;
use super::term::{MetaCondition, MetaOp, Term, TermKind};

/// Longest query string, in bytes.
pub const MAX_QUERY_BYTES: usize = 2_048;
/// Most terms in one query string.
pub const MAX_TERMS: usize = 32;

/// Why a query string did not parse: what is wrong and where (0-based
/// byte offset into the text as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Byte offset of the problem.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl std::error::Error for QueryError {}

/// Parses a query string into its terms, in order. An empty or blank
/// string has none (matches everything).
pub fn parse_query(text: &str) -> Result<Vec<Term>, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(QueryError {
            position: floor_char_boundary(text, MAX_QUERY_BYTES),
            message: format!("the query is longer than {MAX_QUERY_BYTES} bytes"),
        });
    }
    let mut parser = Parser { text, pos: 0 };
    let mut terms = Vec::new();
    loop {
        parser.skip_whitespace();
        if parser.pos == text.len() {
            return Ok(terms);
        }
        if terms.len() == MAX_TERMS {
            return Err(parser.error(parser.pos, format!("a query holds at most {MAX_TERMS} terms")));
        }
        terms.push(parser.term()?);
        // A term ends at whitespace or the end: `"a"b` is a mistake.
        if let Some(c) = parser.peek()
            && !c.is_whitespace()
        {
            return Err(parser.error(parser.pos, format!("expected a space before `{c}`")));
        }
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `raw` for an error message, cut to 32 characters.
fn quote(raw: &str) -> String {
    const MAX: usize = 32;
    if raw.chars().count() <= MAX {
        raw.to_owned()
    } else {
        format!("{}…", raw.chars().take(MAX).collect::<String>())
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

/// Characters that end a metadata key.
fn ends_key(c: char) -> bool {
    c.is_whitespace() || matches!(c, '=' | '!' | '<' | '>' | '"')
}

impl Parser<'_> {
    fn error(&self, position: usize, message: String) -> QueryError {
        QueryError { position, message }
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Whether the rest starts with `prefix` in any ASCII case.
    fn at_field(&self, prefix: &str) -> bool {
        self.rest().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    }

    fn term(&mut self) -> Result<Term, QueryError> {
        let start = self.pos;
        let negated = self.peek() == Some('-');
        if negated {
            self.pos += 1;
            match self.peek() {
                None => return Err(self.error(start, "`-` must be followed by a term to exclude".into())),
                Some(c) if c.is_whitespace() => {
                    return Err(self.error(start, "`-` must be followed by a term to exclude".into()));
                }
                Some('-') => {
                    return Err(self
                        .error(self.pos, "a term is negated once; quote text that starts with `-`".into()));
                }
                Some(_) => {}
            }
        }
        let kind = self.kind()?;
        Ok(Term { negated, kind })
    }

    fn kind(&mut self) -> Result<TermKind, QueryError> {
        if self.peek() == Some('"') {
            let at = self.pos;
            let phrase = self.phrase()?;
            if phrase.is_empty() {
                return Err(self.error(at, "an empty phrase `\"\"` matches every message; remove it".into()));
            }
            return Ok(TermKind::Text(phrase));
        }
        if self.at_field("meta.") {
            return self.meta();
        }
        if self.at_field("level") && matches!(self.rest()[5..].chars().next(), Some(':' | '<' | '>')) {
            self.pos += 5;
            return self.levels();
        }
        for (name, make) in [
            ("source:", TermKind::Source as fn(String) -> TermKind),
            ("tag:", TermKind::Tag),
            ("server:", TermKind::Server),
        ] {
            if self.at_field(name) {
                self.pos += name.len();
                let value = self.value(&name[..name.len() - 1])?;
                return Ok(make(value));
            }
        }
        Ok(TermKind::Text(self.word().to_owned()))
    }

    /// A bare word: everything up to whitespace.
    fn word(&mut self) -> &str {
        let rest = &self.text[self.pos..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }

    /// A quoted phrase, the cursor on its opening quote.
    fn phrase(&mut self) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.clone().next() {
                    Some((_, escaped @ ('"' | '\\'))) => {
                        chars.next();
                        out.push(escaped);
                    }
                    _ => out.push('\\'),
                },
                other => out.push(other),
            }
        }
        Err(self.error(open, "this quote is never closed".into()))
    }

    /// The value of `field:` (quoted or bare), never empty.
    fn value(&mut self, field: &str) -> Result<String, QueryError> {
        let at = self.pos;
        let value = if self.peek() == Some('"') { self.phrase()? } else { self.word().to_owned() };
        if value.is_empty() {
            return Err(self.error(at, format!("expected a value after `{field}:`")));
        }
        Ok(value)
    }

    /// After `level`: `:a,b`, or an order operator and one level.
    fn levels(&mut self) -> Result<TermKind, QueryError> {
        let op_at = self.pos;
        let rest = self.rest();
        let (symbol, keep): (&str, fn(Level, Level) -> bool) = if rest.starts_with(">=") {
            (">=", |l, m| l >= m)
        } else if rest.starts_with("<=") {
            ("<=", |l, m| l <= m)
        } else if rest.starts_with('>') {
            (">", |l, m| l > m)
        } else if rest.starts_with('<') {
            ("<", |l, m| l < m)
        } else {
            (":", |_, _| true)
        };
        self.pos += symbol.len();
        let list_at = self.pos;
        let raw = self.word();
        if raw.is_empty() {
            return Err(self.error(op_at, format!("expected a level after `level{symbol}`")));
        }
        let mut levels = Vec::new();
        let mut offset = list_at;
        for item in raw.split(',') {
            let level = Level::parse(item).filter(|_| !item.is_empty()).ok_or_else(|| QueryError {
                position: offset,
                message: if item.is_empty() {
                    "expected a level between the commas".into()
                } else {
                    format!("unknown level `{}`; use trace, debug, info, warn, error or fatal", quote(item))
                },
            })?;
            if symbol != ":" {
                if raw.contains(',') {
                    return Err(QueryError {
                        position: list_at,
                        message: format!("`level{symbol}` takes one level; use `level:a,b` for a list"),
                    });
                }
                levels = Level::ALL.iter().copied().filter(|&l| keep(l, level)).collect();
            } else if !levels.contains(&level) {
                levels.push(level);
            }
            offset += item.len() + 1;
        }
        Ok(TermKind::Levels(levels))
    }

    /// `meta.<key><op><value>`, the cursor on `meta.`.
    fn meta(&mut self) -> Result<TermKind, QueryError> {
        let start = self.pos;
        self.pos += "meta.".len();
        let rest = self.rest();
        let key_len = rest.find(ends_key).unwrap_or(rest.len());
        let key = rest[..key_len].to_owned();
        if key.is_empty() {
            return Err(self.error(self.pos, "expected a metadata key after `meta.`".into()));
        }
        self.pos += key_len;
        let rest = self.rest();
        let op = [
            ("!=", MetaOp::Ne),
            (">=", MetaOp::Ge),
            ("<=", MetaOp::Le),
            ("=", MetaOp::Eq),
            (">", MetaOp::Gt),
            ("<", MetaOp::Lt),
        ]
        .into_iter()
        .find(|(symbol, _)| rest.starts_with(symbol));
        let Some((symbol, op)) = op else {
            let found = rest.chars().next().map_or("the end".to_owned(), |c| format!("`{c}`"));
            return Err(self.error(
                self.pos,
                format!(
                    "expected an operator (=, !=, >, >=, <, <=) after `meta.{}` but found {found}",
                    quote(&key)
                ),
            ));
        };
        self.pos += symbol.len();
        let value_at = self.pos;
        let value = if self.peek() == Some('"') { self.phrase()? } else { self.word().to_owned() };
        if value.is_empty() && !self.text[value_at..].starts_with('"') {
            return Err(
                self.error(value_at, format!("expected a value after `meta.{}{symbol}`", quote(&key)))
            );
        }
        debug_assert!(start < self.pos);
        Ok(TermKind::Meta(MetaCondition { key, op, value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_query_has_no_terms() {
        assert_eq!(parse_query("  \t ").unwrap(), []);
    }

    #[test]
    fn a_quoted_value_may_hold_spaces_and_escapes() {
        assert_eq!(
            parse_query(r#"source:"my app" "say \"hi\" C:\temp""#).unwrap(),
            [
                Term::is(TermKind::Source("my app".into())),
                Term::is(TermKind::Text(r#"say "hi" C:\temp"#.into()))
            ]
        );
    }
}
