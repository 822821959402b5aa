//! Reading logs: search (a project's, or one source's) and the histogram.
//! Owner's session, or an API token of the project with `logs:read`.
//! The query parameters go to the log service as they came
//! ([`QueryInput`]); it reads them once access is settled, and a bad one
//! is a 400 naming it, never an empty result.

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::dto::logs::{HistogramView, PageView};
use crate::filters::{authed, query};
use crate::respond::{json, result};

/// The log-reading routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/logs", search(orion))
        .add(Method::GET, "/api/projects/{projectName}/sources/{sourceName}/logs", search_source(orion))
        .add(Method::GET, "/api/projects/{projectName}/logs/histogram", histogram(orion))
}

/// GET /api/projects/{projectName}/logs
fn search(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "logs")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.logs().search_request(&who, &project, &input).await, |(query, page)| {
                json(StatusCode::OK, &PageView::new(&page, query.limit, query.offset))
            })
        })
}

/// GET /api/projects/{projectName}/sources/{sourceName}/logs
fn search_source(
    orion: &Orion,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "sources" / String / "logs")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(
            |project: String, source: String, who: Principal, orion: Orion, input: QueryInput| async move {
                let page = orion.logs().search_source_request(&who, &project, &source, &input).await;
                result(page, |(query, page)| {
                    json(StatusCode::OK, &PageView::new(&page, query.limit, query.offset))
                })
            },
        )
}

/// GET /api/projects/{projectName}/logs/histogram
fn histogram(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "logs" / "histogram")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.logs().histogram_request(&who, &project, &input).await, |(interval, rows)| {
                json(StatusCode::OK, &HistogramView::new(interval.as_str(), &rows))
            })
        })
}
