//! `GET /api/projects/:p/logs/export`: every match, streamed as NDJSON, a
//! JSON array or CSV, checked row by row over 100,000 entries; headers,
//! filters, errors before the first byte, and an aborted body (never a
//! short file) when storage fails mid-stream.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::model::log::{Level, NewLogEntry};
use orion_core::model::{ArchivedFilter, ProjectId, SourceName};
use orion_testkit::{FaultyLogs, InMemoryRepos, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{Logs, assert_error, detail_fields, with_logs, with_logs_on};

const ROWS: usize = 100_000;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// Entry `i` of the seeded set. Pairs share a timestamp, so the id breaks
/// ties; messages carry what CSV must quote and JSON must escape.
fn row(project: ProjectId, i: usize) -> NewLogEntry {
    let message = match i % 4 {
        0 => format!("entry {i}"),
        1 => format!("entry {i}, with \"quotes\""),
        2 => format!("entry {i}\nsecond line"),
        _ => format!("entrée {i} ✓"),
    };
    let at = base() + Duration::seconds((i / 2) as i64);
    NewLogEntry {
        project_id: project,
        timestamp: at,
        received_at: at,
        level: Level::ALL[i % 6],
        message,
        metadata: json!({ "i": i }).as_object().unwrap().clone(),
        tags: if i.is_multiple_of(3) { vec!["every".into(), "third".into()] } else { vec![] },
        source: i.is_multiple_of(2).then(|| SourceName::parse("api").unwrap()),
        server_id: None,
    }
}

async fn project_id(t: &Logs) -> ProjectId {
    let ada = t.server.orion.accounts().authenticate(&t.ada).await.unwrap();
    t.server.orion.projects().list(&ada, ArchivedFilter::Active).await.unwrap()[0].id
}

/// Stores the 100,000 rows straight into the repository, 1,000 at a time.
async fn seed(t: &Logs) {
    let project = project_id(t).await;
    for start in (0..ROWS).step_by(1000) {
        let batch = (start..start + 1000).map(|i| row(project, i)).collect();
        t.server.orion.repos().logs.append(batch).await.unwrap();
    }
}

async fn export(t: &Logs, query: &str) -> reqwest::Response {
    let path = format!("/api/projects/web/logs/export{query}");
    t.server.http(Method::GET, &path).bearer_auth(&t.ada).send().await.unwrap()
}

/// The export's headers and whole body; asserts 200, the content type and
/// the attachment file name.
async fn download(t: &Logs, query: &str, content_type: &str, file: &str) -> Vec<u8> {
    let response = export(t, query).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], content_type);
    assert_eq!(response.headers()["content-disposition"], format!("attachment; filename=\"{file}\""));
    response.bytes().await.unwrap().to_vec()
}

/// Checks a JSON entry against row `i`.
fn check_json(entry: &Value, i: usize) {
    let expected = row(ProjectId(orion_testkit::fresh_id()), i);
    let at = expected.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(entry["message"], expected.message.as_str(), "row {i}");
    assert_eq!(entry["timestamp"], at.as_str(), "row {i}");
    assert_eq!(entry["level"], expected.level.as_str(), "row {i}");
    assert_eq!(entry["metadata"], json!({ "i": i }), "row {i}");
    assert_eq!(entry["tags"], json!(expected.tags), "row {i}");
    assert_eq!(entry["source"], json!(expected.source), "row {i}");
}

/// Newest first: the last stored row comes first.
fn expected_order() -> impl Iterator<Item = usize> {
    (0..ROWS).rev()
}

/// NDJSON: one entry per line.
fn check_ndjson(body: &[u8]) {
    let text = std::str::from_utf8(body).unwrap();
    let mut count = 0;
    for (line, i) in text.lines().zip(expected_order()) {
        check_json(&serde_json::from_str(line).unwrap(), i);
        count += 1;
    }
    assert_eq!((count, text.lines().count()), (ROWS, ROWS));
}

/// JSON: one array.
fn check_json_array(body: &[u8]) {
    let entries: Vec<Value> = serde_json::from_slice(body).unwrap();
    assert_eq!(entries.len(), ROWS);
    for (entry, i) in entries.iter().zip(expected_order()) {
        check_json(entry, i);
    }
}

/// CSV: the header, then one record per entry.
fn check_csv(body: &[u8]) {
    let mut reader = csv::Reader::from_reader(body);
    assert_eq!(
        reader.headers().unwrap(),
        vec!["timestamp", "level", "source", "message", "tags", "metadata"]
    );
    let mut count = 0;
    for (record, i) in reader.records().zip(expected_order()) {
        let record = record.unwrap();
        let expected = row(ProjectId(orion_testkit::fresh_id()), i);
        let at = expected.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (metadata, tags) = (format!("{{\"i\":{i}}}"), expected.tags.join(","));
        let wanted = [
            at.as_str(),
            expected.level.as_str(),
            expected.source_str().unwrap_or(""),
            expected.message.as_str(),
            tags.as_str(),
            metadata.as_str(),
        ];
        assert_eq!(record.iter().collect::<Vec<_>>(), wanted, "row {i}");
        count += 1;
    }
    assert_eq!(count, ROWS);
}

/// One seeding for the three formats: 100,000 rows take seconds to store
/// in a debug build. SQLite rather than memory, so the keyset pages are
/// the real storage's (the in-memory store sorts everything per page).
#[tokio::test]
async fn every_format_streams_all_100000_rows_newest_first_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("export.db").display());
    let repos = orion_storage::connect(&url).await.expect("SQLite opens and migrates");
    let t = with_logs_on(TestServer::start_with(repos).await).await;
    seed(&t).await;

    check_ndjson(&download(&t, "", "application/x-ndjson", "web-logs.ndjson").await);
    check_json_array(&download(&t, "?format=json", "application/json", "web-logs.json").await);
    check_csv(&download(&t, "?format=csv", "text/csv", "web-logs.csv").await);
}

#[tokio::test]
async fn exports_apply_the_filters_and_ignore_the_page_cap() {
    let t = with_logs().await;
    let batch: Vec<Value> = (0..1500)
        .map(|i| json!({ "message": format!("m{i}"), "level": if i % 3 == 0 { "error" } else { "info" } }))
        .collect();
    t.server.ingest_ok(&t.writer, Value::Array(batch), 1500).await;
    let body =
        download(&t, "?format=ndjson&level=error&limit=10", "application/x-ndjson", "web-logs.ndjson").await;
    let lines: Vec<Value> =
        String::from_utf8(body).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 500);
    assert!(lines.iter().all(|l| l["level"] == "error"));
}

#[tokio::test]
async fn an_empty_export_is_still_a_valid_file() {
    let t = with_logs().await;
    assert!(download(&t, "", "application/x-ndjson", "web-logs.ndjson").await.is_empty());
    let json = download(&t, "?format=json", "application/json", "web-logs.json").await;
    assert_eq!(serde_json::from_slice::<Value>(&json).unwrap(), json!([]));
    let csv = download(&t, "?format=csv", "text/csv", "web-logs.csv").await;
    assert_eq!(String::from_utf8(csv).unwrap(), "timestamp,level,source,message,tags,metadata\n");
}

#[tokio::test]
async fn a_bad_format_or_filter_is_a_400_before_streaming() {
    let t = with_logs().await;
    let answer = TestServer::read(export(&t, "?format=xml").await).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["format"]);
    let answer = TestServer::read(export(&t, "?format=pdf&from=never").await).await;
    assert_eq!(detail_fields(&answer.1), ["format", "from"]);
    let answer = t.server.get("/api/projects/nothing/logs/export", &t.ada).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}

/// Exports from `repos`, whose log store fails every page after the
/// first: the answer starts as a 200 and its body then breaks off.
async fn a_failure_mid_stream_aborts_the_body(mut repos: orion_core::Repos) {
    let logs = FaultyLogs::new(repos.logs.clone());
    repos.logs = Arc::new(logs.clone());
    let t = with_logs_on(TestServer::start_with(repos).await).await;
    let batch: Vec<Value> = (0..2500).map(|i| json!({ "message": format!("m{i}") })).collect();
    t.server.ingest_ok(&t.writer, Value::Array(batch), 2500).await;

    // The first page of the export is served, every later one fails.
    logs.fail_pages_after(1);

    let response = export(&t, "?format=json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.is_err(), "a failed export must not look complete");
}

#[tokio::test]
async fn a_storage_failure_mid_stream_aborts_the_body() {
    a_failure_mid_stream_aborts_the_body(InMemoryRepos::new()).await;
}

/// The block store pages exports itself (`export_pages`); a failure there
/// aborts the body the same way.
#[tokio::test]
async fn a_storage_failure_mid_stream_aborts_the_body_on_sqlite_too() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("export.db").display());
    a_failure_mid_stream_aborts_the_body(orion_storage::connect(&url).await.expect("SQLite opens")).await;
}
