//! A project's incidents (what agents reported via `POST
//! /api/agent/alert`, grouped): the list (newest activity first,
//! `?status=open|resolved`), one incident with its crash context, and
//! resolving one by hand. User sessions only; another user's project or
//! incident is a 404.

use orion_core::Orion;
use orion_core::error::FieldError;
use orion_core::model::IncidentStatus;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::servers::IncidentView;
use crate::error::ApiError;
use crate::filters::authed;
use crate::query::{self, Params, params};
use crate::respond::{json, result};

/// The incident routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/incidents", list(orion))
        .add(Method::GET, "/api/projects/{projectName}/incidents/{incidentId}", one(orion))
        .add(Method::POST, "/api/projects/{projectName}/incidents/{incidentId}/resolve", resolve(orion))
}

/// `status`, when given: `open` or `resolved`.
fn status(params: &Params) -> Result<Option<IncidentStatus>, ApiError> {
    match params.get("status") {
        None => Ok(None),
        Some(raw) => IncidentStatus::parse(raw).map(Some).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("status", "must be `open` or `resolved`")])
        }),
    }
}

/// GET /api/projects/{projectName}/incidents
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "incidents")
        .and(warp::get())
        .and(authed(orion))
        .and(params())
        .and_then(|project: String, who: Principal, orion: Orion, params: Params| async move {
            let parsed = || query::both(query::window(&params), status(&params));
            let (window, status) = match checked(orion.projects().owned(&who, &project), parsed).await {
                Ok(parsed) => parsed,
                Err(refused) => return Ok(refused),
            };
            let listed = orion.agents().incidents(&who, &project, status, window);
            result(listed.await, |incidents| {
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
