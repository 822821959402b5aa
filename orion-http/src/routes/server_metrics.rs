//! `GET /api/projects/:p/servers/metrics`: every server's metrics series
//! in one call (the servers screen's sparklines). The owner's session
//! only; another user's project is a 404 before any parameter is read.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::server_metrics::ServerMetricsView;
use crate::filters::authed;
use crate::query::{self, Params, params};
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
        .and(params())
        .and_then(|project: String, who: Principal, orion: Orion, params: Params| async move {
            let owned = orion.projects().owned(&who, &project);
            let range = match checked(owned, || query::metrics_range(&params)).await {
                Ok(range) => range,
                Err(refused) => return Ok(refused),
            };
            result(orion.agents().metrics(&who, &project, range).await, |m| {
                json(StatusCode::OK, &ServerMetricsView::from(&m))
            })
        })
}
