//! # orion-http
//!
//! Orion's warp 0.4 adapter: it turns HTTP requests into calls on the
//! services of [`orion_core::Orion`] and their results into JSON answers.
//! It owns no rules: parse → call a service → map.
//!
//! ```no_run
//! # async fn run(orion: orion_core::Orion) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
//! // Runs until the shutdown future completes (here: never).
//! orion_http::serve(listener, orion, std::future::pending()).await;
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - [`routes`](mod@routes): one file per area (`auth`, `projects`, `sources`,
//!   `tokens`, `health`, `openapi`). Every endpoint is registered through
//!   [`routes::Routes::add`] with its method and path template, so the table
//!   of served endpoints ([`endpoints`]) is exact and a test compares it with
//!   the OpenAPI document.
//! - [`filters`]: reusable filters — bearer auth → `Principal`, JSON body
//!   with a size limit, query parsing.
//! - [`error`]: the one mapping from `ServiceError` and warp rejections to a
//!   status and a `{"error", "code", "details"?}` body.
//! - [`dto`]: wire types (camelCase), kept apart from domain types.
//! - [`respond`]: small helpers that build JSON and 204 responses.
//! - [`observe`]: request ids (`x-request-id`) and the access log.
//!
//! # Errors on the wire
//!
//! Every answer but a 204 has a JSON body. Handlers never reject: service
//! errors become replies through [`error::reply`]. Filters (auth, body,
//! query) reject with [`error::Rejected`], and one top-level
//! [`error::recover`] turns every rejection — including warp's own 404, 405
//! and 413 — into the same JSON shape.

#![forbid(unsafe_code)]

use std::future::Future;

use orion_core::Orion;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

pub mod dto;
pub mod error;
pub mod filters;
pub mod observe;
pub mod respond;
pub mod routes;

pub use routes::Endpoint;

/// Every API route, with JSON error recovery, request ids and access
/// logging: the whole server as one filter.
pub fn routes(orion: Orion) -> BoxedFilter<(Response,)> {
    let api = routes::all(&orion).into_filter().recover(error::recover).unify();
    observe::wrap(api)
}

/// The table of `(method, path template)` pairs [`routes()`] serves, in
/// OpenAPI path syntax (`/api/projects/{projectName}`).
pub fn endpoints(orion: &Orion) -> Vec<Endpoint> {
    routes::all(orion).endpoints().to_vec()
}

/// Serves [`routes()`] on an already-bound listener until `shutdown`
/// completes, then stops accepting and lets open requests finish.
///
/// The caller binds, so tests can bind `127.0.0.1:0` and read the port
/// before anything is spawned.
pub async fn serve(
    listener: tokio::net::TcpListener,
    orion: Orion,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the Orion API");
    }
    warp::serve(routes(orion)).incoming(listener).graceful(shutdown).run().await;
}
