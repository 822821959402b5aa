//! `POST /loki/api/v1/push`: the Loki push API, so Promtail, Grafana
//! Alloy, Vector's `loki` sink, Fluent Bit's `loki` output and Loki client
//! libraries can point at `http://host:3001/loki`.
//!
//! - `Content-Type: application/json`: `{"streams": [{"stream": {labels},
//!   "values": [["<unix ns>", "<line>", {structured metadata}?], ...]}]}`,
//!   optionally with `Content-Encoding: gzip`;
//! - anything else (`application/x-protobuf`, the default of every
//!   shipper, or no type, as Loki itself reads it): a snappy block holding
//!   a `logproto.PushRequest`.
//! - Success: 204 with no body. Errors: Orion's JSON error body.
//! - `GET /ready` answers `ready`, as Loki does: Vector's `loki` sink
//!   checks it before it sends (its endpoint is the server's root).
//!
//! Mapping (one entry per line): the line → message (`(empty)` when
//! blank, cut to 64 KiB with `truncated: true`); the `service_name`, else
//! `app`, else `job` label → source (unless the token is bound to one);
//! the `level` or `detected_level` label or structured metadata → level
//! (unknown or absent → `info`); the entry's time → timestamp; every label
//! and every structured-metadata pair → metadata (a label wins over a
//! pair of the same name).

use orion_core::Orion;
use orion_core::error::FieldError;
use orion_core::model::log::Level;
use orion_core::service::{LogInput, Principal};
use prost::Message;
use serde_json::{Map, Value};
use warp::Filter;
use warp::http::{HeaderValue, Method, header};
use warp::reply::Response;

use super::{DECODED_BODY_LIMIT, SHIPPER_BODY_LIMIT, auth, decode, invalid_body, map, store, writer};
use crate::error::ApiError;
use crate::filters::{Body, body, orion as with_orion};
use crate::respond::no_content;
use crate::routes::Routes;

mod labels;

pub use labels::{LabelError, parse_labels};

/// `logproto.PushRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct PushRequest {
    /// The streams.
    #[prost(message, repeated, tag = "1")]
    pub streams: Vec<StreamAdapter>,
}

/// `logproto.StreamAdapter`: one label set and its entries.
#[derive(Clone, PartialEq, Message)]
pub struct StreamAdapter {
    /// Labels in Prometheus syntax: `{job="api", level="info"}`.
    #[prost(string, tag = "1")]
    pub labels: String,
    /// The lines.
    #[prost(message, repeated, tag = "2")]
    pub entries: Vec<EntryAdapter>,
    /// Unused.
    #[prost(uint64, tag = "3")]
    pub hash: u64,
}

/// `logproto.EntryAdapter`: one line.
#[derive(Clone, PartialEq, Message)]
pub struct EntryAdapter {
    /// When.
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<Timestamp>,
    /// The line.
    #[prost(string, tag = "2")]
    pub line: String,
    /// Structured metadata.
    #[prost(message, repeated, tag = "3")]
    pub structured_metadata: Vec<LabelPairAdapter>,
    /// Labels parsed at query time (not sent by pushers; ignored).
    #[prost(message, repeated, tag = "4")]
    pub parsed: Vec<LabelPairAdapter>,
}

/// `logproto.LabelPairAdapter`.
#[derive(Clone, PartialEq, Message)]
pub struct LabelPairAdapter {
    /// Name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Message)]
pub struct Timestamp {
    /// Seconds since the epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds within the second.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// The Loki route.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::POST, "/loki/api/v1/push", push(orion)).add(Method::GET, "/ready", ready())
}

/// `GET /ready`: Loki's readiness probe, unauthenticated like Loki's (it
/// says only that the server is up, as `/api/health` does).
fn ready() -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("ready").and(warp::get()).map(|| {
        let mut response = Response::new("ready\n".into());
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        response
    })
}

fn push(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("loki" / "api" / "v1" / "push")
        .and(warp::post())
        .and(auth::caller(orion))
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::header::optional::<String>("content-encoding"))
        .and(body(SHIPPER_BODY_LIMIT))
        .and(with_orion(orion))
        .then(|who, content_type: Option<String>, encoding: Option<String>, body: Body, orion: Orion| async move {
            match handle(who, content_type.as_deref(), encoding.as_deref(), body, &orion).await {
                Ok(()) => no_content(),
                Err(err) => err.into_response(),
            }
        })
}

async fn handle(
    who: Result<Principal, ApiError>,
    content_type: Option<&str>,
    encoding: Option<&str>,
    body: Body,
    orion: &Orion,
) -> Result<(), ApiError> {
    let who = writer(who)?;
    let json = content_type
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    let bytes = decode::content_encoding(encoding, body.bytes()?, DECODED_BODY_LIMIT)?;
    let inputs = if json { parse_json(&bytes)? } else { parse_protobuf(&bytes)? };
    store(orion, &who, inputs).await?;
    Ok(())
}

/// A snappy-compressed `PushRequest` → inputs.
pub fn parse_protobuf(body: &[u8]) -> Result<Vec<LogInput>, ApiError> {
    let raw = decode::unsnappy(body, DECODED_BODY_LIMIT)?;
    let request = PushRequest::decode(&raw[..])
        .map_err(|e| invalid_body(format!("the body is not a valid Loki PushRequest: {e}")))?;
    let mut out = Vec::new();
    for (index, stream) in request.streams.into_iter().enumerate() {
        let labels = parse_labels(&stream.labels).map_err(|err| {
            ApiError::validation(vec![FieldError {
                index: Some(index),
                field: "streams.labels".into(),
                message: err.to_string(),
            }])
        })?;
        for entry in stream.entries {
            let pairs = entry.structured_metadata.into_iter().map(|p| (p.name, p.value)).collect();
            let time = entry.timestamp.and_then(|t| {
                let nanos = u32::try_from(t.nanos).ok()?;
                chrono::DateTime::from_timestamp(t.seconds, nanos).map(map::rfc3339)
            });
            out.push(input(&labels, pairs, entry.line, time));
        }
    }
    Ok(out)
}

/// The JSON form → inputs.
pub fn parse_json(body: &[u8]) -> Result<Vec<LogInput>, ApiError> {
    let tree: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_json(format!("the request body is not valid JSON: {e}")))?;
    let bad = |index: Option<usize>, field: &str, message: &str| {
        ApiError::validation(vec![FieldError { index, field: field.into(), message: message.into() }])
    };
    let streams = tree
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(None, "streams", "must be an array of streams"))?;
    let mut out = Vec::new();
    for (index, stream) in streams.iter().enumerate() {
        let mut labels = Vec::new();
        match stream.get("stream") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    let v = v
                        .as_str()
                        .ok_or_else(|| bad(Some(index), "stream", "label values must be strings"))?;
                    labels.push((k.clone(), v.to_owned()));
                }
            }
            Some(_) => return Err(bad(Some(index), "stream", "must be an object of labels")),
        }
        let values = stream
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(Some(index), "values", "must be an array of [time, line] pairs"))?;
        for value in values {
            let (time, line, pairs) = match value.as_array().map(Vec::as_slice) {
                Some([Value::String(t), Value::String(l)]) => (t, l, Vec::new()),
                Some([Value::String(t), Value::String(l), Value::Object(sm)]) => {
                    let pairs = sm
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)));
                    (t, l, pairs.collect())
                }
                _ => {
                    let message = "each value must be [\"<unix ns>\", \"<line>\"] or with an object of structured metadata";
                    return Err(bad(Some(index), "values", message));
                }
            };
            let ns: u64 = time
                .parse()
                .map_err(|_| bad(Some(index), "values", "the time must be a string of Unix nanoseconds"))?;
            out.push(input(&labels, pairs, line.clone(), map::nanos(ns)));
        }
    }
    Ok(out)
}

fn input(
    labels: &[(String, String)],
    pairs: Vec<(String, String)>,
    line: String,
    time: Option<String>,
) -> LogInput {
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| labels.iter().chain(pairs.iter()).find(|(k, _)| k == n).map(|(_, v)| v.as_str()))
    };
    let source = find(&["service_name", "app", "job"]).and_then(map::source);
    let level = find(&["level", "detected_level"]).and_then(map::level).unwrap_or(Level::Info);
    let mut metadata: Map<String, Value> =
        labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    for (k, v) in pairs {
        metadata.entry(k).or_insert(Value::String(v));
    }
    let (message, truncated) = map::message(line);
    if truncated {
        metadata.entry("truncated").or_insert(Value::Bool(true));
    }
    LogInput {
        message,
        level: Some(level.as_str().to_owned()),
        timestamp: time,
        metadata: Some(Value::Object(metadata)),
        tags: None,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snappy_push_maps_labels_and_structured_metadata() {
        let request = PushRequest {
            streams: vec![StreamAdapter {
                labels: r#"{service_name="Billing", level="error", env="prod"}"#.into(),
                entries: vec![EntryAdapter {
                    timestamp: Some(Timestamp { seconds: 1_700_000_000, nanos: 5 }),
                    line: "charge failed".into(),
                    structured_metadata: vec![LabelPairAdapter {
                        name: "trace_id".into(),
                        value: "abc".into(),
                    }],
                    parsed: vec![],
                }],
                hash: 0,
            }],
        };
        let body = snap::raw::Encoder::new().compress_vec(&request.encode_to_vec()).unwrap();
        let inputs = parse_protobuf(&body).unwrap();
        let e = &inputs[0];
        assert_eq!(
            (e.message.as_str(), e.level.as_deref(), e.source.as_deref()),
            ("charge failed", Some("error"), Some("billing"))
        );
        assert_eq!(e.timestamp.as_deref(), Some("2023-11-14T22:13:20.000000005Z"));
        let m = e.metadata.as_ref().unwrap();
        assert_eq!((m["env"].as_str(), m["trace_id"].as_str()), (Some("prod"), Some("abc")));
    }

    #[test]
    fn the_json_form() {
        let body = br#"{"streams": [{"stream": {"job": "cron"}, "values": [["1700000000000000000", "ran", {"detected_level": "debug"}], ["1700000000000000001", ""]]}]}"#;
        let inputs = parse_json(body).unwrap();
        assert_eq!(inputs.len(), 2);
        assert_eq!((inputs[0].level.as_deref(), inputs[0].source.as_deref()), (Some("debug"), Some("cron")));
        assert_eq!(inputs[1].message, map::EMPTY_MESSAGE);
        assert_eq!(
            parse_json(br#"{"streams": [{"values": [[1, "x"]]}]}"#).unwrap_err().code,
            "validation_failed"
        );
        assert_eq!(parse_json(b"{").unwrap_err().code, "invalid_json");
    }
}
