//! Sources of a project: list and create (the creation answer carries the
//! source's `sk_` token, shown once). User sessions only.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::sources::{CreateSource, CreatedSource, SourceView};
use crate::filters::{BODY_LIMIT, Body, authed, body};
use crate::respond::{json, result};

/// The source routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/projects/{projectName}/sources", list(orion)).add(
        Method::POST,
        "/api/projects/{projectName}/sources",
        create(orion),
    )
}

/// GET /api/projects/{projectName}/sources
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "sources").and(warp::get()).and(authed(orion)).and_then(
        |project: String, who: Principal, orion: Orion| async move {
            result(orion.sources().list(&who, &project).await, |sources| {
                json(StatusCode::OK, &sources.iter().map(SourceView::from).collect::<Vec<_>>())
            })
        },
    )
}

/// POST /api/projects/{projectName}/sources
fn create(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "sources")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, who: Principal, orion: Orion, body: Body| async move {
            let body: CreateSource =
                match checked(orion.projects().owned(&who, &project), || body.json()).await {
                    Ok(body) => body,
                    Err(refused) => return Ok(refused),
                };
            let created =
                orion.sources().create(&who, &project, &body.name, body.description.as_deref()).await;
            result(created, |(source, token)| json(StatusCode::CREATED, &CreatedSource::new(&source, token)))
        })
}
