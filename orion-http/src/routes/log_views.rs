//! An entry's context and the facets of a query. Owner's session, or an
//! API token of the project with `logs:read`; the query parameters
//! (filters, `q` included, `before`/`after`, `fields`, `limit`) go to the
//! log service as they came, which reads them once access and the entry
//! are settled.

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::dto::log_views::{ContextView, FacetsView};
use crate::filters::{authed, query};
use crate::respond::{json, result};

/// The context and facets routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/projects/{projectName}/logs/{id}/context", context(orion)).add(
        Method::GET,
        "/api/projects/{projectName}/logs/facets",
        facets(orion),
    )
}

/// GET /api/projects/{projectName}/logs/{id}/context
fn context(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "logs" / String / "context")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, id: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.logs().context_request(&who, &project, &id, &input).await, |c| {
                json(StatusCode::OK, &ContextView::from(&c))
            })
        })
}

/// GET /api/projects/{projectName}/logs/facets
fn facets(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "logs" / "facets")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.logs().facets_request(&who, &project, &input).await, |f| {
                json(StatusCode::OK, &FacetsView::from(&f))
            })
        })
}
