//! RFC 5424's STRUCTURED-DATA (`-` or `[id k="v" ...]...`) and why a
//! message's was refused ([`SdError`]: its text is stored as the entry's
//! `parseError`, so it says where the data went wrong).

use serde_json::{Map, Value};

/// What is wrong with a message's structured data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum SdError {
    /// `[` followed by a space or `]`.
    #[error("a structured-data element has no id")]
    NoId,
    /// A parameter name not followed by `=`.
    #[error("the parameter `{name}` of `{id}` has no value")]
    NoValue {
        /// The parameter.
        name: String,
        /// Its element.
        id: String,
    },
    /// `name=` not followed by `"`.
    #[error("the value of `{name}` in `{id}` is not quoted")]
    NotQuoted {
        /// The parameter.
        name: String,
        /// Its element.
        id: String,
    },
    /// A value whose closing `"` never comes.
    #[error("the value of `{name}` in `{id}` is not terminated")]
    NotTerminated {
        /// The parameter.
        name: String,
        /// Its element.
        id: String,
    },
    /// An element whose `]` never comes.
    #[error("the structured-data element `{0}` is not closed")]
    NotClosed(String),
    /// Something other than a space between the data and the message.
    #[error("unexpected text after the structured data at byte {0}")]
    TrailingText(usize),
}

pub(super) type Elements = Vec<(String, Map<String, Value>)>;

/// `-` or `[id k="v" ...]...`, then the message.
pub(super) fn structured_data(rest: &str) -> Result<(Elements, String), SdError> {
    if let Some(msg) = rest.strip_prefix('-') {
        return Ok((Vec::new(), msg.strip_prefix(' ').unwrap_or(msg).to_owned()));
    }
    let mut elements = Vec::new();
    let mut chars = rest.char_indices().peekable();
    while let Some(&(_, '[')) = chars.peek() {
        chars.next();
        let mut id = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if c == ' ' || c == ']' {
                break;
            }
            id.push(c);
            chars.next();
        }
        if id.is_empty() {
            return Err(SdError::NoId);
        }
        let mut params = Map::new();
        loop {
            match chars.next() {
                Some((_, ']')) => break,
                Some((_, ' ')) => {}
                Some((_, c)) => {
                    let mut name = c.to_string();
                    loop {
                        match chars.next() {
                            Some((_, '=')) => break,
                            Some((_, c)) if c != ' ' && c != ']' && c != '"' => name.push(c),
                            _ => return Err(SdError::NoValue { name, id }),
                        }
                    }
                    if !matches!(chars.next(), Some((_, '"'))) {
                        return Err(SdError::NotQuoted { name, id });
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '"')) => break,
                            Some((_, '\\')) => match chars.next() {
                                Some((_, c @ ('"' | '\\' | ']'))) => value.push(c),
                                Some((_, c)) => {
                                    value.push('\\');
                                    value.push(c);
                                }
                                None => return Err(SdError::NotTerminated { name, id }),
                            },
                            Some((_, c)) => value.push(c),
                            None => return Err(SdError::NotTerminated { name, id }),
                        }
                    }
                    params.insert(name, Value::String(value));
                }
                None => return Err(SdError::NotClosed(id)),
            }
        }
        elements.push((id, params));
    }
    let msg = match chars.next() {
        None => String::new(),
        Some((i, ' ')) => rest[i + 1..].to_owned(),
        Some((i, _)) => return Err(SdError::TrailingText(i)),
    };
    Ok((elements, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_and_the_message_are_split() {
        let (elements, msg) = structured_data(r#"[a@1 k="v\"q"][b] hello"#).unwrap();
        assert_eq!(msg, "hello");
        assert_eq!(elements[0].0, "a@1");
        assert_eq!(elements[0].1["k"], Value::String("v\"q".into()));
        assert_eq!(elements[1].0, "b");
        assert_eq!(structured_data("- hi").unwrap(), (Vec::new(), "hi".to_owned()));
    }

    #[test]
    fn refusals_say_where_the_data_went_wrong() {
        let cases = [
            ("[ x]", "a structured-data element has no id"),
            ("[a k]", "the parameter `k` of `a` has no value"),
            ("[a k=v]", "the value of `k` in `a` is not quoted"),
            (r#"[a k="v"#, "the value of `k` in `a` is not terminated"),
            (r#"[a k="v""#, "the structured-data element `a` is not closed"),
            ("[a]x", "unexpected text after the structured data at byte 3"),
        ];
        for (raw, message) in cases {
            assert_eq!(structured_data(raw).map_err(|e| e.to_string()), Err(message.to_owned()), "{raw}");
        }
    }
}
