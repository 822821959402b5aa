//! Streamed log exports: keyset pages from the service, encoded as NDJSON,
//! a JSON array or CSV, flowing into the response body as they come.
//!
//! A reader task reads [`PAGE_ROWS`] entries at a time
//! ([`LogExport::next_rows`]: the store's decoded blocks, lent in place)
//! into a channel of one page, an encoder task writes the page before
//! straight from those rows (the two run on both cores) and hands each
//! encoded page to the body through a channel of two slots, so memory
//! stays flat whatever the size of the export: the producer waits while the client is
//! slow, and stops when the client goes away (the channel closes). A
//! storage failure after the headers went out can no longer change the
//! status, so the body is aborted instead: the client sees a truncated
//! transfer, never a silently short file.

use std::io;

use bytes::Bytes;
use orion_core::model::log::EntryRows;
use orion_core::service::{ExportFormat, LogExport};
use orion_core::{RepositoryError, ServiceError};
use tokio::sync::mpsc;
use tracing::Instrument;
use warp::Reply;
use warp::http::{HeaderValue, header};
use warp::reply::Response;

use crate::dto::logs::write_view_json;
use crate::dto::timestamp;
use crate::error::ApiError;

/// Entries read from storage per page.
pub const PAGE_ROWS: u32 = 1000;
/// Encoded pages buffered between the producer and the socket.
const QUEUED_PAGES: usize = 2;

/// The `Content-Type` of an export in `format`.
fn content_type(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Ndjson => "application/x-ndjson",
        ExportFormat::Json => "application/json",
        ExportFormat::Csv => "text/csv",
    }
}

/// The streamed answer: headers now, rows as storage yields them.
pub fn response(export: LogExport, format: ExportFormat) -> Response {
    let filename = format!("{}-logs.{}", export.project.name.as_str(), format.as_str());
    let (tx, mut rx) = mpsc::channel(QUEUED_PAGES);
    // The request span carries the request id, so a failure is logged with it.
    tokio::spawn(produce(export, format, tx).instrument(tracing::Span::current()));
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut response = warp::reply::stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(format)));
    // Project names are `[a-z0-9-]`, so the file name needs no escaping.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

type Chunk = Result<Bytes, io::Error>;

async fn produce(mut export: LogExport, format: ExportFormat, tx: mpsc::Sender<Chunk>) {
    // The next page is read while this one is encoded and sent: reading
    // (decoding blocks into entries) and encoding (entries into JSON) each
    // take about half of an export's CPU, and there are two cores. One page
    // waits in between, so memory stays flat.
    let (pages_tx, mut pages) = mpsc::channel(1);
    let reader = async move {
        loop {
            let page = export.next_rows(PAGE_ROWS).await;
            let more = matches!(&page, Ok(rows) if !rows.is_empty());
            // Stops when the encoder went away (the client did).
            if pages_tx.send(page).await.is_err() || !more {
                return;
            }
        }
    };
    tokio::spawn(reader.instrument(tracing::Span::current()));
    let mut encoder = Encoder::new(format);
    let mut chunk = encoder.start();
    while let Some(page) = pages.recv().await {
        let page = match page {
            Ok(page) => page,
            Err(err) => {
                // The mapping logs the cause; the client gets an aborted body.
                let _ = ApiError::from(err);
                let _ = tx.send(Err(io::Error::other("the export failed"))).await;
                return;
            }
        };
        if page.is_empty() {
            break;
        }
        match encoder.page(page.as_ref()) {
            Ok(bytes) => chunk.extend(bytes),
            Err(err) => {
                // A damaged block met while writing: logged by the store.
                let _ = ApiError::from(ServiceError::from(err));
                let _ = tx.send(Err(io::Error::other("the export failed"))).await;
                return;
            }
        }
        if tx.send(Ok(Bytes::from(std::mem::take(&mut chunk)))).await.is_err() {
            return; // The client went away.
        }
    }
    chunk.extend(encoder.finish());
    let _ = tx.send(Ok(Bytes::from(chunk))).await;
}

/// Turns pages of entries into bytes of one format.
#[derive(Debug)]
pub struct Encoder {
    format: ExportFormat,
    written: u64,
}

impl Encoder {
    /// An encoder for `format`.
    pub fn new(format: ExportFormat) -> Self {
        Self { format, written: 0 }
    }

    /// What comes before the first entry.
    pub fn start(&mut self) -> Vec<u8> {
        match self.format {
            ExportFormat::Ndjson => Vec::new(),
            ExportFormat::Json => b"[".to_vec(),
            ExportFormat::Csv => {
                let mut csv = csv::Writer::from_writer(Vec::new());
                csv_record(&mut csv, ["timestamp", "level", "source", "message", "tags", "metadata"]);
                csv.into_inner().unwrap_or_default()
            }
        }
    }

    /// One page of entries, written from the rows in place; fails (with
    /// nothing to send) when a stored entry cannot be read.
    pub fn page(&mut self, rows: &dyn EntryRows) -> Result<Vec<u8>, RepositoryError> {
        let mut out = Vec::with_capacity(rows.len() * 256);
        // A fresh writer per page: `csv` hands its buffer back only by value.
        let mut csv = csv::Writer::from_writer(Vec::new());
        let (mut metadata, mut tags) = (Vec::new(), String::new());
        rows.visit(&mut |view| {
            match self.format {
                ExportFormat::Ndjson => {
                    write_view_json(&mut out, view);
                    out.push(b'\n');
                }
                ExportFormat::Json => {
                    out.extend_from_slice(if self.written == 0 { b"\n" } else { b",\n" });
                    write_view_json(&mut out, view);
                }
                ExportFormat::Csv => {
                    metadata.clear();
                    view.metadata.write_json(&mut metadata);
                    tags.clear();
                    for (i, tag) in view.tags.iter().enumerate() {
                        // Tags never contain commas (ingestion refuses them).
                        if i > 0 {
                            tags.push(',');
                        }
                        tags.push_str(tag);
                    }
                    csv_record(
                        &mut csv,
                        [
                            timestamp(view.timestamp).as_str(),
                            view.level.as_str(),
                            view.source.unwrap_or(""),
                            view.message,
                            &tags,
                            // Metadata JSON is UTF-8: it holds stored strings.
                            std::str::from_utf8(&metadata).unwrap_or_default(),
                        ],
                    );
                }
            }
            self.written += 1;
        })?;
        if self.format == ExportFormat::Csv {
            out = csv.into_inner().unwrap_or_default();
        }
        Ok(out)
    }

    /// What comes after the last entry.
    pub fn finish(&mut self) -> Vec<u8> {
        match self.format {
            ExportFormat::Ndjson | ExportFormat::Csv => Vec::new(),
            ExportFormat::Json if self.written == 0 => b"]\n".to_vec(),
            ExportFormat::Json => b"\n]\n".to_vec(),
        }
    }
}

fn csv_record(csv: &mut csv::Writer<Vec<u8>>, fields: [&str; 6]) {
    // Writing into a Vec cannot fail.
    let _ = csv.write_record(fields);
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use orion_core::model::ProjectId;
    use orion_core::model::log::{Level, LogEntry, NewLogEntry};
    use serde_json::{Value, json};

    use super::*;

    fn entry(id: i64, message: &str, tags: &[&str]) -> LogEntry {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        LogEntry {
            id,
            entry: NewLogEntry {
                project_id: ProjectId(7),
                timestamp: at,
                received_at: at,
                level: Level::Warn,
                message: message.into(),
                metadata: json!({"k": "v"}).as_object().unwrap().clone(),
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                source: Some(orion_core::model::SourceName::parse("api").unwrap()),
                server_id: None,
            },
        }
    }

    fn encode(format: ExportFormat, pages: &[&[LogEntry]]) -> String {
        let mut encoder = Encoder::new(format);
        let mut out = encoder.start();
        for page in pages {
            out.extend(encoder.page(&page.to_vec()).unwrap());
        }
        out.extend(encoder.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_is_one_array_across_pages_and_empty_is_an_empty_array() {
        let (a, b) = (entry(1, "a", &[]), entry(2, "b", &[]));
        let text = encode(ExportFormat::Json, &[&[a], &[b]]);
        let ids: Vec<i64> = serde_json::from_str::<Vec<Value>>(&text)
            .unwrap()
            .iter()
            .map(|v| v["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(serde_json::from_str::<Value>(&encode(ExportFormat::Json, &[])).unwrap(), json!([]));
    }

    #[test]
    fn ndjson_is_one_entry_per_line() {
        let text = encode(ExportFormat::Ndjson, &[&[entry(1, "line\nbreak", &[])]]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1);
        let parsed: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(parsed["message"], "line\nbreak");
        assert_eq!(parsed["timestamp"], "2026-01-02T03:04:05.000Z");
    }

    #[test]
    fn csv_has_a_header_and_quotes_what_needs_it() {
        let text = encode(ExportFormat::Csv, &[&[entry(1, "say \"hi\", then\nleave", &["a", "b"])]]);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers().unwrap(),
            vec!["timestamp", "level", "source", "message", "tags", "metadata"]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(
            rows[0].iter().collect::<Vec<_>>(),
            ["2026-01-02T03:04:05.000Z", "warn", "api", "say \"hi\", then\nleave", "a,b", r#"{"k":"v"}"#]
        );
    }

    #[test]
    fn each_format_has_its_content_type() {
        assert_eq!(content_type(ExportFormat::Ndjson), "application/x-ndjson");
        assert_eq!(content_type(ExportFormat::Json), "application/json");
        assert_eq!(content_type(ExportFormat::Csv), "text/csv");
    }
}
