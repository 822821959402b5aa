//! The owner's view of a project's machines: servers (with their online
//! state and latest heartbeat), a server's heartbeats, and its commands
//! (queue one, list them with their status). User sessions only; another
//! user's project or an unknown server is a 404.

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::checked;
use crate::dto::servers::{CommandView, EnqueueCommand, HeartbeatView, ServerView};
use crate::filters::{BODY_LIMIT, Body, authed, body, query};
use crate::respond::{json, result};

/// The server routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::GET, "/api/projects/{projectName}/servers", list(orion))
        .add(Method::GET, "/api/projects/{projectName}/servers/{serverId}/heartbeats", heartbeats(orion))
        .add(Method::POST, "/api/projects/{projectName}/servers/{serverId}/commands", enqueue(orion))
        .add(Method::GET, "/api/projects/{projectName}/servers/{serverId}/commands", commands(orion))
}

/// GET /api/projects/{projectName}/servers
fn list(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "servers").and(warp::get()).and(authed(orion)).and_then(
        |project: String, who: Principal, orion: Orion| async move {
            result(orion.agents().servers(&who, &project).await, |servers| {
                json(StatusCode::OK, &servers.iter().map(ServerView::from).collect::<Vec<_>>())
            })
        },
    )
}

/// GET /api/projects/{projectName}/servers/{serverId}/heartbeats
fn heartbeats(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "servers" / String / "heartbeats")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(
            |project: String, server: String, who: Principal, orion: Orion, input: QueryInput| async move {
                let beats = orion.agents().heartbeats_request(&who, &project, &server, &input).await;
                result(beats, |beats| {
                    json(StatusCode::OK, &beats.iter().map(HeartbeatView::from).collect::<Vec<_>>())
                })
            },
        )
}

/// POST /api/projects/{projectName}/servers/{serverId}/commands
fn enqueue(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "servers" / String / "commands")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|project: String, server: String, who: Principal, orion: Orion, body: Body| async move {
            let owned = orion.agents().owned_server(&who, &project, &server);
            let body: EnqueueCommand = match checked(owned, || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            let script = body.script_name.as_deref();
            let queued =
                orion.agents().enqueue_command(&who, &project, &server, &body.kind, script, body.payload);
            result(queued.await, |command| json(StatusCode::CREATED, &CommandView::from(&command)))
        })
}

/// GET /api/projects/{projectName}/servers/{serverId}/commands
fn commands(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "projects" / String / "servers" / String / "commands")
        .and(warp::get())
        .and(authed(orion))
        .and(query())
        .and_then(
            |project: String, server: String, who: Principal, orion: Orion, input: QueryInput| async move {
                let commands = orion.agents().commands_request(&who, &project, &server, &input).await;
                result(commands, |commands| {
                    json(StatusCode::OK, &commands.iter().map(CommandView::from).collect::<Vec<_>>())
                })
            },
        )
}
