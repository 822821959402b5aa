//! Saved searches of the logs explorer: list, create, replace, delete.
//! The owner's session only (an API token is 403 `user_token_required`);
//! another user's project or an unknown search is a 404, before the body
//! is read.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::searches::{SearchBody, SearchView};
use crate::filters::{BODY_LIMIT, Body, authed, body};
use crate::respond::{json, no_content, result};

/// The saved-search routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/searches", list(orion))
        .add(Method::POST, "/api/projects/{projectName}/searches", create(orion))
        .add(Method::PUT, "/api/projects/{projectName}/searches/{searchId}", replace(orion))
        .add(Method::DELETE, "/api/projects/{projectName}/searches/{searchId}", delete(orion))
}

/// GET /api/projects/{projectName}/searches
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "searches").and(warp::get()).and(authed(orion)).and_then(
        |project: String, who: Principal, orion: Orion| async move {
            result(orion.logs().saved_searches(&who, &project).await, |list| {
                json(StatusCode::OK, &list.iter().map(SearchView::from).collect::<Vec<_>>())
            })
        },
    )
}

/// POST /api/projects/{projectName}/searches
fn create(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "searches")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, who: Principal, orion: Orion, body: Body| async move {
            let body: SearchBody = match checked(orion.projects().owned(&who, &project), || body.json()).await
            {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let created = orion.logs().create_search(&who, &project, body.into()).await;
            result(created, |s| json(StatusCode::CREATED, &SearchView::from(&s)))
        })
}

/// PUT /api/projects/{projectName}/searches/{searchId}
fn replace(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "searches" / String)
        .and(warp::put())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, id: String, who: Principal, orion: Orion, body: Body| async move {
            let found = orion.logs().owned_search(&who, &project, &id);
            let body: SearchBody = match checked(found, || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let replaced = orion.logs().update_search(&who, &project, &id, body.into()).await;
            result(replaced, |s| json(StatusCode::OK, &SearchView::from(&s)))
        })
}

/// DELETE /api/projects/{projectName}/searches/{searchId}
fn delete(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "searches" / String)
        .and(warp::delete())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            result(orion.logs().delete_search(&who, &project, &id).await, |()| no_content())
        })
}
