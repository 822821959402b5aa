//! API tokens of a project: list, create, revoke, rotate. User sessions
//! only; a revoked or rotated-away value stops working at once (the
//! service deletes or replaces its hash).

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::tokens::{CreateToken, CreatedToken, RotatedToken, TokenView};
use crate::filters::{BODY_LIMIT, Body, authed, body};
use crate::respond::{json, no_content, result};

/// The token routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/tokens", list(orion))
        .add(Method::POST, "/api/projects/{projectName}/tokens", create(orion))
        .add(Method::DELETE, "/api/projects/{projectName}/tokens/{tokenId}", revoke(orion))
        .add(Method::POST, "/api/projects/{projectName}/tokens/{tokenId}/rotate", rotate(orion))
}

/// GET /api/projects/{projectName}/tokens
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "tokens").and(warp::get()).and(authed(orion)).and_then(
        |project: String, who: Principal, orion: Orion| async move {
            result(orion.tokens().list(&who, &project).await, |tokens| {
                json(StatusCode::OK, &tokens.iter().map(TokenView::from).collect::<Vec<_>>())
            })
        },
    )
}

/// POST /api/projects/{projectName}/tokens
fn create(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "tokens")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, who: Principal, orion: Orion, body: Body| async move {
            let body: CreateToken =
                match checked(orion.projects().owned(&who, &project), || body.json()).await {
                    Ok(body) => body,
                    Err(refused) => return Ok(refused),
                };
            let issued = orion.tokens().create(&who, &project, &body.name, &body.permissions).await;
            result(issued, |issued| json(StatusCode::CREATED, &CreatedToken::from(issued)))
        })
}

/// DELETE /api/projects/{projectName}/tokens/{tokenId}
fn revoke(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "tokens" / String)
        .and(warp::delete())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            result(orion.tokens().revoke(&who, &project, &id).await, |()| no_content())
        })
}

/// POST /api/projects/{projectName}/tokens/{tokenId}/rotate
fn rotate(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "tokens" / String / "rotate")
        .and(warp::post())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            let rotated = orion.tokens().rotate(&who, &project, &id).await;
            result(rotated, |issued| json(StatusCode::OK, &RotatedToken::from(issued)))
        })
}
