//! `POST /api/agent/log`: log ingestion from agents and SDKs.
//!
//! The body is one entry object or an array of them, up to
//! [`INGEST_BODY_LIMIT`] (larger than the API's usual limit: agents send
//! batches). Wire-type problems (a number where a string belongs) are
//! reported for every entry at once, as `details: [{index, field,
//! message}]`; the service then validates values, enforces the batch size
//! and stores all entries or none. The 201 is sent only once the service
//! returns, i.e. after the commit.
//!
//! An `Idempotency-Key` header makes a resend safe: the key is recorded
//! with the batch, and within 24 h a request with the same key in the same
//! project stores nothing and answers the same 201 `{"accepted": N}`.

use orion_core::Orion;
use orion_core::model::Permission;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::{self, checked};
use crate::dto::ingest::parse_batch;
use crate::dto::logs::Accepted;
use crate::filters::{Body, authed, body, idempotency_key};
use crate::limits::INGEST_BODY_LIMIT;
use crate::respond::{json, result};

/// The ingestion route.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::POST, "/api/agent/log", ingest(orion))
}

/// POST /api/agent/log
fn ingest(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "agent" / "log")
        .and(warp::post())
        .and(authed(orion))
        .and(idempotency_key())
        .and(body(INGEST_BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, key: Option<String>, body: Body| async move {
            let parsed = || parse_batch(&body.bytes()?);
            let inputs = match checked(access::token(&who, Permission::LogsWrite), parsed).await {
                Ok(inputs) => inputs,
                Err(refused) => return Ok(refused),
            };
            let stored = orion.logs().ingest_with_key(&who, key.as_deref(), inputs).await;
            result(stored, |accepted| json(StatusCode::CREATED, &Accepted { accepted }))
        })
}
