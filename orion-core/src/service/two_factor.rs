//! Turning TOTP two-factor authentication on and off.

use std::sync::Arc;

use tracing::instrument;

use super::Deps;
use super::accounts::apply_second_factor;
use super::principal::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::model::User;
use crate::port::{secrets, totp};

/// What a user needs to add Orion to an authenticator app.
#[derive(Debug, Clone)]
pub struct TwoFactorSetup {
    /// Base32 secret.
    pub secret: String,
    /// `otpauth://totp/...` URL.
    pub otpauth_url: String,
    /// PNG of the URL's QR code, base64.
    pub qr_png_base64: String,
}

/// Setup, enable and disable of TOTP 2FA.
#[derive(Debug, Clone)]
pub struct TwoFactorService {
    deps: Arc<Deps>,
}

impl TwoFactorService {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    async fn current_user(&self, principal: &Principal) -> ServiceResult<User> {
        let id = principal.user()?;
        self.deps.repos.users.find_by_id(id).await?.ok_or(ServiceError::Unauthorized("unknown user"))
    }

    /// Generates a pending secret; 2FA is not on until [`Self::enable`].
    #[instrument(skip_all)]
    pub async fn setup(&self, principal: &Principal) -> ServiceResult<TwoFactorSetup> {
        let mut user = self.current_user(principal).await?;
        if user.two_factor.enabled {
            return Err(ServiceError::Conflict("two-factor authentication is already enabled".into()));
        }
        let secret = totp::new_secret();
        let (otpauth_url, qr_png_base64) =
            totp::provisioning(&secret, &self.deps.config.totp_issuer, user.email.as_str())
                .ok_or_else(|| ServiceError::Internal("could not build the TOTP URL".into()))?;
        user.two_factor.pending_secret = Some(secret.clone());
        self.deps.repos.users.update(&user).await?;
        Ok(TwoFactorSetup { secret, otpauth_url, qr_png_base64 })
    }

    /// Turns 2FA on with a code from the pending secret; returns the
    /// recovery codes (shown once, stored hashed).
    #[instrument(skip_all)]
    pub async fn enable(&self, principal: &Principal, code: &str) -> ServiceResult<Vec<String>> {
        let mut user = self.current_user(principal).await?;
        if user.two_factor.enabled {
            return Err(ServiceError::Conflict("two-factor authentication is already enabled".into()));
        }
        let pending = user
            .two_factor
            .pending_secret
            .clone()
            .ok_or_else(|| ServiceError::invalid("code", "start with POST /api/auth/2fa/setup"))?;
        let now = self.deps.clock.now();
        let step = totp::matching_step(&pending, code, now.timestamp())
            .ok_or_else(|| ServiceError::invalid("code", "the code is not valid for this secret"))?;
        let codes: Vec<String> =
            (0..self.deps.config.recovery_code_count).map(|_| secrets::new_recovery_code()).collect();
        let tf = &mut user.two_factor;
        tf.secret = Some(pending);
        tf.pending_secret = None;
        tf.enabled = true;
        tf.last_used_step = Some(step);
        tf.recovery_code_hashes = codes.iter().map(|c| secrets::sha256_hex(c)).collect();
        self.deps.repos.users.update(&user).await?;
        Ok(codes)
    }

    /// Turns 2FA off; needs a current TOTP code or a recovery code.
    #[instrument(skip_all)]
    pub async fn disable(&self, principal: &Principal, code: &str) -> ServiceResult<()> {
        let mut user = self.current_user(principal).await?;
        if !user.two_factor.enabled {
            return Err(ServiceError::Conflict("two-factor authentication is not enabled".into()));
        }
        if !apply_second_factor(&mut user, code, self.deps.clock.now()) {
            return Err(ServiceError::invalid("code", "the code is not valid"));
        }
        user.two_factor = Default::default();
        self.deps.repos.users.update(&user).await?;
        Ok(())
    }
}
