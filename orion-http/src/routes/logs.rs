//! Reading logs: search (a project's, or one source's) and the histogram.
//! Owner's session, or an API token of the project with `logs:read`.
//! Query parameters are parsed by [`crate::query`]; a bad one is a 400
//! naming it, never an empty result.

use orion_core::Orion;
use orion_core::model::Permission;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::logs::{HistogramView, PageView};
use crate::filters::authed;
use crate::query::{self, Params, params};
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
        .and(params())
        .and_then(|project: String, who: Principal, orion: Orion, params: Params| async move {
            let readable = orion.projects().accessible(&who, &project, Permission::LogsRead);
            let query = match checked(readable, || query::page(&params)).await {
                Ok(query) => query,
                Err(refused) => return Ok(refused),
            };
            result(orion.logs().search(&who, &project, &query).await, |page| {
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
        .and(params())
        .and_then(
            |project: String, source: String, who: Principal, orion: Orion, params: Params| async move {
                let readable = orion.logs().readable_source(&who, &project, &source);
                let query = match checked(readable, || query::page(&params)).await {
                    Ok(query) => query,
                    Err(refused) => return Ok(refused),
                };
                result(orion.logs().search_source(&who, &project, &source, &query).await, |page| {
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
        .and(params())
        .and_then(|project: String, who: Principal, orion: Orion, params: Params| async move {
            let readable = orion.projects().accessible(&who, &project, Permission::LogsRead);
            let parsed = || query::both(query::filter(&params), query::interval(&params));
            let (filter, interval) = match checked(readable, parsed).await {
                Ok(parsed) => parsed,
                Err(refused) => return Ok(refused),
            };
            result(orion.logs().histogram(&who, &project, &filter, interval).await, |rows| {
                json(StatusCode::OK, &HistogramView::new(query::interval_name(interval), &rows))
            })
        })
}
