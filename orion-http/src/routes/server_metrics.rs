//! `GET /api/projects/:p/servers/metrics`: every server's metrics series
//! in one call (the servers screen's sparklines). The owner's session
//! only; another user's project is a 404 before any parameter is read.

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::dto::server_metrics::ServerMetricsView;
use crate::filters::{authed, query};
use crate::respond::{json, result};

/// The metrics route.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/projects/{projectName}/servers/metrics", metrics(orion))
}

/// GET /api/projects/{projectName}/servers/metrics
fn metrics(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "servers" / "metrics")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.agents().metrics_request(&who, &project, &input).await, |m| {
                json(StatusCode::OK, &ServerMetricsView::from(&m))
            })
        })
}
