//! A project's incidents (what agents reported via `POST
//! /api/agent/alert`, grouped): the list (newest activity first,
//! `?status=open|resolved`), one incident with its crash context, and
//! resolving one by hand. User sessions only; another user's project or
//! incident is a 404.

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::dto::servers::IncidentView;
use crate::filters::{authed, query};
use crate::respond::{json, result};

/// The incident routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/incidents", list(orion))
        .add(Method::GET, "/api/projects/{projectName}/incidents/{incidentId}", one(orion))
        .add(Method::POST, "/api/projects/{projectName}/incidents/{incidentId}/resolve", resolve(orion))
}

/// GET /api/projects/{projectName}/incidents
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "incidents")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.agents().incidents_request(&who, &project, &input).await, |incidents| {
                json(StatusCode::OK, &incidents.iter().map(IncidentView::from).collect::<Vec<_>>())
            })
        })
}

/// GET /api/projects/{projectName}/incidents/{incidentId}
fn one(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "incidents" / String)
        .and(warp::get())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            result(orion.agents().incident(&who, &project, &id).await, |(_, incident)| {
                json(StatusCode::OK, &IncidentView::from(&incident))
            })
        })
}

/// POST /api/projects/{projectName}/incidents/{incidentId}/resolve
fn resolve(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "incidents" / String / "resolve")
        .and(warp::post())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            result(orion.agents().resolve_incident(&who, &project, &id).await, |incident| {
                json(StatusCode::OK, &IncidentView::from(&incident))
            })
        })
}
