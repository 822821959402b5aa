//! The API's routes, one module per area, and [`Routes`], the builder every
//! endpoint goes through.
//!
//! Registering through [`Routes::add`] is the only way to put a filter in
//! the server, and it records the endpoint's method and path template next
//! to the filter. That table is what `GET /api/openapi.json` must document:
//! the OpenAPI test compares the two sets, and calls every documented
//! endpoint to check it is really served there.

use std::sync::Arc;

use orion_core::Orion;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, Method, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::live::Hub;

pub mod agent;
pub mod alert_preview;
pub mod alerts;
pub mod auth;
pub mod export;
pub mod health;
pub mod incidents;
pub mod ingest;
pub mod log_views;
pub mod logs;
pub mod openapi;
pub mod projects;
pub mod searches;
pub mod server_metrics;
pub mod servers;
pub mod silences;
pub mod sources;
pub mod tokens;
pub mod ws;
pub mod ws_ticket;

/// Every area's routes, in one table; WebSocket sessions follow `hub`.
pub fn all(orion: &Orion, hub: &Hub) -> Routes {
    Routes::new()
        .merge(health::routes(orion))
        .merge(openapi::routes(orion))
        .merge(auth::routes(orion))
        .merge(ws_ticket::routes(orion))
        .merge(projects::routes(orion))
        .merge(sources::routes(orion))
        .merge(tokens::routes(orion))
        .merge(ingest::routes(orion))
        .merge(logs::routes(orion))
        .merge(log_views::routes(orion))
        .merge(searches::routes(orion))
        .merge(export::routes(orion))
        .merge(agent::routes(orion))
        .merge(servers::routes(orion))
        .merge(server_metrics::routes(orion))
        .merge(incidents::routes(orion))
        .merge(alerts::routes(orion))
        .merge(alert_preview::routes(orion))
        .merge(silences::routes(orion))
        .merge(ws::routes(orion, hub))
}

/// One served endpoint: a method and an OpenAPI path template
/// (`/api/projects/{projectName}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    /// Upper-case HTTP method (`GET`).
    pub method: String,
    /// Path template, parameters in braces.
    pub path: &'static str,
}

/// A set of routes with the table of the endpoints they serve.
///
/// Each endpoint's filter is boxed as it is added and the set is folded
/// into a chain of boxed `or`s: unboxed `or` chains make compile times
/// crawl.
///
/// A literal segment beats a parameter: where one template's literal path
/// (`/alerts/rules/preview`) also fits another's parameter
/// (`/alerts/rules/{ruleId}`), only the literal template serves it, so a
/// wrong method there is a 405 with the literal template's `Allow`, not
/// whatever the parameter route makes of the word `preview`.
#[derive(Default)]
pub struct Routes {
    endpoints: Vec<(Endpoint, BoxedFilter<(Response,)>)>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let table: Vec<&Endpoint> = self.endpoints.iter().map(|(e, _)| e).collect();
        f.debug_struct("Routes").field("table", &table).finish_non_exhaustive()
    }
}

impl Routes {
    /// No routes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the endpoint `method path`, served by `filter` (which must
    /// match that path and method itself, path first so a wrong method on a
    /// known path is a 405 and an unknown path a 404).
    pub fn add<F, R>(mut self, method: Method, path: &'static str, filter: F) -> Self
    where
        F: Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static,
        R: Reply + 'static,
    {
        let filter = filter.map(Reply::into_response).boxed();
        self.endpoints.push((Endpoint { method: method.as_str().to_owned(), path }, filter));
        self
    }

    /// Both sets.
    pub fn merge(mut self, other: Routes) -> Self {
        self.endpoints.extend(other.endpoints);
        self
    }

    /// The endpoints served, in registration order.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.endpoints.iter().map(|(e, _)| e.clone()).collect()
    }

    /// The filter serving every endpoint (an empty set matches nothing).
    pub fn into_filter(self) -> BoxedFilter<(Response,)> {
        let templates: Vec<&'static str> = self.endpoints.iter().map(|(e, _)| e.path).collect();
        let mut chain: Option<BoxedFilter<(Response,)>> = None;
        for (endpoint, filter) in self.endpoints {
            let filter = match shadowing(&templates, endpoint.path) {
                shadows if shadows.is_empty() => filter,
                shadows => not_within(shadows).and(filter).boxed(),
            };
            chain = Some(match chain {
                Some(previous) => previous.or(filter).unify().boxed(),
                None => filter,
            });
        }
        chain.unwrap_or_else(|| warp::any().and_then(|| async { Err(warp::reject::not_found()) }).boxed())
    }
}

/// The templates of `templates` more specific than `template`: the same
/// segments, with a literal where `template` has a parameter.
fn shadowing(templates: &[&'static str], template: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for &other in templates {
        if other != template && covers(template, other) && !out.contains(&other) {
            out.push(other);
        }
    }
    out
}

/// Passes a request whose path fits none of `shadows` (a 404 rejection
/// otherwise, which warp ranks below a 405 from the route that serves it).
fn not_within(shadows: Vec<&'static str>) -> BoxedFilter<()> {
    warp::path::full()
        .and_then(move |path: warp::path::FullPath| {
            let shadowed = shadows.iter().any(|s| template_matches(s, path.as_str()));
            async move { if shadowed { Err(warp::reject::not_found()) } else { Ok(()) } }
        })
        .untuple_one()
        .boxed()
}

/// Whether every path `specific` matches, `general` matches too: the same
/// segment count, each segment equal or a parameter in `general`.
fn covers(general: &str, specific: &str) -> bool {
    let (g, s) = (general.split('/'), specific.split('/'));
    g.clone().count() == s.clone().count() && g.zip(s).all(|(g, s)| g == s || g.starts_with('{'))
}

/// The `Allow` header of 405 answers: the methods the route table serves
/// at a request's path (warp's rejection only says *a* route matched the
/// path).
#[derive(Debug, Clone)]
pub struct Allow(Arc<[Endpoint]>);

impl Allow {
    /// For the endpoints of a route table.
    pub fn new(endpoints: &[Endpoint]) -> Self {
        Self(endpoints.into())
    }

    /// The methods served at `path` (a request path, not a template), in
    /// registration order.
    pub fn methods(&self, path: &str) -> Vec<&str> {
        let matching: Vec<&Endpoint> = self.0.iter().filter(|e| template_matches(e.path, path)).collect();
        // A literal template beats the parameter templates it fits (see
        // [`Routes`]): theirs are not the methods of this path.
        let most_specific =
            |e: &&&Endpoint| !matching.iter().any(|o| o.path != e.path && covers(e.path, o.path));
        let mut methods: Vec<&str> = Vec::new();
        for e in matching.iter().filter(most_specific) {
            if !methods.contains(&e.method.as_str()) {
                methods.push(&e.method);
            }
        }
        methods
    }

    /// `response`, with `Allow` added when it is a 405 for `path`.
    pub fn add_to(&self, path: &str, mut response: Response) -> Response {
        // A handler that answered its own 405 (the `/es` dispatcher) set it.
        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && !response.headers().contains_key(header::ALLOW)
        {
            let methods = self.methods(path).join(", ");
            if let Ok(value) = HeaderValue::from_str(&methods) {
                response.headers_mut().insert(header::ALLOW, value);
            }
        }
        response
    }
}

/// Whether a request path matches a template: the same segments, a
/// `{parameter}` standing for any non-empty one (as warp's `String`
/// parameters do). A trailing slash is ignored, as warp's `path::end` does.
fn template_matches(template: &str, path: &str) -> bool {
    let path = if path.len() > 1 { path.strip_suffix('/').unwrap_or(path) } else { path };
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(t), Some(p)) if t.starts_with('{') && !p.is_empty() => {}
            (Some(t), Some(p)) if t == p => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> Allow {
        let e = |method: &str, path| Endpoint { method: method.to_owned(), path };
        Allow::new(&[
            e("GET", "/api/projects"),
            e("POST", "/api/projects"),
            e("DELETE", "/api/projects/{projectName}"),
            e("GET", "/api/projects/{projectName}/sources"),
            e("POST", "/api/projects/{projectName}/sources"),
            e("PUT", "/api/projects/{projectName}/rules/{ruleId}"),
            e("POST", "/api/projects/{projectName}/rules/preview"),
        ])
    }

    #[test]
    fn the_methods_of_a_path_are_those_of_every_template_it_matches() {
        let allow = allow();
        assert_eq!(allow.methods("/api/projects"), ["GET", "POST"]);
        assert_eq!(allow.methods("/api/projects/"), ["GET", "POST"]);
        assert_eq!(allow.methods("/api/projects/web"), ["DELETE"]);
        assert_eq!(allow.methods("/api/projects/web/sources"), ["GET", "POST"]);
        assert!(allow.methods("/api/projects//sources").is_empty());
        assert!(allow.methods("/api/projects/web/nothing").is_empty());
        assert!(allow.methods("/api").is_empty());
    }

    #[test]
    fn a_literal_template_hides_the_parameter_templates_it_fits() {
        let allow = allow();
        assert_eq!(allow.methods("/api/projects/web/rules/preview"), ["POST"]);
        assert_eq!(allow.methods("/api/projects/web/rules/7"), ["PUT"]);
        let templates = ["/a/{id}", "/a/new", "/a/{id}/b", "/{x}/new"];
        assert_eq!(shadowing(&templates, "/a/{id}"), ["/a/new"]);
        assert_eq!(shadowing(&templates, "/{x}/new"), ["/a/new"]);
        assert!(shadowing(&templates, "/a/new").is_empty());
        assert!(shadowing(&templates, "/a/{id}/b").is_empty());
    }
}
