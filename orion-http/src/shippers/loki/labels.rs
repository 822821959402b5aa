//! Loki's label sets in Prometheus syntax (`{a="b", c="d"}`), and why one
//! was refused ([`LabelError`]: its message is the `streams.labels` field
//! error a shipper gets back).

/// What is wrong with a label set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// The set does not start with `{`.
    #[error("labels must start with `{{`")]
    NoOpeningBrace,
    /// A label without a name (`{="a"}`).
    #[error("a label name is missing")]
    NoName,
    /// A label name not followed by `=`.
    #[error("`=` expected after the label `{0}`")]
    NoEquals(String),
    /// `name=` not followed by `"`.
    #[error("the value of `{0}` must be a quoted string")]
    NotQuoted(String),
    /// A value whose closing `"` never comes.
    #[error("the value of `{0}` is not terminated")]
    NotTerminated(String),
    /// A label followed by neither `,` nor `}`.
    #[error("`,` or `}}` expected after a label")]
    NoSeparator,
    /// Text after the closing `}`.
    #[error("unexpected text after `}}`")]
    TrailingText,
}

/// A label set in Prometheus syntax (`{a="b", c="d"}`), in order.
pub fn parse_labels(raw: &str) -> Result<Vec<(String, String)>, LabelError> {
    let mut chars = raw.trim().chars().peekable();
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    if chars.next() != Some('{') {
        return Err(LabelError::NoOpeningBrace);
    }
    let mut labels = Vec::new();
    loop {
        skip_ws(&mut chars);
        if chars.peek() == Some(&'}') {
            chars.next();
            break;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        if name.is_empty() {
            return Err(LabelError::NoName);
        }
        skip_ws(&mut chars);
        if chars.next() != Some('=') {
            return Err(LabelError::NoEquals(name));
        }
        skip_ws(&mut chars);
        if chars.next() != Some('"') {
            return Err(LabelError::NotQuoted(name));
        }
        let mut value = String::new();
        loop {
            match chars.next() {
                None => return Err(LabelError::NotTerminated(name)),
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some(c) => value.push(c),
                    None => return Err(LabelError::NotTerminated(name)),
                },
                Some(c) => value.push(c),
            }
        }
        labels.push((name, value));
        skip_ws(&mut chars);
        match chars.next() {
            Some(',') => {}
            Some('}') => break,
            _ => return Err(LabelError::NoSeparator),
        }
    }
    skip_ws(&mut chars);
    if chars.next().is_some() {
        return Err(LabelError::TrailingText);
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_sets_in_prometheus_syntax() {
        assert_eq!(
            parse_labels(r#"{job="api", level="warn",msg="a \"b\"\n"}"#).unwrap(),
            [
                ("job".into(), "api".into()),
                ("level".into(), "warn".into()),
                ("msg".into(), "a \"b\"\n".into())
            ]
        );
        assert!(parse_labels("{}").unwrap().is_empty());
        for bad in ["", "job=\"a\"", "{job}", "{job=a}", "{job=\"a\"", "{job=\"a\"} x", "{=\"a\"}"] {
            assert!(parse_labels(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refusals_read_as_shippers_see_them() {
        let cases = [
            ("job", "labels must start with `{`"),
            ("{=\"a\"}", "a label name is missing"),
            ("{job}", "`=` expected after the label `job`"),
            ("{job=a}", "the value of `job` must be a quoted string"),
            ("{job=\"a", "the value of `job` is not terminated"),
            ("{job=\"a\" x}", "`,` or `}` expected after a label"),
            ("{job=\"a\"} x", "unexpected text after `}`"),
        ];
        for (raw, message) in cases {
            assert_eq!(parse_labels(raw).map_err(|e| e.to_string()), Err(message.to_owned()), "{raw}");
        }
    }
}
