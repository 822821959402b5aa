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
//! - [`routes`](mod@routes): one file per area (`auth`, `ws_ticket`,
//!   `projects`, `sources`, `tokens`, `ingest`, `logs`, `log_views`,
//!   `searches`, `export`, `agent`, `servers`, `server_metrics`,
//!   `incidents`, `alerts`, `alert_preview`, `silences`, `ws`, `health`,
//!   `openapi`), each holding handlers only: wire types and their decoding
//!   are in [`dto`], every rule on the input is core's. Every endpoint is
//!   registered through [`routes::Routes::add`] with its method and path
//!   template, so the table of served endpoints ([`endpoints`]) is exact
//!   and a test compares it with the OpenAPI document.
//! - [`filters`]: reusable filters — bearer auth → `Principal` (and the
//!   `?token=` variant for WebSockets), bodies with a size limit, JSON
//!   parsing, and the query string as core's raw `QueryInput` (its rules
//!   are core's: `orion_core::service::query`).
//! - [`limits`]: the request-size limit the filters enforce and 413s name.
//! - [`dashboard`]: the web dashboard's embedded files (`web/`), served at
//!   `/` and every path outside the API's prefixes, with versioned URLs,
//!   ETags, gzip and a strict Content-Security-Policy.
//! - [`access`]: the order of checks — authorization and the resource
//!   before a body is decoded (query parameters go to the services raw,
//!   which read them after their own checks).
//! - [`export`]: streamed exports (NDJSON, JSON, CSV) in constant memory.
//! - [`live`]: WebSocket sessions (logs, heartbeats, incidents) and the
//!   [`live::Hub`] that pings them and closes them on shutdown.
//! - [`error`]: the one mapping from `ServiceError` and warp rejections to a
//!   status and a `{"error", "code", "details"?}` body.
//! - [`dto`]: wire types (camelCase), kept apart from domain types, and
//!   the decoding of what is not a plain JSON body (the ingest batch, the
//!   WebSocket `subscribe` message): they check wire shapes and convert
//!   into core's raw inputs, not values (one exception left: a
//!   heartbeat's script states, see `docs/architecture.md`).
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

// The modules are the crate's own rooms: what other crates use is
// re-exported below (the server, its routes and endpoint table, the live
// options, the shipper decoders for the syslog listener, fuzzing and the
// benchmark, and the few constants tests compare with).

use std::future::Future;

use orion_core::Orion;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

pub(crate) mod access;
pub(crate) mod dashboard;
pub(crate) mod dto;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod filters;
pub(crate) mod limits;
pub(crate) mod live;
pub(crate) mod observe;
pub(crate) mod respond;
pub(crate) mod routes;
pub mod shippers;

pub use error::NO_ROUTE;
pub use limits::BODY_LIMIT;
pub use live::{Hub, LiveOptions};
pub use routes::Endpoint;

/// Every API route, with JSON error recovery, request ids and access
/// logging: the whole server as one filter. WebSocket sessions use the
/// default [`LiveOptions`] and are never asked to close; [`serve`] closes
/// them on shutdown.
pub fn routes(orion: Orion) -> BoxedFilter<(Response,)> {
    routes_with(orion, &Hub::default())
}

/// [`routes()`] with WebSocket sessions following `hub`.
pub fn routes_with(orion: Orion, hub: &Hub) -> BoxedFilter<(Response,)> {
    let routes = routes::all(&orion, hub);
    // The shippers' protocol endpoints are served beside the API but not in
    // its table (the OpenAPI document lists that table): see `shippers`.
    let shippers = shippers::routes(&orion);
    let allow = routes::Allow::new(&[routes.endpoints(), shippers.endpoints()].concat());
    // The dashboard last: it answers only paths outside the API's prefixes,
    // so its not-found never hides an API route's rejection.
    let api = routes
        .into_filter()
        .or(shippers.into_filter())
        .unify()
        .or(dashboard::routes())
        .unify()
        .recover(error::recover)
        .unify();
    // `path::full` does not consume the path: the routes still see all of it.
    let api = warp::path::full()
        .and(api)
        .map(move |path: warp::path::FullPath, response| allow.add_to(path.as_str(), response));
    observe::wrap(api)
}

/// This build's dashboard asset version (12 hex digits), as its pages'
/// versioned URLs carry it.
pub fn dashboard_version() -> &'static str {
    dashboard::embedded().version()
}

/// The table of `(method, path template)` pairs [`routes()`] serves, in
/// OpenAPI path syntax (`/api/projects/{projectName}`).
pub fn endpoints(orion: &Orion) -> Vec<Endpoint> {
    routes::all(orion, &Hub::default()).endpoints()
}

/// Serves [`routes()`] on an already-bound listener until `shutdown`
/// completes, with the default [`LiveOptions`]. See [`serve_with`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    orion: Orion,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    serve_with(listener, orion, LiveOptions::default(), shutdown).await;
}

/// Serves on an already-bound listener until `shutdown` completes, then
/// stops accepting, closes WebSocket sessions (a `1001 going away` frame),
/// lets open requests finish and waits (a few seconds at most) for the
/// sessions to end.
///
/// The caller binds, so tests can bind `127.0.0.1:0` and read the port
/// before anything is spawned.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    orion: Orion,
    live: LiveOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the Orion API");
    }
    let hub = Hub::new(live);
    let closer = hub.clone();
    let shutdown = async move {
        shutdown.await;
        // Upgraded connections are no longer hyper's: close them ourselves.
        closer.close_all();
    };
    warp::serve(routes_with(orion, &hub)).incoming(listener).graceful(shutdown).run().await;
    if tokio::time::timeout(SESSION_CLOSE_GRACE, hub.wait_idle()).await.is_err() {
        tracing::warn!(open = hub.active(), "WebSocket sessions still open after shutdown");
    }
}

/// How long [`serve_with`] waits for WebSocket sessions to close.
const SESSION_CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);
