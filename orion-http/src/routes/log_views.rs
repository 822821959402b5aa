//! An entry's context and the facets of a query. Owner's session, or an
//! API token of the project with `logs:read`; filters (`q` included) are
//! parsed by [`crate::query`] once access and the entry are settled.

use orion_core::Orion;
use orion_core::error::FieldError;
use orion_core::model::Permission;
use orion_core::service::Principal;
use orion_core::service::logs::{FacetField, MAX_CONTEXT, MAX_FACET_FIELDS, MAX_FACET_VALUES};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::log_views::{ContextView, FacetsView};
use crate::error::ApiError;
use crate::filters::authed;
use crate::query::{self, Params, params};
use crate::respond::{json, result};

/// Neighbours on each side when `before`/`after` are absent.
const DEFAULT_CONTEXT: u32 = 50;
/// Values per facet when `limit` is absent.
const DEFAULT_FACET_VALUES: u32 = 10;
/// Fields when `fields` is absent.
const DEFAULT_FIELDS: &str = "level,source,tags,serverId";

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
        .and(params())
        .and_then(|project: String, id: String, who: Principal, orion: Orion, params: Params| async move {
            let found = orion.logs().entry(&who, &project, &id);
            let parsed = || {
                let counts = count(&params, "before", MAX_CONTEXT, DEFAULT_CONTEXT)
                    .and_then(|b| count(&params, "after", MAX_CONTEXT, DEFAULT_CONTEXT).map(|a| (b, a)));
                query::both(query::filter(&params), counts)
            };
            let (filter, (before, after)) = match checked(found, parsed).await {
                Ok(parsed) => parsed,
                Err(refused) => return Ok(refused),
            };
            result(orion.logs().context(&who, &project, &id, &filter, before, after).await, |c| {
                json(StatusCode::OK, &ContextView::from(&c))
            })
        })
}

/// GET /api/projects/{projectName}/logs/facets
fn facets(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "logs" / "facets")
        .and(warp::get())
        .and(authed(orion))
        .and(params())
        .and_then(|project: String, who: Principal, orion: Orion, params: Params| async move {
            let readable = orion.projects().accessible(&who, &project, Permission::LogsRead);
            let parsed = || {
                let fields = fields(&params);
                let limit = count(&params, "limit", MAX_FACET_VALUES, DEFAULT_FACET_VALUES);
                query::both(query::filter(&params), query::both(fields, limit))
            };
            let (filter, (fields, limit)) = match checked(readable, parsed).await {
                Ok(parsed) => parsed,
                Err(refused) => return Ok(refused),
            };
            result(orion.logs().facets(&who, &project, &filter, &fields, limit).await, |f| {
                json(StatusCode::OK, &FacetsView::from(&f))
            })
        })
}

/// A whole number `0..=max` (`1..=max` for `limit`), or `default` when absent.
fn count(params: &Params, key: &str, max: u32, default: u32) -> Result<u32, ApiError> {
    let min = u32::from(key == "limit");
    match params.get(key) {
        None => Ok(default),
        Some(raw) => raw.trim().parse::<u32>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                key,
                format!("must be a whole number from {min} to {max}"),
            )])
        }),
    }
}

/// `fields`: a comma list of `level`, `source`, `tags`, `serverId`,
/// `meta.<key>`; blanks around names and empty items are ignored; at most
/// [`MAX_FACET_FIELDS`] names listed (a repeat counts, and is faceted once).
fn fields(params: &Params) -> Result<Vec<FacetField>, ApiError> {
    let raw = params.get("fields").unwrap_or(DEFAULT_FIELDS);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    // Every name listed counts toward the limit, repeats included, so the
    // rule is the one the OpenAPI pattern states.
    let mut listed = 0;
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        listed += 1;
        match FacetField::parse(name) {
            Some(field) if !out.contains(&field) => out.push(field),
            Some(_) => {}
            None => errors.push(FieldError::new(
                "fields",
                format!(
                    "unknown field `{}`; use level, source, tags, serverId or meta.<key>",
                    name.chars().take(40).collect::<String>()
                ),
            )),
        }
    }
    if out.is_empty() && errors.is_empty() || listed > MAX_FACET_FIELDS {
        errors.push(FieldError::new("fields", format!("must list 1 to {MAX_FACET_FIELDS} fields")));
    }
    if errors.is_empty() { Ok(out) } else { Err(ApiError::validation(errors)) }
}
