//! Alert silences of a project: list, create, delete. The owner's session
//! only (an API token is 403 `user_token_required`); another user's
//! project or an unknown (or expired) silence is a 404, before the body is
//! read.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::silences::{SilenceBody, SilenceView};
use crate::filters::{BODY_LIMIT, Body, authed, body};
use crate::respond::{json, no_content, result};

/// The silence routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/alerts/silences", list(orion))
        .add(Method::POST, "/api/projects/{projectName}/alerts/silences", create(orion))
        .add(Method::DELETE, "/api/projects/{projectName}/alerts/silences/{silenceId}", delete(orion))
}

/// GET /api/projects/{projectName}/alerts/silences
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "silences")
        .and(warp::get())
        .and(authed(orion))
        .and_then(|project: String, who: Principal, orion: Orion| async move {
            result(orion.alerts().silences(&who, &project).await, |list| {
                json(StatusCode::OK, &list.iter().map(SilenceView::from).collect::<Vec<_>>())
            })
        })
}

/// POST /api/projects/{projectName}/alerts/silences
fn create(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "silences")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, who: Principal, orion: Orion, body: Body| async move {
            let body: SilenceBody =
                match checked(orion.projects().owned(&who, &project), || body.json()).await {
                    Ok(body) => body,
                    Err(refused) => return Ok(refused),
                };
            let created = orion.alerts().create_silence(&who, &project, body.into()).await;
            result(created, |s| json(StatusCode::CREATED, &SilenceView::from(&s)))
        })
}

/// DELETE /api/projects/{projectName}/alerts/silences/{silenceId}
fn delete(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "silences" / String)
        .and(warp::delete())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            result(orion.alerts().delete_silence(&who, &project, &id).await, |()| no_content())
        })
}
