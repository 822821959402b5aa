//! The one mapping from failures to HTTP answers.
//!
//! Service errors become replies ([`reply`]); filter failures become
//! [`Rejected`] rejections; [`recover`], installed once at the top, turns
//! every rejection (ours and warp's own) into the same JSON body:
//! `{"error": "<sentence>", "code": "<snake_case>", "details"?: [...]}`.
//! Nothing here ever puts the cause of a 500 on the wire: it is logged,
//! inside the request's span (which carries the request id), and the client
//! gets `internal`. A database that cannot be reached is not a fault of
//! the server: it is answered 503 `unavailable` with `Retry-After`
//! ([`UNAVAILABLE_RETRY_AFTER`]), and logged as a warning.

use std::convert::Infallible;
use std::time::Duration;

use orion_core::ServiceError;
use orion_core::error::FieldError;
use serde::Serialize;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reject::{
    InvalidHeader, InvalidQuery, LengthRequired, MethodNotAllowed, MissingHeader, PayloadTooLarge, Reject,
    UnsupportedMediaType,
};
use warp::reply::Response;
use warp::{Rejection, Reply};

/// The `Retry-After` of a 503 `unavailable` (the database cannot be
/// reached): short, since the server serves again as soon as it is back.
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(2);

/// An error answer: status, stable code, human message, field details and,
/// for 429, how long to wait.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable, snake_case code clients branch on.
    pub code: &'static str,
    /// A human sentence.
    pub message: String,
    /// Per-field problems (validation only).
    pub details: Vec<FieldError>,
    /// Sent as `Retry-After` (whole seconds, rounded up).
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: Vec::new(), retry_after: None }
    }

    /// 400 `validation_failed` with per-field details.
    pub fn validation(details: Vec<FieldError>) -> Self {
        Self { details, ..Self::new(StatusCode::BAD_REQUEST, "validation_failed", "the request is invalid") }
    }

    /// 400 `invalid_json`.
    pub fn invalid_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_json", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
    }

    /// 503 `unavailable` with `Retry-After`; the caller has logged the cause.
    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(UNAVAILABLE_RETRY_AFTER),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database cannot be reached; retry after the number of seconds in Retry-After",
            )
        }
    }

    /// 500 `internal`; the caller has logged the cause.
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error")
    }

    /// The JSON response (plus `Retry-After` when set, and
    /// `WWW-Authenticate: Bearer` on a 401).
    pub fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
            code: &'a str,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            details: &'a [FieldError],
        }
        let body = Body { error: &self.message, code: self.code, details: &self.details };
        let mut response = warp::reply::with_status(warp::reply::json(&body), self.status).into_response();
        if let Some(wait) = self.retry_after {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 9110 §11.6.1: every 401 names the scheme to use.
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        use ServiceError as E;
        let message = err.to_string();
        match err {
            E::NotFound(_) => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            E::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            E::Validation(details) => Self::validation(details),
            E::Unauthorized(_) => Self::unauthorized(message),
            E::MissingPermission(_) => Self::new(StatusCode::FORBIDDEN, "missing_permission", message),
            E::UserTokenRequired => Self::new(StatusCode::FORBIDDEN, "user_token_required", message),
            E::RateLimited { retry_after } => Self {
                retry_after: Some(retry_after),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "too many requests; retry after the number of seconds in Retry-After",
                )
            },
            E::TooLarge(_) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message),
            E::Storage(cause) => {
                tracing::error!(error = %cause, source = ?cause.source(), "storage failure");
                Self::internal()
            }
            E::Unreachable(cause) => {
                tracing::warn!(error = %cause, source = ?cause.source(), "database unreachable");
                Self::unavailable()
            }
            E::Internal(cause) => {
                tracing::error!(error = %cause, "internal failure");
                Self::internal()
            }
        }
    }
}

/// The reply for a service error (handlers call this; they never reject).
pub fn reply(err: ServiceError) -> Response {
    ApiError::from(err).into_response()
}

/// A rejection carrying an [`ApiError`]; raised by our filters (auth, body,
/// query) and answered as-is by [`recover`].
#[derive(Debug)]
pub struct Rejected(pub ApiError);

impl Reject for Rejected {}

/// Rejects the request with `err`.
pub fn reject(err: impl Into<ApiError>) -> Rejection {
    warp::reject::custom(Rejected(err.into()))
}

/// Turns any rejection into a JSON answer. Installed once, at the top.
///
/// A rejection may combine the failures of several routes; the most
/// specific wins, in warp's own order: ours, then the body/header/query
/// failures of the route whose path matched, then 405 (the path exists with
/// another method), then 404 (no such path).
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    Ok(classify(&rejection).into_response())
}

fn classify(rejection: &Rejection) -> ApiError {
    if let Some(Rejected(err)) = rejection.find() {
        return err.clone();
    }
    if rejection.find::<PayloadTooLarge>().is_some() {
        return ApiError::payload_too_large(crate::limits::BODY_LIMIT);
    }
    if rejection.find::<warp::filters::body::BodyDeserializeError>().is_some() {
        return ApiError::invalid_json("the request body is not valid JSON");
    }
    if rejection.find::<InvalidQuery>().is_some() {
        let err = FieldError::new("query", "the query string could not be parsed");
        return ApiError::validation(vec![err]);
    }
    if let Some(missing) = rejection.find::<MissingHeader>() {
        let message = format!("the `{}` header is required", missing.name());
        return ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message);
    }
    if let Some(invalid) = rejection.find::<InvalidHeader>() {
        let message = format!("the `{}` header is invalid", invalid.name());
        return ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message);
    }
    if rejection.find::<LengthRequired>().is_some() {
        return ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "a Content-Length header is required",
        );
    }
    if rejection.find::<warp::ws::MissingConnectionUpgrade>().is_some() {
        let message = "this endpoint is a WebSocket: send `Connection: upgrade` and `Upgrade: websocket`";
        return ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message);
    }
    if rejection.find::<UnsupportedMediaType>().is_some() {
        let message = "the request's content type is not supported";
        return ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message);
    }
    if rejection.find::<MethodNotAllowed>().is_some() {
        let message = "this path does not accept that method";
        return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message);
    }
    if rejection.is_not_found() {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", NO_ROUTE);
    }
    // A rejection we do not know: a bug in a filter, not the client's fault.
    tracing::error!(?rejection, "unhandled rejection");
    ApiError::internal()
}

/// The message of the unknown-route 404, distinct from a resource's 404 so
/// the route/OpenAPI test can tell "no such endpoint" from "no such project".
pub const NO_ROUTE: &str = "no such endpoint";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_error_has_its_status_and_code() {
        let cases: Vec<(ServiceError, u16, &str)> = vec![
            (ServiceError::NotFound("project"), 404, "not_found"),
            (ServiceError::Conflict("dup".into()), 409, "conflict"),
            (ServiceError::invalid("name", "bad"), 400, "validation_failed"),
            (ServiceError::Unauthorized("no"), 401, "unauthorized"),
            (ServiceError::MissingPermission("logs:read"), 403, "missing_permission"),
            (ServiceError::UserTokenRequired, 403, "user_token_required"),
            (ServiceError::RateLimited { retry_after: Duration::from_secs(3) }, 429, "rate_limited"),
            (ServiceError::TooLarge("too many".into()), 413, "payload_too_large"),
            (ServiceError::Internal("boom".into()), 500, "internal"),
            (ServiceError::Unreachable(Box::new(std::io::Error::other("refused"))), 503, "unavailable"),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err);
            assert_eq!((api.status.as_u16(), api.code), (status, code));
        }
    }

    #[test]
    fn retry_after_is_rounded_up_to_whole_seconds() {
        let err = ServiceError::RateLimited { retry_after: Duration::from_millis(1500) };
        let response = reply(err);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }

    #[test]
    fn an_unreachable_database_is_503_with_retry_after_and_no_cause() {
        let err = ServiceError::Unreachable(Box::new(std::io::Error::other("10.0.0.5:5432 refused")));
        let response = reply(err);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let api = ApiError::unavailable();
        assert!(!api.message.contains("10.0.0.5"));
    }

    #[test]
    fn internal_errors_never_carry_their_cause() {
        let api = ApiError::from(ServiceError::Internal("secret detail".into()));
        assert!(!api.message.contains("secret"));
    }
}
