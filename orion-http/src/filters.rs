//! Reusable filters: who is calling (bearer auth → [`Principal`], or
//! `?ticket=` / `?token=sk_…` for WebSockets), the body (with a size limit), and the query
//! string (decoded into core's raw [`QueryInput`], which the services check).
//!
//! These are the only places that reject; each rejection carries an
//! [`ApiError`] so [`crate::error::recover`] answers it unchanged. Put them
//! *after* the path and method filters of a route, so a failure here is
//! reported only for the route the request was meant for.
//!
//! # Body errors
//!
//! - larger than [`BODY_LIMIT`] (or a route's own limit given to [`body`],
//!   like log ingestion's 10 MiB) → 413 `payload_too_large` (checked from
//!   `Content-Length` before reading, and again while reading, so a chunked
//!   body cannot get past it);
//! - not JSON at all (syntax error, truncated) → 400 `invalid_json`;
//! - JSON of the wrong shape (a number where a string belongs, an array
//!   where an object belongs) → 400 `validation_failed` whose `details`
//!   name the offending field by its path (`permissions[1]`), like every
//!   other validation error. Missing string fields are read as empty and
//!   left to the service's validation, which reports all of them at once.
//!
//! Authenticated endpoints take the [`body`] unparsed and read it only
//! once the caller is authorized and the resource found
//! ([`crate::access`]); only a declared `Content-Length` over the limit is
//! refused before that.

use futures_util::TryStreamExt;
use orion_core::Orion;
use orion_core::error::FieldError;
use orion_core::service::{Principal, QueryInput};
use serde::de::DeserializeOwned;
use warp::http::HeaderMap;
use warp::http::header::{AUTHORIZATION, CONTENT_LENGTH};
use warp::{Buf, Filter, Rejection};

use crate::error::{ApiError, reject};

pub use crate::limits::BODY_LIMIT;

/// Hands a clone of the facade to a handler.
pub fn orion(
    orion: &Orion,
) -> impl Filter<Extract = (Orion,), Error = std::convert::Infallible> + Clone + use<> {
    let orion = orion.clone();
    warp::any().map(move || orion.clone())
}

/// The authenticated caller: a user session or an API token. A missing or
/// malformed `Authorization: Bearer …` header, or a token the accounts
/// service refuses, is a 401.
pub fn principal(orion: &Orion) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone + use<> {
    let orion = orion.clone();
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let orion = orion.clone();
        async move {
            let bearer = bearer(&headers).ok_or_else(|| {
                reject(ApiError::unauthorized("missing or malformed `Authorization: Bearer <token>` header"))
            })?;
            orion.accounts().authenticate(&bearer).await.map_err(reject)
        }
    })
}

/// The caller ([`principal`]) and the facade, for a handler that needs
/// both (every authenticated route).
pub fn authed(orion: &Orion) -> impl Filter<Extract = (Principal, Orion), Error = Rejection> + Clone + use<> {
    principal(orion).and(self::orion(orion))
}

/// The caller of a WebSocket handshake. A browser cannot set headers on
/// one, so besides `Authorization: Bearer …` (which wins when present) the
/// query may carry `?ticket=wst_…` (single-use, from `POST
/// /api/auth/ws-ticket`) or `?token=sk_…` (an API token). A session JWT
/// in the query is refused (401): it must never travel in a URL, where
/// proxies, logs and browser histories keep it.
pub fn principal_or_query_token(
    orion: &Orion,
) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone + use<> {
    let orion = orion.clone();
    warp::header::headers_cloned().and(warp::query::<Vec<(String, String)>>()).and_then(
        move |headers: HeaderMap, query: Vec<(String, String)>| {
            let orion = orion.clone();
            async move {
                if let Some(token) = bearer(&headers) {
                    return orion.accounts().authenticate(&token).await.map_err(reject);
                }
                let last = |key: &str| query.iter().rev().find(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v);
                if let Some(ticket) = last("ticket") {
                    return orion.accounts().authenticate_ws_ticket(ticket).await.map_err(reject);
                }
                match last("token") {
                    Some(token) if token.starts_with("sk_") => {
                        orion.accounts().authenticate(token).await.map_err(reject)
                    }
                    Some(_) => Err(reject(ApiError::unauthorized(
                        "a session token may not be sent in a URL: get a ticket from `POST /api/auth/ws-ticket` \
                         and send `?ticket=<ticket>`",
                    ))),
                    None => Err(reject(ApiError::unauthorized(
                        "missing credentials: send `Authorization: Bearer <token>`, `?ticket=<ticket>` \
                         (from `POST /api/auth/ws-ticket`) or `?token=<API token>`",
                    ))),
                }
            }
        },
    )
}

/// The decoded query string as core's raw [`QueryInput`] (empty when there
/// is none): every pair, in order, unchecked. A query string that cannot
/// be decoded is a 400 on `query` ([`crate::error::recover`]).
pub fn query() -> impl Filter<Extract = (QueryInput,), Error = Rejection> + Clone {
    warp::query::<Vec<(String, String)>>().map(QueryInput::from)
}

/// The token of an `Authorization: Bearer <token>` header (scheme
/// case-insensitive, as RFC 9110 says).
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The request body as JSON of type `T`, at most [`BODY_LIMIT`] bytes.
/// The `Content-Type` is not checked: clients that forget it still work.
pub fn json_body<T: DeserializeOwned + Send>() -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    body_bytes(BODY_LIMIT).and_then(|bytes: Vec<u8>| async move { parse_json(&bytes).map_err(reject) })
}

/// The raw request body, at most `limit` bytes (413 past it), rejecting
/// at once. For routes without authentication; the others take [`body`].
pub fn body_bytes(limit: usize) -> impl Filter<Extract = (Vec<u8>,), Error = Rejection> + Clone {
    body(limit).and_then(|body: Body| async move { body.bytes().map_err(reject) })
}

/// A request body, read but not parsed: an authenticated handler looks at
/// it only after its checks ([`crate::access`]), so a caller without the
/// permission never learns what a valid body looks like.
#[derive(Debug)]
pub struct Body(Result<Vec<u8>, ApiError>);

impl Body {
    /// The bytes, or why they could not be read (too large, cut off).
    pub fn bytes(self) -> Result<Vec<u8>, ApiError> {
        self.0
    }

    /// The body as a JSON object of type `T` (see [`parse_json`]).
    pub fn json<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        parse_json(&self.0?)
    }
}

/// The request body, at most `limit` bytes. A declared `Content-Length`
/// over the limit is refused at once (413, before reading anything); a
/// body found longer while reading is cut off there and kept as a 413 for
/// the handler to report after its checks.
pub fn body(limit: usize) -> impl Filter<Extract = (Body,), Error = Rejection> + Clone {
    warp::header::headers_cloned().and(warp::body::stream()).and_then(
        move |headers: HeaderMap, body| async move {
            let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            if declared.is_some_and(|len| len > limit as u64) {
                return Err(reject(ApiError::payload_too_large(limit)));
            }
            Ok::<_, Rejection>(Body(read_limited(body, limit).await))
        },
    )
}

async fn read_limited<S, B>(body: S, limit: usize) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::new();
    while let Some(mut chunk) =
        body.try_next().await.map_err(|_| ApiError::invalid_json("the request body could not be read"))?
    {
        if bytes.len() + chunk.remaining() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            bytes.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Ok(bytes)
}

/// Parses a body that must be a JSON object, telling malformed JSON
/// (`invalid_json`) from well-formed JSON of the wrong shape
/// (`validation_failed`, naming the field).
///
/// The body is read as a `Value` first: serde's derived structs also accept
/// arrays (`["web"]` would become `{name: "web"}`), which no client means.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid_json(format!("the request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::validation(vec![FieldError::new("body", "must be a JSON object")]));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let field = err.path().to_string();
        ApiError::validation(vec![FieldError::new(field, strip_position(&err.into_inner().to_string()))])
    })
}

/// serde_json may append " at line L column C"; the field path already
/// says where, so drop it.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The `Idempotency-Key` header, if present. A value that is not visible
/// ASCII is passed on as one that fails the service's validation (a 400
/// naming the header), rather than rejected here.
pub fn idempotency_key() -> impl Filter<Extract = (Option<String>,), Error = std::convert::Infallible> + Clone
{
    warp::header::headers_cloned().map(|headers: warp::http::HeaderMap| {
        headers
            .get("idempotency-key")
            .map(|value| value.to_str().map_or_else(|_| "\u{fffd}".to_owned(), str::to_owned))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Named {
        #[allow(dead_code)]
        name: String,
        #[allow(dead_code)]
        tags: Vec<String>,
    }

    #[test]
    fn malformed_json_is_invalid_json() {
        for bad in [&b"{"[..], b"not json", b"", b"{\"name\": \"a\"} trailing"] {
            let err = parse_json::<Named>(bad).unwrap_err();
            assert_eq!(err.code, "invalid_json", "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let err = parse_json::<Named>(br#"{"name": "a", "tags": ["x", 5]}"#).unwrap_err();
        assert_eq!(err.code, "validation_failed");
        assert_eq!(err.details[0].field, "tags[1]");
        assert!(!err.details[0].message.contains("line"), "{}", err.details[0].message);
    }

    #[test]
    fn a_non_object_body_is_a_validation_error_about_the_body() {
        let err = parse_json::<Named>(b"[1, 2]").unwrap_err();
        assert_eq!((err.code, err.details[0].field.as_str()), ("validation_failed", "body"));
    }

    #[test]
    fn bearer_needs_the_scheme_and_a_token() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(AUTHORIZATION, v.parse().unwrap());
            bearer(&h)
        };
        assert_eq!(with("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(with("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(with("Basic abc"), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
