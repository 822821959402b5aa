//! The order of checks of every authenticated endpoint (`shared/API.md`):
//! authentication (401, the [`crate::filters::principal`] filter), then
//! authorization (403) and the resource (404), and only then the input —
//! body and query parameters (400, and 413 past the limits). A caller who
//! may not act on an endpoint never learns what a valid request to it looks
//! like.
//!
//! Query parameters need nothing here: handlers hand them to the service
//! as they came (core's raw [`QueryInput`](orion_core::service::QueryInput),
//! from [`crate::filters::query`]), and the service reads them after its
//! own checks of the caller and the resource. A body must be decoded
//! before a service can take it, so handlers take it unparsed
//! ([`crate::filters::Body`]) and decode it through [`checked`], which
//! first awaits a *gate*: the service call that finds what the request
//! acts on (`projects().owned`, `alerts().owned_rule`, `agents().command`,
//! …) or one of the permission checks below. The service call that
//! follows checks again, so a gate can only refuse earlier, never let
//! through what the service would refuse.

use std::future::Future;

use orion_core::error::ServiceResult;
use orion_core::model::Permission;
use orion_core::service::Principal;
use warp::reply::Response;

use crate::error::{ApiError, reply};

/// `input()` once `gate` has passed; the gate's error, or else the input's,
/// as the reply.
pub async fn checked<G, T>(
    gate: impl Future<Output = ServiceResult<G>>,
    input: impl FnOnce() -> Result<T, ApiError>,
) -> Result<T, Response> {
    gate.await.map_err(reply)?;
    input().map_err(ApiError::into_response)
}

/// Gate: a user session (an API token is 403 `user_token_required`).
pub async fn user(who: &Principal) -> ServiceResult<()> {
    who.user().map(drop)
}

/// Gate: an API token carrying `perm` (anything else is 403
/// `missing_permission`).
pub async fn token(who: &Principal, perm: Permission) -> ServiceResult<()> {
    who.token_with(perm).map(drop)
}

/// Gate of agent registration: a user session, or a token with
/// `agent:register` (the project named in the body is the service's to
/// check: it is known only once the body is read).
pub async fn registrar(who: &Principal) -> ServiceResult<()> {
    match who {
        Principal::User(_) => Ok(()),
        Principal::Token(_) => token(who, Permission::AgentRegister).await,
    }
}
