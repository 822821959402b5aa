//! `GET /api/projects/:p/logs/export`: every match of the search filters
//! (no page cap), streamed by [`crate::export`]. Everything that can fail
//! with a status (access, a bad `format` or filter: the log service reads
//! them) fails before the first byte; `limit` and `offset` are ignored.

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::Method;
use warp::reply::Response;

use super::Routes;
use crate::export;
use crate::filters::{authed, query};
use crate::respond::result;

/// The export route.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::GET, "/api/projects/{projectName}/logs/export", export(orion))
}

/// GET /api/projects/{projectName}/logs/export
fn export(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "logs" / "export")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.logs().export_request(&who, &project, &input).await, |(format, rows)| {
                export::response(rows, format)
            })
        })
}
