//! `GET /api/projects/:p/logs/export`: every match of the search filters
//! (no page cap), streamed by [`crate::export`]. Everything that can fail
//! with a status (bad `format` or filter, access) fails before the first
//! byte; `limit` and `offset` are ignored.

use orion_core::Orion;
use orion_core::model::Permission;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::Method;
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::export::{self, Format};
use crate::filters::authed;
use crate::query::{self, Params, params};
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
        .and(params())
        .and_then(|project: String, who: Principal, orion: Orion, params: Params| async move {
            let readable = orion.projects().accessible(&who, &project, Permission::LogsRead);
            let parsed = || query::both(Format::parse(params.get("format")), query::filter(&params));
            let (format, filter) = match checked(readable, parsed).await {
                Ok(parsed) => parsed,
                Err(refused) => return Ok(refused),
            };
            result(orion.logs().export(&who, &project, filter).await, |rows| export::response(rows, format))
        })
}
