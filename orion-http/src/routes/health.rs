//! Liveness: answers without authentication, for load balancers and
//! `orion serve` smoke checks.

use orion_core::Orion;
use serde::Serialize;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::respond::json;

/// The health route.
pub fn routes(_orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/health", health())
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// GET /api/health
fn health() -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("api" / "health")
        .and(warp::get())
        .map(|| json(StatusCode::OK, &Health { status: "ok", version: env!("CARGO_PKG_VERSION") }))
}
