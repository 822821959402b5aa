//! User sessions as signed JWTs (HS256, `sub` = user id).

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ServiceError;
use crate::model::UserId;

/// Issues and checks user session tokens.
pub trait SessionSigner: Send + Sync + std::fmt::Debug {
    /// A token for `user`, valid from `now` for the signer's lifetime.
    fn issue(&self, user: UserId, now: DateTime<Utc>) -> Result<String, ServiceError>;
    /// The user a token names, if its signature is good and it has not
    /// expired at `now`.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<UserId>;
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
}

/// HS256 JWTs. Expiry is checked against the domain [`Clock`](super::Clock)
/// time passed in, not the system clock, so tests can move time.
pub struct JwtSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: Duration,
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSigner").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

impl JwtSigner {
    /// A signer with the given secret and token lifetime.
    pub fn new(secret: &[u8], lifetime: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime,
        }
    }
}

impl SessionSigner for JwtSigner {
    fn issue(&self, user: UserId, now: DateTime<Utc>) -> Result<String, ServiceError> {
        let claims =
            Claims { sub: user.to_string(), iat: now.timestamp(), exp: (now + self.lifetime).timestamp() };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ServiceError::Internal(format!("jwt encoding failed: {e}")))
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<UserId> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the injected clock.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        if data.claims.exp <= now.timestamp() {
            return None;
        }
        data.claims.sub.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_valid_until_it_expires() {
        let signer = JwtSigner::new(b"secret", Duration::hours(24));
        let now = Utc::now();
        let user = UserId(7);
        let token = signer.issue(user, now).unwrap();
        assert_eq!(signer.verify(&token, now + Duration::hours(23)), Some(user));
        assert_eq!(signer.verify(&token, now + Duration::hours(24)), None);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let now = Utc::now();
        let token = JwtSigner::new(b"one", Duration::hours(1)).issue(UserId(7), now).unwrap();
        assert_eq!(JwtSigner::new(b"two", Duration::hours(1)).verify(&token, now), None);
        assert_eq!(JwtSigner::new(b"one", Duration::hours(1)).verify("garbage", now), None);
    }
}
