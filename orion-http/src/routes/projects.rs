//! Projects: list (by archived state), create, delete, archive, restore.
//! User sessions only; another user's project is a 404 (the service
//! decides, this module only translates).

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::{self, checked};
use crate::dto::projects::{CreateProject, CreatedProject, ProjectView};
use crate::filters::{BODY_LIMIT, Body, authed, body, query};
use crate::respond::{json, no_content, result};

/// The project routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects", list(orion))
        .add(Method::POST, "/api/projects", create(orion))
        .add(Method::DELETE, "/api/projects/{projectName}", delete(orion))
        .add(Method::PATCH, "/api/projects/{projectName}/archive", archive(orion))
        .add(Method::PATCH, "/api/projects/{projectName}/restore", restore(orion))
}

/// GET /api/projects
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects").and(warp::get()).and(authed(orion)).and(query()).and_then(
        |who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.projects().list_request(&who, &input).await, |projects| {
                json(StatusCode::OK, &projects.iter().map(ProjectView::from).collect::<Vec<_>>())
            })
        },
    )
}

/// POST /api/projects
fn create(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects").and(warp::post()).and(authed(orion)).and(body(BODY_LIMIT)).and_then(
        |who: Principal, orion: Orion, body: Body| async move {
            let body: CreateProject = match checked(access::user(&who), || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let created = orion.projects().create(&who, &body.name, body.label.as_deref()).await;
            result(created, |p| json(StatusCode::CREATED, &CreatedProject::from(&p)))
        },
    )
}

/// DELETE /api/projects/{projectName}
fn delete(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String).and(warp::delete()).and(authed(orion)).and_then(
        |name: String, who: Principal, orion: Orion| async move {
            result(orion.projects().delete(&who, &name).await, |()| no_content())
        },
    )
}

/// PATCH /api/projects/{projectName}/archive
fn archive(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    set_archived(orion, "archive", true)
}

/// PATCH /api/projects/{projectName}/restore
fn restore(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    set_archived(orion, "restore", false)
}

/// Archive and restore differ only in the last path segment and the flag.
fn set_archived(
    orion: &Orion,
    action: &'static str,
    archived: bool,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path("api")
        .and(warp::path("projects"))
        .and(warp::path::param::<String>())
        .and(warp::path(action))
        .and(warp::path::end())
        .and(warp::patch())
        .and(authed(orion))
        .and_then(move |name: String, who: Principal, orion: Orion| async move {
            let project = orion.projects().set_archived(&who, &name, archived).await;
            result(project, |p| json(StatusCode::OK, &ProjectView::from(&p)))
        })
}
