//! The body of `POST /api/agent/log` (one entry object or an array of
//! them) turned into inputs for the log service, every wire-type problem
//! named by entry index and field at once.

use orion_core::error::FieldError;
use orion_core::service::LogInput;
use serde_json::Value;

use super::logs::IngestEntry;
use crate::error::ApiError;
use crate::filters::strip_position;

/// One entry or an array of entries → inputs for the service.
///
/// The common case (well-formed entries) is parsed straight into typed
/// entries; only when that fails is the body re-read as a JSON tree, to
/// tell malformed JSON from wrong shapes and to name every bad entry.
pub fn parse_batch(body: &[u8]) -> Result<Vec<LogInput>, ApiError> {
    let typed = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => serde_json::from_slice::<Vec<IngestEntry>>(body).ok(),
        Some(b'{') => serde_json::from_slice::<IngestEntry>(body).ok().map(|entry| vec![entry]),
        _ => None,
    };
    if let Some(entries) = typed {
        return Ok(entries.into_iter().map(LogInput::from).collect());
    }
    let tree: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_json(format!("the request body is not valid JSON: {e}")))?;
    let items = match tree {
        Value::Array(items) => items,
        entry @ Value::Object(_) => vec![entry],
        _ => {
            let err = FieldError::new("body", "must be a log entry object or an array of them");
            return Err(ApiError::validation(vec![err]));
        }
    };
    let mut inputs = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        if !item.is_object() {
            errors.push(FieldError {
                index: Some(index),
                field: "entry".into(),
                message: "must be a JSON object".into(),
            });
            continue;
        }
        match serde_path_to_error::deserialize::<_, IngestEntry>(item) {
            Ok(entry) => inputs.push(LogInput::from(entry)),
            Err(err) => errors.push(FieldError {
                index: Some(index),
                field: err.path().to_string(),
                message: strip_position(&err.into_inner().to_string()),
            }),
        }
    }
    if errors.is_empty() { Ok(inputs) } else { Err(ApiError::validation(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(body: &str) -> Vec<(Option<usize>, String)> {
        let err = parse_batch(body.as_bytes()).unwrap_err();
        assert_eq!(err.code, "validation_failed", "{err:?}");
        err.details.into_iter().map(|d| (d.index, d.field)).collect()
    }

    #[test]
    fn one_object_or_an_array_is_accepted() {
        let one = parse_batch(br#" {"message": "hi", "level": "warn", "tags": ["a"]}"#).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!((one[0].message.as_str(), one[0].level.as_deref()), ("hi", Some("warn")));
        assert_eq!(parse_batch(br#"[{"message": "a"}, {"message": "b"}]"#).unwrap().len(), 2);
        assert!(parse_batch(b"[]").unwrap().is_empty());
    }

    #[test]
    fn every_entry_with_a_wrong_type_is_named_by_index_and_field() {
        let body = r#"[{"message": "ok"}, {"message": 5}, 7, {"message": "x", "tags": ["a", 1]}]"#;
        assert_eq!(
            problems(body),
            [(Some(1), "message".into()), (Some(2), "entry".into()), (Some(3), "tags[1]".into())]
        );
        assert_eq!(problems(r#"{"message": "x", "level": 3}"#), [(Some(0), "level".into())]);
    }

    #[test]
    fn malformed_json_and_other_shapes_are_refused() {
        assert_eq!(parse_batch(b"[{\"message\": ").unwrap_err().code, "invalid_json");
        assert_eq!(parse_batch(b"").unwrap_err().code, "invalid_json");
        assert_eq!(problems("\"hello\""), [(None, "body".into())]);
    }

    #[test]
    fn a_missing_message_is_left_to_the_service() {
        assert_eq!(parse_batch(br#"{"level": "info"}"#).unwrap()[0].message, "");
    }
}
