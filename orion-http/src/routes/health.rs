//! Liveness: answers without authentication, for load balancers and
//! `orion serve` smoke checks.

use orion_core::Orion;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::dto::health::Health;
use crate::respond::json;

/// The health route.
pub fn routes(_orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/health", health())
}

/// GET /api/health
fn health() -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("api" / "health")
        .and(warp::get())
        .map(|| json(StatusCode::OK, &Health { status: "ok", version: env!("CARGO_PKG_VERSION") }))
}
