//! Who is calling a shipper endpoint. Several shippers can send only HTTP
//! Basic or an `ApiKey` header, so besides `Authorization: Bearer <token>`
//! these endpoints take:
//!
//! - `Basic base64(user:token)`: the token is the password, the user name
//!   is ignored (when the password is empty, the user name is taken as the
//!   token, for shippers that have only a "user" field);
//! - `ApiKey <token>`, or `ApiKey base64(id:token)` as Elasticsearch
//!   clients send an `(id, api_key)` pair, or `ApiKey base64(token)`.
//!
//! The token is then checked exactly as for `/api/agent/log`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use orion_core::Orion;
use orion_core::service::Principal;
use warp::Filter;
use warp::http::HeaderMap;
use warp::http::header::AUTHORIZATION;

use crate::error::ApiError;

/// The caller, or the 401 to answer (never a rejection: each protocol
/// shapes its own error answers).
pub fn caller(
    orion: &Orion,
) -> impl Filter<Extract = (Result<Principal, ApiError>,), Error = std::convert::Infallible> + Clone + use<> {
    let orion = orion.clone();
    warp::header::headers_cloned().then(move |headers: HeaderMap| {
        let orion = orion.clone();
        async move {
            let token =
                headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(token_of).ok_or_else(
                    || {
                        ApiError::unauthorized(
                            "missing or malformed `Authorization` header: send `Bearer <token>`, \
                         Basic with the token as the password, or `ApiKey <token>`",
                        )
                    },
                )?;
            orion.accounts().authenticate(&token).await.map_err(ApiError::from)
        }
    })
}

/// The token carried by an `Authorization` header value, if any.
pub fn token_of(value: &str) -> Option<String> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if rest.is_empty() {
        return None;
    }
    let token = if scheme.eq_ignore_ascii_case("bearer") {
        rest.to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(STANDARD.decode(rest).ok()?).ok()?;
        let (user, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
        if password.is_empty() { user.to_owned() } else { password.to_owned() }
    } else if scheme.eq_ignore_ascii_case("apikey") {
        if rest.starts_with("sk_") {
            rest.to_owned()
        } else {
            let decoded = String::from_utf8(STANDARD.decode(rest).ok()?).ok()?;
            match decoded.split_once(':') {
                Some((_, token)) => token.to_owned(),
                None => decoded,
            }
        }
    } else {
        return None;
    };
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_basic_and_api_key_all_carry_the_token() {
        let b64 = |s: &str| STANDARD.encode(s);
        assert_eq!(token_of("Bearer sk_abc").as_deref(), Some("sk_abc"));
        assert_eq!(token_of(&format!("Basic {}", b64("orion:sk_abc"))).as_deref(), Some("sk_abc"));
        assert_eq!(token_of(&format!("basic {}", b64("sk_abc:"))).as_deref(), Some("sk_abc"));
        assert_eq!(token_of(&format!("Basic {}", b64("sk_abc"))).as_deref(), Some("sk_abc"));
        assert_eq!(token_of("ApiKey sk_abc").as_deref(), Some("sk_abc"));
        assert_eq!(token_of(&format!("ApiKey {}", b64("id:sk_abc"))).as_deref(), Some("sk_abc"));
        assert_eq!(token_of(&format!("ApiKey {}", b64("sk_abc"))).as_deref(), Some("sk_abc"));
        assert_eq!(token_of("Basic !!!"), None);
        assert_eq!(token_of("Digest abc"), None);
        assert_eq!(token_of("Bearer "), None);
        assert_eq!(token_of(&format!("Basic {}", b64(":"))), None);
    }
}
