//! Accounts and two-factor authentication: register, login, the 2FA step,
//! `me`, and 2FA setup/enable/disable.

use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Routes;
use crate::access::{self, checked};
use crate::dto::OK;
use crate::dto::auth::{
    CodeRequest, EnableResponse, LoginRequest, LoginResponse, Me, RegisterRequest, SetupResponse,
    TokenResponse, VerifyRequest,
};
use crate::filters::{BODY_LIMIT, Body, authed, body, json_body, orion as with_orion};
use crate::respond::{json, result};

/// The authentication routes.
pub fn routes(orion: &Orion) -> Routes {
    Routes::new()
        .add(Method::POST, "/api/auth/register", register(orion))
        .add(Method::POST, "/api/auth/login", login(orion))
        .add(Method::POST, "/api/auth/2fa/verify", verify(orion))
        .add(Method::GET, "/api/auth/me", me(orion))
        .add(Method::POST, "/api/auth/2fa/setup", setup(orion))
        .add(Method::POST, "/api/auth/2fa/enable", enable(orion))
        .add(Method::POST, "/api/auth/2fa/disable", disable(orion))
}

/// POST /api/auth/register
fn register(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "register")
        .and(warp::post())
        .and(json_body::<RegisterRequest>())
        .and(with_orion(orion))
        .and_then(|body: RegisterRequest, orion: Orion| async move {
            result(orion.accounts().register(body.into()).await, |_| json(StatusCode::CREATED, &OK))
        })
}

/// POST /api/auth/login
fn login(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "login")
        .and(warp::post())
        .and(json_body::<LoginRequest>())
        .and(with_orion(orion))
        .and_then(|body: LoginRequest, orion: Orion| async move {
            let outcome = orion.accounts().login(&body.email, &body.password).await;
            result(outcome, |o| json(StatusCode::OK, &LoginResponse::from(o)))
        })
}

/// POST /api/auth/2fa/verify
fn verify(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "2fa" / "verify")
        .and(warp::post())
        .and(json_body::<VerifyRequest>())
        .and(with_orion(orion))
        .and_then(|body: VerifyRequest, orion: Orion| async move {
            let token = orion.accounts().verify_two_factor(&body.session_token, &body.code).await;
            result(token, |token| json(StatusCode::OK, &TokenResponse { token }))
        })
}

/// GET /api/auth/me
fn me(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "me").and(warp::get()).and(authed(orion)).and_then(
        |who: Principal, orion: Orion| async move {
            result(orion.accounts().me(&who).await, |user| json(StatusCode::OK, &Me::from(&user)))
        },
    )
}

/// POST /api/auth/2fa/setup
fn setup(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "2fa" / "setup").and(warp::post()).and(authed(orion)).and_then(
        |who: Principal, orion: Orion| async move {
            result(orion.two_factor().setup(&who).await, |s| json(StatusCode::OK, &SetupResponse::from(s)))
        },
    )
}

/// POST /api/auth/2fa/enable
fn enable(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "2fa" / "enable")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, body: Body| async move {
            let body: CodeRequest = match checked(access::user(&who), || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            result(orion.two_factor().enable(&who, &body.code).await, |recovery_codes| {
                json(StatusCode::OK, &EnableResponse { ok: true, recovery_codes })
            })
        })
}

/// POST /api/auth/2fa/disable
fn disable(orion: &Orion) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + use<> {
    warp::path!("api" / "auth" / "2fa" / "disable")
        .and(warp::post())
        .and(authed(orion))
        .and(body(BODY_LIMIT))
        .and_then(|who: Principal, orion: Orion, body: Body| async move {
            let body: CodeRequest = match checked(access::user(&who), || body.json()).await {
                Ok(body) => body,
                Err(refused) => return Ok(refused),
            };
            result(orion.two_factor().disable(&who, &body.code).await, |()| json(StatusCode::OK, &OK))
        })
}
