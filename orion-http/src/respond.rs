//! Building success responses, and the one shape every handler ends with:
//! a service result mapped to JSON, or its error mapped by [`crate::error`].

use std::convert::Infallible;

use orion_core::error::ServiceResult;
use serde::Serialize;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

/// `body` as JSON with `status`.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}

/// 204 with no body.
pub fn no_content() -> Response {
    warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response()
}

/// `Ok` → `on_ok(value)`, `Err` → the error's reply. Handlers return this,
/// so they can never reject.
pub fn result<T>(
    result: ServiceResult<T>,
    on_ok: impl FnOnce(T) -> Response,
) -> Result<Response, Infallible> {
    Ok(match result {
        Ok(value) => on_ok(value),
        Err(err) => crate::error::reply(err),
    })
}
