//! The owner's list of a project's incidents (what agents reported via
//! `POST /api/agent/alert`), newest first. User sessions only.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::servers::IncidentView;
use crate::filters::{orion as with_orion, principal};
use crate::query::{self, Params, params};
use crate::respond::{json, result};

/// The incident routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/projects/{projectName}/incidents", list(orion))
}

/// GET /api/projects/{projectName}/incidents
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "incidents")
        .and(warp::get())
        .and(principal(orion))
        .and(params())
        .and(with_orion(orion))
        .and_then(|project: String, who: Principal, params: Params, orion: Orion| async move {
            let window =
                match checked(orion.projects().owned(&who, &project), || query::window(&params)).await {
                    Ok(window) => window,
                    Err(refused) => return Ok(refused),
                };
            let listed = orion.agents().incidents(&who, &project, window.from, window.to, window.limit);
            result(listed.await, |incidents| {
                json(StatusCode::OK, &incidents.iter().map(IncidentView::from).collect::<Vec<_>>())
            })
        })
}
