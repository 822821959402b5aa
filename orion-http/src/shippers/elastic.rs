//! The Elasticsearch bulk API at `/es`, so Filebeat, Logstash, Vector's
//! `elasticsearch` sink, Fluent Bit's `es` output and the Elasticsearch
//! clients can point at `http://host:3001/es`.
//!
//! Everything under `/es` needs a token with `logs:write` (401 → 403
//! first, as everywhere), and every answer carries `X-Elastic-Product:
//! Elasticsearch`, which the official clients check.
//!
//! - `POST`/`PUT /es/_bulk` and `/es/{index}/_bulk`: NDJSON action/document
//!   pairs, optionally gzip-compressed. `index` and `create` store the
//!   document; `delete` and `update` are refused per item (logs are
//!   append-only). A line that is not JSON, an action without its document
//!   or an unknown action is a 400 for the whole request.
//!   All or nothing: when any item is refused, nothing is stored; the
//!   refused items get `400` with the reason and every other item `429`
//!   (`es_rejected_execution_exception`), which every shipper resends on
//!   its own, so a resend without the refused items stores the rest.
//!   Otherwise every item is `201 created`. Past 10,000 documents the whole
//!   request is 413; back-pressure is a request-level 429.
//! - Probes, answered as an 8.x cluster would: `GET`/`HEAD /es` (cluster
//!   information), `_license`, `_cluster/health`, `_nodes/http`, `_xpack`;
//!   index templates (`_index_template`, `_template`,
//!   `_component_template`), ILM policies (`_ilm/policy`), data streams,
//!   aliases and indices exist (`HEAD`/`GET` → 200) and accept being
//!   created (`PUT` → `{"acknowledged": true}`).
//!
//! Mapping (one entry per document): `message`, else `log` (a string),
//! else `msg` → message (no such field: the document as JSON);
//! `@timestamp` → timestamp (RFC 3339 or epoch milliseconds; unparsable:
//! kept in metadata, time received); `level`, else `log.level` (dotted or
//! nested) → level (unknown → `info`, kept in metadata);
//! `service.name` (dotted or nested), else the index → source (unless the
//! token is bound to one); every other field → metadata, as sent, plus
//! `_index`.

use std::borrow::Cow;
use std::time::Instant;

use orion_core::Orion;
use orion_core::model::log::Level;
use orion_core::service::{LogInput, Principal};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use warp::Filter;
use warp::http::{HeaderValue, Method, StatusCode, header};
use warp::reply::Response;

use super::{DECODED_BODY_LIMIT, SHIPPER_BODY_LIMIT, auth, decode, invalid_body, map, store, writer};
use crate::error::ApiError;
use crate::filters::{Body, body, orion as with_orion};
use crate::routes::Routes;

/// The version Orion answers as: an 8.x cluster, as shippers require.
pub const VERSION: &str = "8.19.0";
/// The index used when neither the path nor the action names one.
pub const DEFAULT_INDEX: &str = "logs";

/// Every route under `/es`: one filter that dispatches on the rest of the
/// path (its table entries only feed `Allow`).
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::POST, "/es/_bulk", es(orion))
}

fn es(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path("es")
        .and(warp::path::tail())
        .and(warp::method())
        .and(auth::caller(orion))
        .and(warp::header::optional::<String>("content-encoding"))
        .and(warp::header::optional::<String>("host"))
        .and(body(SHIPPER_BODY_LIMIT))
        .and(with_orion(orion))
        .then(
            |tail: warp::path::Tail,
             method: Method,
             who,
             encoding: Option<String>,
             host: Option<String>,
             body: Body,
             orion: Orion| async move {
                let head = method == Method::HEAD;
                let mut response = match dispatch(
                    tail.as_str(),
                    &method,
                    who,
                    encoding.as_deref(),
                    host,
                    body,
                    &orion,
                )
                .await
                {
                    Ok(response) => response,
                    Err(err) => err.into_response(),
                };
                if head {
                    *response.body_mut() = Vec::<u8>::new().into();
                }
                response.headers_mut().insert("x-elastic-product", HeaderValue::from_static("Elasticsearch"));
                response
            },
        )
}

async fn dispatch(
    tail: &str,
    method: &Method,
    who: Result<Principal, ApiError>,
    encoding: Option<&str>,
    host: Option<String>,
    body: Body,
    orion: &Orion,
) -> Result<Response, ApiError> {
    let who = writer(who)?;
    let segments: Vec<&str> = tail.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let (get, put) =
        (matches!(*method, Method::GET | Method::HEAD), matches!(*method, Method::PUT | Method::POST));
    let allow = |methods: &'static str| -> Result<Response, ApiError> {
        let mut r =
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed here")
                .into_response();
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(methods));
        Ok(r)
    };
    let ok = |value: Value| Ok(reply(StatusCode::OK, &value));
    match segments.as_slice() {
        [] if get => ok(info()),
        [] => allow("GET, HEAD"),
        ["_bulk"] | [_, "_bulk"] if put => {
            let index = if segments.len() == 2 { Some(segments[0]) } else { None };
            let bytes = decode::content_encoding(encoding, body.bytes()?, DECODED_BODY_LIMIT)?;
            bulk(orion, &who, index, &bytes).await
        }
        ["_bulk"] | [_, "_bulk"] => allow("POST, PUT"),
        ["_license"] if get => ok(license()),
        ["_cluster", "health", ..] if get => ok(health()),
        ["_nodes", ..] if get => ok(nodes(host.as_deref())),
        ["_xpack", ..] if get => ok(json!({
            "build": {"hash": "orion", "date": "2026-01-01T00:00:00.000Z"},
            "license": license()["license"],
            "features": {"ilm": {"available": true, "enabled": true}, "security": {"available": true, "enabled": true}},
        })),
        ["_index_template" | "_template" | "_component_template", name] if get => {
            ok(template(segments[0], name))
        }
        ["_ilm", "policy", name] if get => ok(json!({
            *name: {"version": 1, "modified_date": "2026-01-01T00:00:00.000Z", "policy": {"phases": {}}}
        })),
        ["_data_stream", name] if get => ok(json!({"data_streams": [{
            "name": name, "timestamp_field": {"name": "@timestamp"}, "indices": [], "generation": 1,
            "status": "GREEN", "template": name,
        }]})),
        ["_alias", ..] | [_, "_alias", ..] if get => ok(json!({})),
        [name] if get && !name.starts_with('_') => {
            ok(json!({ *name: {"aliases": {}, "mappings": {}, "settings": {}} }))
        }
        ["_index_template" | "_template" | "_component_template", _]
        | ["_ilm", "policy", _]
        | ["_data_stream", _]
        | [_, "_alias", _]
        | ["_alias", _]
            if put =>
        {
            ok(json!({"acknowledged": true}))
        }
        [name] if *method == Method::PUT && !name.starts_with('_') => {
            ok(json!({"acknowledged": true, "shards_acknowledged": true, "index": name}))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Orion answers the bulk API and the probes shippers make, not this Elasticsearch call",
        )),
    }
}

fn reply(status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(serde_json::to_vec(body).unwrap_or_default().into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn info() -> Value {
    json!({
        "name": "orion",
        "cluster_name": "orion",
        "cluster_uuid": "orion-0000000000000000000",
        "version": {
            "number": VERSION,
            "build_flavor": "default",
            "build_type": "orion",
            "build_hash": "orion",
            "build_date": "2026-01-01T00:00:00.000Z",
            "build_snapshot": false,
            "lucene_version": "9.12.0",
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0",
        },
        "tagline": "You Know, for Search",
    })
}

fn license() -> Value {
    json!({"license": {
        "status": "active", "uid": "orion", "type": "basic", "issue_date": "2026-01-01T00:00:00.000Z",
        "issue_date_in_millis": 1_767_225_600_000_i64, "max_nodes": 1000, "max_resource_units": null,
        "issued_to": "orion", "issuer": "orion", "start_date_in_millis": -1,
    }})
}

fn health() -> Value {
    json!({
        "cluster_name": "orion", "status": "green", "timed_out": false, "number_of_nodes": 1,
        "number_of_data_nodes": 1, "active_primary_shards": 1, "active_shards": 1, "relocating_shards": 0,
        "initializing_shards": 0, "unassigned_shards": 0, "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": 100.0,
    })
}

fn nodes(host: Option<&str>) -> Value {
    let address = host.unwrap_or("127.0.0.1:3001");
    json!({
        "_nodes": {"total": 1, "successful": 1, "failed": 0},
        "cluster_name": "orion",
        "nodes": {"orion": {
            "name": "orion", "version": VERSION, "roles": ["data", "ingest", "master"],
            "http": {"bound_address": [address], "publish_address": address, "max_content_length_in_bytes": SHIPPER_BODY_LIMIT},
        }},
    })
}

fn template(kind: &str, name: &str) -> Value {
    match kind {
        "_index_template" => json!({"index_templates": [{"name": name, "index_template": {
            "index_patterns": [format!("{name}*")], "template": {}, "composed_of": [], "data_stream": {},
        }}]}),
        "_component_template" => {
            json!({"component_templates": [{"name": name, "component_template": {"template": {}}}]})
        }
        _ => {
            json!({ name: {"order": 0, "index_patterns": [format!("{name}*")], "settings": {}, "mappings": {}} })
        }
    }
}

/// One bulk action.
#[derive(Debug)]
enum Item {
    /// `index`/`create`: an entry to store.
    Store { action: &'static str, index: String, id: Option<String>, input: Box<LogInput> },
    /// `delete`/`update`: refused.
    Refused { action: &'static str, index: String, id: Option<String> },
}

impl Item {
    fn parts(&self) -> (&'static str, &str, Option<&str>) {
        match self {
            Item::Store { action, index, id, .. } | Item::Refused { action, index, id } => {
                (action, index, id.as_deref())
            }
        }
    }
}

/// An action line, `{"<action>": {"_index": …, "_id": …}}`, read without
/// building a JSON tree (it is parsed once per document, so it shows in
/// the bulk endpoint's profile). Any other key of the action's object
/// (`routing`, `pipeline`, `require_alias`…) is ignored.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum ActionLine<'a> {
    Index(#[serde(borrow)] ActionMeta<'a>),
    Create(#[serde(borrow)] ActionMeta<'a>),
    Delete(#[serde(borrow)] ActionMeta<'a>),
    Update(#[serde(borrow)] ActionMeta<'a>),
}

#[derive(Deserialize)]
struct ActionMeta<'a> {
    #[serde(borrow, default)]
    _index: Option<Cow<'a, str>>,
    /// A string, or (as some clients send) a number kept as its JSON text.
    #[serde(default)]
    _id: Option<Value>,
}

/// How many documents a bulk body holds to store, or why it is refused
/// as a whole (the decoder behind `POST /es/_bulk`, for tests and fuzzing).
pub fn parse_bulk(default_index: Option<&str>, bytes: &[u8]) -> Result<usize, ApiError> {
    Ok(parse(default_index, bytes)?.iter().filter(|i| matches!(i, Item::Store { .. })).count())
}

/// Parses an NDJSON bulk body into items; a malformed body is one error.
fn parse(default_index: Option<&str>, bytes: &[u8]) -> Result<Vec<Item>, ApiError> {
    let mut lines =
        bytes.split(|b| *b == b'\n').enumerate().filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace));
    let mut items = Vec::new();
    while let Some((n, line)) = lines.next() {
        let at = n + 1;
        let parsed: ActionLine = serde_json::from_slice(line).map_err(|e| {
            invalid_body(format!(
                "line {at} is not a bulk action (an object with one key: index, create, delete or update): {e}"
            ))
        })?;
        let (action, meta) = match parsed {
            ActionLine::Index(m) => ("index", m),
            ActionLine::Create(m) => ("create", m),
            ActionLine::Delete(m) => ("delete", m),
            ActionLine::Update(m) => ("update", m),
        };
        let index = meta._index.as_deref().or(default_index).unwrap_or(DEFAULT_INDEX).to_owned();
        let id = meta._id.map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        if action == "delete" {
            items.push(Item::Refused { action, index, id });
            continue;
        }
        let Some((_, doc)) = lines.next() else {
            return Err(invalid_body(format!(
                "line {at}: the `{action}` action has no document line after it"
            )));
        };
        let doc: Map<String, Value> = serde_json::from_slice(doc)
            .map_err(|e| invalid_body(format!("the document after line {at} is not a JSON object: {e}")))?;
        if action == "update" {
            items.push(Item::Refused { action, index, id });
        } else {
            let input = Box::new(document(&index, doc));
            items.push(Item::Store { action, index, id, input });
        }
    }
    Ok(items)
}

/// A document → an input (see the module's mapping).
pub fn document(index: &str, mut doc: Map<String, Value>) -> LogInput {
    let message = ["message", "log", "msg"].iter().find_map(|k| match doc.get(*k) {
        Some(Value::String(_)) => doc.remove(*k).and_then(|v| v.as_str().map(str::to_owned)),
        _ => None,
    });
    let timestamp = doc.get("@timestamp").and_then(map::timestamp);
    if timestamp.is_some() {
        doc.remove("@timestamp");
    }
    let mut level = None;
    for key in ["level", "log.level"] {
        if let Some(l) = doc.get(key).and_then(Value::as_str).and_then(map::level) {
            level = Some(l);
            doc.remove(key);
            break;
        }
    }
    if level.is_none()
        && let Some(Value::Object(log)) = doc.get_mut("log")
        && let Some(l) = log.get("level").and_then(Value::as_str).and_then(map::level)
    {
        level = Some(l);
        log.remove("level");
        if log.is_empty() {
            doc.remove("log");
        }
    }
    let service = doc
        .get("service.name")
        .or_else(|| doc.get("service").and_then(|s| s.get("name")))
        .and_then(Value::as_str)
        .and_then(map::source);
    let message = message.unwrap_or_else(|| Value::Object(doc.clone()).to_string());
    let (message, truncated) = map::message(message);
    if truncated {
        doc.entry("truncated").or_insert(Value::Bool(true));
    }
    doc.insert("_index".into(), Value::String(index.to_owned()));
    LogInput {
        message,
        level: Some(level.unwrap_or(Level::Info).as_str().to_owned()),
        timestamp,
        metadata: Some(Value::Object(doc)),
        tags: None,
        source: service.or_else(|| map::source(index)),
    }
}

async fn bulk(
    orion: &Orion,
    who: &Principal,
    index: Option<&str>,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let mut items = parse(index, bytes)?;
    // Positions (in `items`) of the refused items, with their reasons.
    let mut refused: Vec<(usize, String)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Refused { action, .. } => {
                Some((i, format!("Orion stores logs append-only: `{action}` is not supported")))
            }
            Item::Store { .. } => None,
        })
        .collect();
    let stored_at: Vec<usize> =
        items.iter().enumerate().filter(|(_, it)| matches!(it, Item::Store { .. })).map(|(i, _)| i).collect();
    if refused.is_empty() {
        let inputs: Vec<LogInput> = items
            .iter_mut()
            .filter_map(|item| match item {
                Item::Store { input, .. } => Some(std::mem::take(input.as_mut())),
                Item::Refused { .. } => None,
            })
            .collect();
        match store(orion, who, inputs).await {
            Ok(_) => {}
            Err(err) if err.code == "validation_failed" && err.details.iter().all(|d| d.index.is_some()) => {
                for detail in &err.details {
                    if let Some(&at) = detail.index.and_then(|i| stored_at.get(i)) {
                        refused.push((at, format!("{}: {}", detail.field, detail.message)));
                    }
                }
            }
            Err(err) => return Err(err),
        }
    }
    let took = started.elapsed().as_millis() as u64;
    Ok(answer(&items, &refused, took))
}

/// The bulk response: one answer per item, in order. Written through
/// borrowed structs rather than a JSON tree: a 1,000-item answer is
/// ~200 KiB, and building it as `Value`s cost more than decoding the
/// request.
fn answer(items: &[Item], refused: &[(usize, String)], took: u64) -> Response {
    let mut reasons: Vec<Option<&str>> = vec![None; items.len()];
    for (at, reason) in refused {
        if let Some(slot) = reasons.get_mut(*at) {
            *slot = Some(reason);
        }
    }
    let failed = !refused.is_empty();
    let first = refused.iter().map(|(i, _)| *i).min().unwrap_or(0);
    let resend = format!(
        "not stored: item {first} of the same request was refused and a request is stored whole or not at all; resend this item"
    );
    // Documents sent without an `_id` get one: this request's random
    // prefix and the item's position (unique without a random draw per
    // item).
    let prefix = uuid::Uuid::new_v4().simple().to_string();
    let answers: Vec<ItemAnswer> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (action, index, id) = item.parts();
            let id = id.map_or_else(|| Cow::Owned(format!("{}{i:x}", &prefix[..16])), Cow::Borrowed);
            let body = match reasons[i] {
                Some(reason) => ItemBody::failed(index, id, 400, "illegal_argument_exception", reason),
                None if failed => {
                    ItemBody::failed(index, id, 429, "es_rejected_execution_exception", &resend)
                }
                None => ItemBody {
                    _index: index,
                    _id: id,
                    status: 201,
                    _version: Some(1),
                    result: Some("created"),
                    _shards: Some(Shards { total: 1, successful: 1, failed: 0 }),
                    _seq_no: Some(i),
                    _primary_term: Some(1),
                    error: None,
                },
            };
            ItemAnswer { action, body }
        })
        .collect();
    let answer = BulkAnswer { took, errors: failed, items: answers };
    let mut bytes = Vec::with_capacity(64 + items.len() * 200);
    // Serialising borrowed strings and integers into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut bytes, &answer);
    let mut response = Response::new(bytes.into());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[derive(Serialize)]
struct BulkAnswer<'a> {
    took: u64,
    errors: bool,
    items: Vec<ItemAnswer<'a>>,
}

/// `{"<action>": {…}}`.
struct ItemAnswer<'a> {
    action: &'static str,
    body: ItemBody<'a>,
}

impl Serialize for ItemAnswer<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.action, &self.body)?;
        map.end()
    }
}

#[derive(Serialize)]
struct ItemBody<'a> {
    _index: &'a str,
    _id: Cow<'a, str>,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    _version: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    _shards: Option<Shards>,
    #[serde(skip_serializing_if = "Option::is_none")]
    _seq_no: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    _primary_term: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ItemError<'a>>,
}

impl<'a> ItemBody<'a> {
    fn failed(index: &'a str, id: Cow<'a, str>, status: u16, kind: &'static str, reason: &'a str) -> Self {
        ItemBody {
            _index: index,
            _id: id,
            status,
            _version: None,
            result: None,
            _shards: None,
            _seq_no: None,
            _primary_term: None,
            error: Some(ItemError { r#type: kind, reason }),
        }
    }
}

#[derive(Serialize)]
struct Shards {
    total: u8,
    successful: u8,
    failed: u8,
}

#[derive(Serialize)]
struct ItemError<'a> {
    r#type: &'static str,
    reason: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_map_message_time_level_and_source() {
        let doc = json!({"@timestamp": "2024-01-15T10:30:00.000Z", "message": "hi", "log": {"level": "WARN", "file": "a"},
                         "service": {"name": "Billing"}, "host": {"name": "web-1"}});
        let Value::Object(doc) = doc else { unreachable!() };
        let e = document("filebeat-8", doc);
        assert_eq!(
            (e.message.as_str(), e.level.as_deref(), e.source.as_deref()),
            ("hi", Some("warn"), Some("billing"))
        );
        assert_eq!(e.timestamp.as_deref(), Some("2024-01-15T10:30:00.000000000Z"));
        let m = e.metadata.unwrap();
        assert_eq!(m["log"], json!({"file": "a"}));
        assert_eq!(m["host"]["name"], "web-1");
        assert_eq!(m["_index"], "filebeat-8");
        assert!(m.get("@timestamp").is_none() && m.get("message").is_none());

        let Value::Object(doc) = json!({"log.level": "error", "status": 500}) else { unreachable!() };
        let e = document("Web Logs", doc);
        assert_eq!((e.level.as_deref(), e.source.as_deref()), (Some("error"), Some("web-logs")));
        assert_eq!(e.message, r#"{"status":500}"#);
    }

    #[test]
    fn malformed_bulk_bodies_are_refused_whole() {
        for bad in [
            &b"{\"index\": {}}\n{\"message\": \"a\"\n"[..],
            b"{\"index\": {}}\n",
            b"not json\n",
            b"{\"upsert\": {}}\n{}\n",
            b"{\"index\": {}, \"create\": {}}\n{}\n",
        ] {
            assert_eq!(
                parse(None, bad).unwrap_err().code,
                "invalid_body",
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let items = parse(
            Some("app"),
            b"{\"create\": {\"_id\": \"1\"}}\n{\"msg\": \"a\"}\n{\"delete\": {\"_id\": \"2\"}}\n\n",
        )
        .unwrap();
        assert!(matches!(&items[0], Item::Store { action: "create", index, .. } if index == "app"));
        assert!(matches!(&items[1], Item::Refused { action: "delete", .. }));
    }
}
