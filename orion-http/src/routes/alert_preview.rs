//! `POST /api/projects/:p/alerts/rules/preview`: a rule evaluated over
//! past data by the alert engine's own code. User sessions only; another
//! user's project is a 404; the body is read only after both checks.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::alert_preview::{PreviewBody, PreviewView};
use crate::filters::{BODY_LIMIT, Body, authed, body};
use crate::respond::{json, result};

/// The preview route.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::POST, "/api/projects/{projectName}/alerts/rules/preview", preview(orion))
}

/// POST /api/projects/{projectName}/alerts/rules/preview
fn preview(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "rules" / "preview")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, who: Principal, orion: Orion, body: Body| async move {
            let body: PreviewBody =
                match checked(orion.projects().owned(&who, &project), || body.json()).await {
                    Ok(body) => body,
                    Err(refused) => return Ok(refused),
                };
            result(orion.alerts().preview(&who, &project, body.into()).await, |p| {
                json(StatusCode::OK, &PreviewView::from(&p))
            })
        })
}
