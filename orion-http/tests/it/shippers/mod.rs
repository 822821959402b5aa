//! Ingest from existing shippers, end to end over HTTP: OTLP/HTTP logs,
//! Loki push and Elasticsearch bulk, with requests built from each
//! protocol's own types (the real clients are driven by `.ci/shippers`).
//! Each test searches the stored entries back.

use std::io::Write;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::Logs;

mod elastic;
mod errors;
mod fuzz;
mod loki;
mod otlp;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn snappy(data: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new().compress_vec(data).unwrap()
}

/// Every stored entry of `web`, newest first.
async fn stored(t: &Logs) -> Vec<Value> {
    let (status, page) = t.server.search(&t.ada, "web", "limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["logs"].as_array().unwrap().clone()
}

/// `POST path` with a raw body and headers; the status, headers and bytes.
async fn send(
    t: &Logs,
    path: &str,
    auth: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = t.server.http(Method::POST, path).body(body);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.unwrap().to_vec())
}
