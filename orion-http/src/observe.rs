//! Request ids and the access log.
//!
//! Each request runs inside a `request` span (from `warp::trace`) whose
//! `request_id` field is a fresh UUID, so every event logged while serving
//! it — including a 500's cause, logged in [`crate::error`] — carries the
//! id. When the response is ready, one access-log event records method,
//! path (never the query: it may hold a token), status and latency, and the
//! id goes back to the client as `x-request-id`.

use std::time::Instant;

use uuid::Uuid;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::filters::path::FullPath;
use warp::http::{HeaderValue, Method};
use warp::reply::Response;

/// The response header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Wraps the whole API (already recovered: it cannot reject) with request
/// ids and the access log.
pub fn wrap(
    api: impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone + Send + Sync + 'static,
) -> BoxedFilter<(Response,)> {
    warp::any()
        .map(start)
        .and(warp::method())
        .and(warp::path::full())
        .and(api)
        .map(finish)
        .with(warp::trace(|info| {
            tracing::info_span!(
                "request",
                method = %info.method(),
                path = info.path(),
                request_id = tracing::field::Empty,
            )
        }))
        .map(warp::Reply::into_response)
        .boxed()
}

/// What the access log needs from the start of a request.
#[derive(Debug, Clone, Copy)]
struct Started {
    id: Uuid,
    at: Instant,
}

/// Runs inside the request span (it is polled by the traced future), so it
/// can fill in the span's `request_id`.
fn start() -> Started {
    let id = Uuid::new_v4();
    tracing::Span::current().record("request_id", tracing::field::display(id));
    Started { id, at: Instant::now() }
}

fn finish(started: Started, method: Method, path: FullPath, mut response: Response) -> Response {
    let status = response.status();
    tracing::info!(
        target: "orion_http::access",
        request_id = %started.id,
        method = %method,
        path = path.as_str(),
        status = status.as_u16(),
        latency_ms = started.at.elapsed().as_secs_f64() * 1000.0,
        "request served"
    );
    if let Ok(value) = HeaderValue::from_str(&started.id.to_string()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
