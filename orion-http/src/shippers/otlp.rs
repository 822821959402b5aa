//! `POST /otlp/v1/logs`: OTLP/HTTP logs, so `OTEL_EXPORTER_OTLP_ENDPOINT=
//! http://host:3001/otlp` works for every OpenTelemetry SDK and the
//! Collector's `otlphttp` exporter.
//!
//! - `Content-Type: application/x-protobuf` (or `application/protobuf`):
//!   a binary `ExportLogsServiceRequest`; `application/json`: its OTLP/JSON
//!   form (hex trace and span ids, enums as integers, 64-bit integers as
//!   strings or numbers, unknown fields ignored). Anything else is 415.
//! - `Content-Encoding: gzip` (or `deflate`, or none).
//! - Success: 200 with an empty `ExportLogsServiceResponse` in the
//!   request's encoding (every record was stored, so no partial success).
//! - Errors: for a protobuf request, a protobuf `google.rpc.Status` with the
//!   gRPC code matching the HTTP status, as OTLP/HTTP specifies; for a JSON
//!   request, Orion's JSON error body. `Retry-After` on 429 and 503 either
//!   way (OTLP exporters honour it).
//!
//! Mapping (one entry per log record): body → message (a string as is,
//! anything else as JSON; no body → the event name, else `(empty)`);
//! severity number → level (1–4 trace … 21–24 fatal), else the severity
//! text, else `info`; time, else observed time, else the time received →
//! timestamp; the resource's `service.name` → source (unless the token is
//! bound to one); metadata: the record's attributes by key, `resource`
//! (the resource's attributes), `scope` (`name`, `version`), `traceId`,
//! `spanId` (hex), `eventName`, `severityText` when it is not a known
//! level, and `truncated: true` when the message was cut to 64 KiB.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use orion_core::Orion;
use orion_core::service::{LogInput, Principal};
use prost::Message;
use serde_json::{Map, Value, json};
use warp::Filter;
use warp::http::{HeaderValue, Method, StatusCode, header};
use warp::reply::Response;

use super::{
    DECODED_BODY_LIMIT, SHIPPER_BODY_LIMIT, auth, decode, invalid_body, map, store, unsupported, writer,
};
use crate::error::ApiError;
use crate::filters::{Body, body, orion as with_orion};
use crate::routes::Routes;

/// The OTLP route.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::POST, "/otlp/v1/logs", export(orion))
}

/// How the request (and so the answer) is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-protobuf`.
    Protobuf,
    /// `application/json`.
    Json,
}

impl Encoding {
    /// From a `Content-Type` (parameters ignored); `None` when neither.
    pub fn of(content_type: Option<&str>) -> Option<Self> {
        let essence = content_type?.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/x-protobuf" | "application/protobuf" => Some(Self::Protobuf),
            "application/json" => Some(Self::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Protobuf => "application/x-protobuf",
            Self::Json => "application/json",
        }
    }
}

fn export(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("otlp" / "v1" / "logs")
        .and(warp::post())
        .and(auth::caller(orion))
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::header::optional::<String>("content-encoding"))
        .and(body(SHIPPER_BODY_LIMIT))
        .and(with_orion(orion))
        .then(
            |who, content_type: Option<String>, encoding: Option<String>, body: Body, orion: Orion| async move {
                // Errors before the encoding is known are answered as protobuf
                // when the request says so, else as JSON.
                let answer_in = Encoding::of(content_type.as_deref()).unwrap_or(Encoding::Json);
                match handle(who, content_type.as_deref(), encoding.as_deref(), body, &orion).await {
                    Ok(encoding) => success(encoding),
                    Err(err) => failure(answer_in, err),
                }
            },
        )
}

async fn handle(
    who: Result<Principal, ApiError>,
    content_type: Option<&str>,
    encoding: Option<&str>,
    body: Body,
    orion: &Orion,
) -> Result<Encoding, ApiError> {
    let who = writer(who)?;
    let format = Encoding::of(content_type)
        .ok_or_else(|| unsupported("OTLP/HTTP bodies are `application/x-protobuf` or `application/json`"))?;
    let bytes = decode::content_encoding(encoding, body.bytes()?, DECODED_BODY_LIMIT)?;
    let request = parse(format, &bytes)?;
    store(orion, &who, inputs(request)).await?;
    Ok(format)
}

/// Decodes a request body (already decompressed).
pub fn parse(format: Encoding, bytes: &[u8]) -> Result<ExportLogsServiceRequest, ApiError> {
    match format {
        Encoding::Protobuf => ExportLogsServiceRequest::decode(bytes)
            .map_err(|e| invalid_body(format!("the body is not a valid OTLP ExportLogsServiceRequest: {e}"))),
        Encoding::Json => serde_json::from_slice(bytes).map_err(|e| {
            ApiError::invalid_json(format!("the body is not a valid OTLP/JSON ExportLogsServiceRequest: {e}"))
        }),
    }
}

/// One input per log record, in order.
pub fn inputs(request: ExportLogsServiceRequest) -> Vec<LogInput> {
    let mut out = Vec::new();
    for resource_logs in request.resource_logs {
        let resource_attrs = resource_logs.resource.map(|r| r.attributes).unwrap_or_default();
        let service =
            resource_attrs.iter().find(|kv| kv.key == "service.name").and_then(|kv| match &kv.value {
                Some(AnyValue { value: Some(any_value::Value::StringValue(s)) }) => map::source(s),
                _ => None,
            });
        let resource = attributes(&resource_attrs);
        for scope_logs in resource_logs.scope_logs {
            let scope = scope_logs.scope.filter(|s| !s.name.is_empty()).map(|s| {
                let mut scope = Map::new();
                scope.insert("name".into(), Value::String(s.name));
                if !s.version.is_empty() {
                    scope.insert("version".into(), Value::String(s.version));
                }
                Value::Object(scope)
            });
            for record in scope_logs.log_records {
                let mut metadata = attributes(&record.attributes);
                let mut add = |key: &str, value: Value| {
                    metadata.entry(key.to_owned()).or_insert(value);
                };
                if !resource.is_empty() {
                    add("resource", Value::Object(resource.clone()));
                }
                if let Some(scope) = &scope {
                    add("scope", scope.clone());
                }
                if !record.trace_id.is_empty() {
                    add("traceId", Value::String(hex(&record.trace_id)));
                }
                if !record.span_id.is_empty() {
                    add("spanId", Value::String(hex(&record.span_id)));
                }
                if !record.event_name.is_empty() {
                    add("eventName", Value::String(record.event_name.clone()));
                }
                let level =
                    map::otlp_severity(record.severity_number).or_else(|| map::level(&record.severity_text));
                if level.is_none() && !record.severity_text.trim().is_empty() {
                    add("severityText", Value::String(record.severity_text.clone()));
                }
                let message = match record.body.and_then(|b| b.value) {
                    Some(any_value::Value::StringValue(s)) => s,
                    Some(other) => any_to_json(Some(other)).to_string(),
                    None => record.event_name.clone(),
                };
                let (message, truncated) = map::message(message);
                if truncated {
                    add("truncated", Value::Bool(true));
                }
                out.push(LogInput {
                    message,
                    level: Some(level.unwrap_or(orion_core::model::log::Level::Info).as_str().to_owned()),
                    timestamp: map::nanos(record.time_unix_nano)
                        .or_else(|| map::nanos(record.observed_time_unix_nano)),
                    metadata: Some(Value::Object(metadata)),
                    tags: None,
                    source: service.clone(),
                });
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Attributes as a JSON object (a repeated key keeps its last value).
fn attributes(attrs: &[KeyValue]) -> Map<String, Value> {
    attrs.iter().map(|kv| (kv.key.clone(), any_to_json(kv.value.clone().and_then(|v| v.value)))).collect()
}

/// An `AnyValue` as JSON: bytes as base64, a key-value list as an object,
/// a non-finite double as `null`.
fn any_to_json(value: Option<any_value::Value>) -> Value {
    use any_value::Value as V;
    match value {
        None => Value::Null,
        Some(V::StringValue(s)) => Value::String(s),
        Some(V::BoolValue(b)) => Value::Bool(b),
        Some(V::IntValue(i)) => json!(i),
        Some(V::DoubleValue(d)) => serde_json::Number::from_f64(d).map_or(Value::Null, Value::Number),
        Some(V::ArrayValue(a)) => Value::Array(a.values.into_iter().map(|v| any_to_json(v.value)).collect()),
        Some(V::KvlistValue(kv)) => Value::Object(attributes(&kv.values)),
        Some(V::BytesValue(b)) => {
            use base64::Engine;
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Some(V::StringValueStrindex(_)) => Value::Null,
    }
}

fn success(encoding: Encoding) -> Response {
    // An empty ExportLogsServiceResponse: no bytes in protobuf, `{}` in JSON.
    let body: Vec<u8> = match encoding {
        Encoding::Protobuf => Vec::new(),
        Encoding::Json => b"{}".to_vec(),
    };
    let mut response = Response::new(body.into());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(encoding.content_type()));
    response
}

/// `google.rpc.Status`, the error body of OTLP/HTTP.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    /// The gRPC status code.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// A developer-facing message.
    #[prost(string, tag = "2")]
    pub message: String,
}

fn failure(encoding: Encoding, err: ApiError) -> Response {
    if encoding == Encoding::Json {
        return err.into_response();
    }
    let code = match err.status {
        StatusCode::UNAUTHORIZED => 16,           // UNAUTHENTICATED
        StatusCode::FORBIDDEN => 7,               // PERMISSION_DENIED
        StatusCode::TOO_MANY_REQUESTS => 8,       // RESOURCE_EXHAUSTED
        StatusCode::SERVICE_UNAVAILABLE => 14,    // UNAVAILABLE
        StatusCode::PAYLOAD_TOO_LARGE => 8,       // RESOURCE_EXHAUSTED
        StatusCode::UNSUPPORTED_MEDIA_TYPE => 12, // UNIMPLEMENTED
        s if s.is_client_error() => 3,            // INVALID_ARGUMENT
        _ => 13,                                  // INTERNAL
    };
    let mut message = err.message.clone();
    for detail in &err.details {
        let at = detail.index.map(|i| format!("record {i}: ")).unwrap_or_default();
        message.push_str(&format!("; {at}{}: {}", detail.field, detail.message));
    }
    let mut response = err.into_response();
    *response.body_mut() = Status { code, message }.encode_to_vec().into();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf"));
    response
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::resource::v1::Resource;

    use super::*;

    fn kv(key: &str, value: any_value::Value) -> KeyValue {
        KeyValue { key: key.into(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
    }

    #[test]
    fn a_record_maps_to_an_entry() {
        let request = ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: Some(Resource {
                    attributes: vec![kv(
                        "service.name",
                        any_value::Value::StringValue("Checkout API".into()),
                    )],
                    ..Default::default()
                }),
                scope_logs: vec![ScopeLogs {
                    scope: Some(InstrumentationScope { name: "app".into(), ..Default::default() }),
                    log_records: vec![LogRecord {
                        time_unix_nano: 1_700_000_000_000_000_000,
                        severity_number: 17,
                        severity_text: "ERROR".into(),
                        body: Some(AnyValue { value: Some(any_value::Value::StringValue("boom".into())) }),
                        attributes: vec![kv("user.id", any_value::Value::IntValue(42))],
                        trace_id: vec![0xab; 16],
                        span_id: vec![0xcd; 8],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let bytes = request.encode_to_vec();
        let entries = inputs(parse(Encoding::Protobuf, &bytes).unwrap());
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!((e.message.as_str(), e.level.as_deref()), ("boom", Some("error")));
        assert_eq!(e.source.as_deref(), Some("checkout-api"));
        assert_eq!(e.timestamp.as_deref(), Some("2023-11-14T22:13:20.000000000Z"));
        let m = e.metadata.as_ref().unwrap();
        assert_eq!(m["user.id"], 42);
        assert_eq!(m["traceId"], "ab".repeat(16));
        assert_eq!(m["spanId"], "cd".repeat(8));
        assert_eq!(m["resource"]["service.name"], "Checkout API");
        assert_eq!(m["scope"]["name"], "app");
    }

    #[test]
    fn otlp_json_follows_the_json_mapping_rules() {
        let body = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
          "scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":13,
          "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","unknownField":1,
          "body":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"7"}}]}}}]}]}]}"#;
        let entries = inputs(parse(Encoding::Json, body.as_bytes()).unwrap());
        let e = &entries[0];
        assert_eq!(e.level.as_deref(), Some("warn"));
        assert_eq!(e.message, r#"{"a":7}"#);
        assert_eq!(e.metadata.as_ref().unwrap()["traceId"], "5b8efff798038103d269b633813fc60c");
        assert_eq!(e.source.as_deref(), Some("web"));
    }

    #[test]
    fn content_types() {
        assert_eq!(Encoding::of(Some("application/x-protobuf")), Some(Encoding::Protobuf));
        assert_eq!(Encoding::of(Some("Application/JSON; charset=utf-8")), Some(Encoding::Json));
        assert_eq!(Encoding::of(Some("text/plain")), None);
        assert_eq!(Encoding::of(None), None);
    }
}
