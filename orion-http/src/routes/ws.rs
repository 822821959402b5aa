//! `GET /ws`: the live-tail WebSocket (not under `/api`).
//!
//! This route only authenticates, resolves what the caller may see and
//! upgrades; the session loop lives in [`crate::live`]. Everything that can
//! be refused is refused before the upgrade, as a JSON answer, in the
//! order of checks: missing or bad credentials (401: the header, a
//! single-use `?ticket=` from `POST /api/auth/ws-ticket`, or an API token
//! as `?token=sk_…`; never a session JWT in the URL), a project the caller may not read (403/404), a bad filter
//! (400).

use orion_core::Orion;
use orion_core::service::{Principal, QueryInput};
use warp::Filter;
use warp::http::Method;
use warp::reply::Response;
use warp::ws::Ws;

use super::Routes;
use crate::error::reply;
use crate::filters::{orion as with_orion, principal_or_query_token, query};
use crate::live::{Hub, MAX_CLIENT_MESSAGE, Selection, Session};

/// The WebSocket route; its sessions follow `hub`.
pub fn routes(orion: &Orion, hub: &Hub) -> Routes {
    Routes::new().add(Method::GET, "/ws", live(orion, hub))
}

/// GET /ws
fn live(
    orion: &Orion,
    hub: &Hub,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    let hub = hub.clone();
    warp::path!("ws")
        .and(warp::get())
        .and(principal_or_query_token(orion))
        .and(query())
        .and(warp::ws())
        .and(with_orion(orion))
        .and(warp::any().map(move || hub.clone()))
        .and_then(|who: Principal, input: QueryInput, ws: Ws, orion: Orion, hub: Hub| async move {
            // Who may see what first, then the filters (the order of checks):
            // the log service reads `project` and the filters.
            let (scope, filter) = match orion.logs().live_request(&who, &input).await {
                Ok(selection) => selection,
                Err(err) => return Ok::<_, std::convert::Infallible>(reply(err)),
            };
            let events = orion.logs().subscribe();
            let selection = Selection { scope, filter };
            let session = Session { orion, principal: who, selection, events };
            let upgrade =
                ws.max_message_size(MAX_CLIENT_MESSAGE).on_upgrade(move |socket| session.run(socket, hub));
            Ok(warp::Reply::into_response(upgrade))
        })
}
