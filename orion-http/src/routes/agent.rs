//! What agents call: registration (a user session or an `agent:register`
//! token), heartbeats, alerts, per-script sources, and the command queue
//! (poll, acknowledge). Every endpoint but registration wants an API token
//! with its permission; a user session there is 403 `missing_permission`.
//! The body is read only once that is checked (and, for an ack, the
//! command found): see [`crate::access`].

use orion_core::Orion;
use orion_core::model::Permission;
use orion_core::service::{HeartbeatInput, Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::{self, checked};
use crate::dto::OK;
use crate::dto::agents::{
    AckRequest, AlertRequest, HeartbeatRequest, IssuedTokenView, RegisterAgent, SourceRequest,
};
use crate::dto::servers::PendingCommandView;
use crate::filters::{BODY_LIMIT, Body, authed, body, query};
use crate::respond::{json, result};

/// The agent routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::POST, "/api/agent/register", register(orion))
        .add(Method::POST, "/api/agent/heartbeat", heartbeat(orion))
        .add(Method::POST, "/api/agent/alert", alert(orion))
        .add(Method::POST, "/api/agent/source", source(orion))
        .add(Method::GET, "/api/agent/commands", commands(orion))
        .add(Method::POST, "/api/agent/commands/{commandId}/ack", ack(orion))
}

/// POST /api/agent/register
fn register(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "agent" / "register")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, body: Body| async move {
            let body: RegisterAgent = match checked(access::registrar(&who), || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            result(orion.agents().register(&who, body.into()).await, |issued| {
                json(StatusCode::CREATED, &IssuedTokenView::from(issued))
            })
        })
}

/// POST /api/agent/heartbeat
fn heartbeat(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "agent" / "heartbeat")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, body: Body| async move {
            let parsed = || body.json::<HeartbeatRequest>().map(HeartbeatInput::from);
            let input = match checked(access::token(&who, Permission::HeartbeatWrite), parsed).await {
                Ok(input) => input,
                Err(refused) => return Ok(refused),
            };
            result(orion.agents().heartbeat(&who, input).await, |()| json(StatusCode::CREATED, &OK))
        })
}

/// POST /api/agent/alert
fn alert(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "agent" / "alert")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, body: Body| async move {
            let body: AlertRequest =
                match checked(access::token(&who, Permission::LogsWrite), || body.json()).await {
                    Ok(body) => body,
                    Err(refused) => return Ok(refused),
                };
            result(orion.agents().alert(&who, body.into()).await, |_| json(StatusCode::CREATED, &OK))
        })
}

/// POST /api/agent/source
fn source(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "agent" / "source")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, body: Body| async move {
            let gate = access::token(&who, Permission::AgentRegister);
            let body: SourceRequest = match checked(gate, || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let issued = orion.agents().create_source(&who, &body.name, body.cwd.as_deref()).await;
            result(issued, |issued| json(StatusCode::CREATED, &IssuedTokenView::from(issued)))
        })
}

/// GET /api/agent/commands
fn commands(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "agent" / "commands").and(warp::get()).and(authed(orion)).and(query()).and_then(
        |who: Principal, orion: Orion, input: QueryInput| async move {
            // `serverId`: only tokens not bound to a server need it; a bound
            // token's server wins.
            result(orion.agents().pending_commands_request(&who, &input).await, |commands| {
                json(StatusCode::OK, &commands.iter().map(PendingCommandView::from).collect::<Vec<_>>())
            })
        },
    )
}

/// POST /api/agent/commands/{commandId}/ack
fn ack(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "agent" / "commands" / String / "ack")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|id: String, who: Principal, orion: Orion, body: Body| async move {
            let body: AckRequest = match checked(orion.agents().command(&who, &id), || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let acked = orion.agents().acknowledge(&who, &id, &body.status, body.output.as_deref()).await;
            result(acked, |_| json(StatusCode::OK, &OK))
        })
}
