//! `POST /api/auth/ws-ticket`: a single-use, 30-second ticket that opens
//! the live-tail WebSocket (`/ws?ticket=wst_…`), so a browser never puts
//! its JWT in a URL. User sessions only; the body, if any, is ignored.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::dto::auth::TicketResponse;
use crate::filters::{BODY_LIMIT, Body, authed, body};
use crate::respond::{json, result};

/// The ticket route.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new().add(Method::POST, "/api/auth/ws-ticket", ticket(orion))
}

/// POST /api/auth/ws-ticket
fn ticket(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "ws-ticket")
        .and(warp::post())
        .and(authed(orion))
        // Read (bounded) and dropped: the request takes no input.
        .and(body(BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, _body: Body| async move {
            result(orion.accounts().issue_ws_ticket(&who).await, |(ticket, expires_at)| {
                json(StatusCode::CREATED, &TicketResponse { ticket, expires_at })
            })
        })
}
