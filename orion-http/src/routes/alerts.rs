//! Alert rules of a project (list, create, replace, delete, test send) and
//! its alert history. User sessions only (an API token is a 403); another
//! user's project or rule is a 404. The rules themselves — condition
//! parsing, channel checks, limits — are the alert service's.

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::alerts::{EventView, RuleBody, RuleView, TestResults};
use crate::filters::{BODY_LIMIT, Body, authed, body, query};
use crate::respond::{json, no_content, result};

/// The alert routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/alerts/rules", list(orion))
        .add(Method::POST, "/api/projects/{projectName}/alerts/rules", create(orion))
        .add(Method::PUT, "/api/projects/{projectName}/alerts/rules/{ruleId}", replace(orion))
        .add(Method::DELETE, "/api/projects/{projectName}/alerts/rules/{ruleId}", delete(orion))
        .add(Method::POST, "/api/projects/{projectName}/alerts/rules/{ruleId}/test", test(orion))
        .add(Method::GET, "/api/projects/{projectName}/alerts/events", events(orion))
}

/// GET /api/projects/{projectName}/alerts/rules
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "rules")
        .and(warp::get())
        .and(authed(orion))
        .and_then(|project: String, who: Principal, orion: Orion| async move {
            result(orion.alerts().list_rules(&who, &project).await, |rules| {
                json(StatusCode::OK, &rules.iter().map(RuleView::from).collect::<Vec<_>>())
            })
        })
}

/// POST /api/projects/{projectName}/alerts/rules
fn create(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "rules")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, who: Principal, orion: Orion, body: Body| async move {
            let body: RuleBody = match checked(orion.projects().owned(&who, &project), || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let created = orion.alerts().create_rule(&who, &project, body.into()).await;
            result(created, |rule| json(StatusCode::CREATED, &RuleView::from(&rule)))
        })
}

/// PUT /api/projects/{projectName}/alerts/rules/{ruleId}
fn replace(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "rules" / String)
        .and(warp::put())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, id: String, who: Principal, orion: Orion, body: Body| async move {
            let rule = orion.alerts().owned_rule(&who, &project, &id);
            let body: RuleBody = match checked(rule, || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let replaced = orion.alerts().update_rule(&who, &project, &id, body.into()).await;
            result(replaced, |rule| json(StatusCode::OK, &RuleView::from(&rule)))
        })
}

/// DELETE /api/projects/{projectName}/alerts/rules/{ruleId}
fn delete(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "rules" / String)
        .and(warp::delete())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            result(orion.alerts().delete_rule(&who, &project, &id).await, |()| no_content())
        })
}

/// POST /api/projects/{projectName}/alerts/rules/{ruleId}/test
fn test(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "rules" / String / "test")
        .and(warp::post())
        .and(authed(orion))
        .and_then(|project: String, id: String, who: Principal, orion: Orion| async move {
            result(orion.alerts().test_rule(&who, &project, &id).await, |deliveries| {
                json(StatusCode::OK, &TestResults::from(deliveries.as_slice()))
            })
        })
}

/// GET /api/projects/{projectName}/alerts/events
fn events(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "alerts" / "events")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(|project: String, who: Principal, orion: Orion, input: QueryInput| async move {
            result(orion.alerts().events_request(&who, &project, &input).await, |events| {
                json(StatusCode::OK, &events.iter().map(EventView::from).collect::<Vec<_>>())
            })
        })
}
