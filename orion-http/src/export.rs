//! Streamed log exports: keyset pages from the service, encoded as NDJSON,
//! a JSON array or CSV, flowing into the response body as they come.
//!
//! A reader task reads [`PAGE_ROWS`] entries at a time
//! ([`LogExport::next_page`]) into a channel of one page, an encoder task
//! encodes the page before (the two run on both cores) and hands each
//! encoded page to the body through a channel of two slots, so memory
//! stays flat
//! whatever the size of the export: the producer waits while the client is
//! slow, and stops when the client goes away (the channel closes). A
//! storage failure after the headers went out can no longer change the
//! status, so the body is aborted instead: the client sees a truncated
//! transfer, never a silently short file.

use std::io;

use bytes::Bytes;
use orion_core::model::log::LogEntry;
use orion_core::service::{ExportFormat, LogExport};
use tokio::sync::mpsc;
use tracing::Instrument;
use warp::Reply;
use warp::http::{HeaderValue, header};
use warp::reply::Response;

use crate::dto::logs::LogView;
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
            let page = export.next_page(PAGE_ROWS).await;
            let more = matches!(&page, Ok(entries) if !entries.is_empty());
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
        chunk.extend(encoder.page(&page));
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

    /// One page of entries.
    pub fn page(&mut self, entries: &[LogEntry]) -> Vec<u8> {
        let mut out = Vec::with_capacity(entries.len() * 256);
        // A fresh writer per page: `csv` hands its buffer back only by value.
        let mut csv = csv::Writer::from_writer(Vec::new());
        for log in entries {
            match self.format {
                ExportFormat::Ndjson => {
                    write_json(&mut out, log);
                    out.push(b'\n');
                }
                ExportFormat::Json => {
                    out.extend_from_slice(if self.written == 0 { b"\n" } else { b",\n" });
                    write_json(&mut out, log);
                }
                ExportFormat::Csv => {
                    let e = &log.entry;
                    let metadata = serde_json::to_string(&e.metadata).unwrap_or_default();
                    csv_record(
                        &mut csv,
                        [
                            timestamp(e.timestamp).as_str(),
                            e.level.as_str(),
                            e.source_str().unwrap_or(""),
                            &e.message,
                            // Tags never contain commas (ingestion refuses them).
                            &e.tags.join(","),
                            &metadata,
                        ],
                    );
                }
            }
            self.written += 1;
        }
        if self.format == ExportFormat::Csv {
            out = csv.into_inner().unwrap_or_default();
        }
        out
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

fn write_json(out: &mut Vec<u8>, log: &LogEntry) {
    // Serialising a map of JSON values into a Vec cannot fail.
    let _ = serde_json::to_writer(out, &LogView::from(log));
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use orion_core::model::ProjectId;
    use orion_core::model::log::{Level, NewLogEntry};
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
            out.extend(encoder.page(page));
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
