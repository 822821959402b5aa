//! Ingest from existing shippers (`shared/API.md`, "Ingest from existing
//! shippers"): OTLP/HTTP logs ([`otlp`]), Loki push ([`loki`]) and
//! Elasticsearch bulk ([`elastic`]). Syslog listeners live in `orion-cli`
//! (they are not HTTP) and use [`map`] too.
//!
//! Every protocol ends in the same call as `POST /api/agent/log`:
//! [`orion_core::service::LogService::ingest`], so the durable commit
//! before the answer, the batch limit (10,000 entries → 413), 429 under
//! back-pressure, all-or-nothing batches, the live tail and the alert
//! counts apply unchanged. What differs is only the decoding and the
//! shape of the answer, which each protocol dictates.
//!
//! Order of checks, as everywhere: authentication ([`auth`]: `Bearer`,
//! HTTP Basic with the token as the password, `ApiKey`) → 401, the
//! `logs:write` permission → 403, then the body: decompression, decoding
//! and mapping → 400, sizes → 413. A declared `Content-Length` over
//! [`SHIPPER_BODY_LIMIT`] is refused at once with 413.
//!
//! These routes are not in the OpenAPI document (binary protobuf,
//! snappy blocks and NDJSON cannot be described so that a body valid under
//! the schema is a valid request); `docs/api.md` says so, and
//! `docs/ingest.md` documents them.

use orion_core::Orion;
use orion_core::model::Permission;
use orion_core::service::{LogInput, Principal};
use warp::http::StatusCode;

use crate::error::ApiError;
use crate::routes::Routes;

pub mod auth;
pub mod decode;
pub mod elastic;
pub mod loki;
pub mod map;
pub mod otlp;

/// Largest request body as sent (compressed or not), in bytes: the native
/// ingest limit (10 MiB).
pub const SHIPPER_BODY_LIMIT: usize = crate::limits::INGEST_BODY_LIMIT;
/// Largest body once decompressed, in bytes (also 10 MiB): a small gzip or
/// snappy body cannot expand past it (decompression stops there, 413).
pub const DECODED_BODY_LIMIT: usize = 10 * 1024 * 1024;

/// Every shipper route. They are served beside [`crate::routes::all`] but
/// kept out of its table, which is what the OpenAPI document lists.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().merge(otlp::routes(orion)).merge(loki::routes(orion)).merge(elastic::routes(orion))
}

/// The checks before the body: the caller authenticated (401) and allowed
/// to write logs (403).
pub(crate) fn writer(who: Result<Principal, ApiError>) -> Result<Principal, ApiError> {
    let who = who?;
    who.token_with(Permission::LogsWrite).map_err(ApiError::from)?;
    Ok(who)
}

/// Stores the entries through the native ingest (all or nothing, durable
/// before it returns).
pub(crate) async fn store(orion: &Orion, who: &Principal, inputs: Vec<LogInput>) -> Result<usize, ApiError> {
    orion.logs().ingest(who, inputs).await.map_err(ApiError::from)
}

/// 415 for a `Content-Type` or `Content-Encoding` the protocol does not
/// define.
pub(crate) fn unsupported(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
}

/// 400 `invalid_body`: the body could not be decoded (bad protobuf, bad
/// compression, malformed NDJSON).
pub(crate) fn invalid_body(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", message)
}
