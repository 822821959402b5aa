//! Authentication and 2FA wire types.

use chrono::{DateTime, Utc};
use orion_core::model::User;
use orion_core::service::{LoginOutcome, Registration, TwoFactorSetup};
use serde::{Deserialize, Serialize};

use super::timestamp;

/// `POST /api/auth/register`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegisterRequest {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Public handle.
    pub pseudo: String,
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

impl From<RegisterRequest> for Registration {
    fn from(r: RegisterRequest) -> Self {
        Registration {
            first_name: r.first_name,
            last_name: r.last_name,
            pseudo: r.pseudo,
            email: r.email,
            password: r.password,
        }
    }
}

/// `POST /api/auth/login`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// The login answer: a session, or the 2FA step.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum LoginResponse {
    /// 2FA is off.
    Session {
        /// The session JWT.
        token: String,
    },
    /// 2FA is on: send a code with this session token.
    TwoFactor {
        /// Always true.
        #[serde(rename = "requires2FA")]
        requires_2fa: bool,
        /// The `tmp_…` session token.
        #[serde(rename = "sessionToken")]
        session_token: String,
    },
}

impl From<LoginOutcome> for LoginResponse {
    fn from(outcome: LoginOutcome) -> Self {
        match outcome {
            LoginOutcome::Session(token) => Self::Session { token },
            LoginOutcome::TwoFactorRequired(session_token) => {
                Self::TwoFactor { requires_2fa: true, session_token }
            }
        }
    }
}

/// `POST /api/auth/2fa/verify`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VerifyRequest {
    /// The `tmp_…` session token from login.
    pub session_token: String,
    /// A TOTP code or a recovery code.
    pub code: String,
}

/// `{"token": "..."}`.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// A session JWT.
    pub token: String,
}

/// `POST /api/auth/2fa/enable` and `/disable`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CodeRequest {
    /// A TOTP code (or, to disable, a recovery code).
    pub code: String,
}

/// `GET /api/auth/me`: the user, without any secret.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// User id.
    pub id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Public handle.
    pub pseudo: String,
    /// Login email.
    pub email: String,
    /// Whether login asks for a code.
    pub two_factor_enabled: bool,
    /// Account creation time.
    pub created_at: String,
}

impl From<&User> for Me {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.get(),
            first_name: u.first_name.as_str().to_owned(),
            last_name: u.last_name.as_str().to_owned(),
            pseudo: u.pseudo.as_str().to_owned(),
            email: u.email.as_str().to_owned(),
            two_factor_enabled: u.two_factor.enabled,
            created_at: timestamp(u.created_at),
        }
    }
}

/// `POST /api/auth/2fa/setup`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupResponse {
    /// Base32 secret.
    pub secret: String,
    /// `otpauth://` URL.
    pub otpauth_url: String,
    /// PNG QR code of the URL, base64.
    pub qr_png_base64: String,
}

impl From<TwoFactorSetup> for SetupResponse {
    fn from(s: TwoFactorSetup) -> Self {
        Self { secret: s.secret, otpauth_url: s.otpauth_url, qr_png_base64: s.qr_png_base64 }
    }
}

/// `POST /api/auth/2fa/enable`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableResponse {
    /// Always true.
    pub ok: bool,
    /// Single-use recovery codes, shown once.
    pub recovery_codes: Vec<String>,
}

/// `POST /api/auth/ws-ticket` → 201.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketResponse {
    /// `wst_…`, for `/ws?ticket=`.
    pub ticket: String,
    /// 30 s after issue.
    pub expires_at: DateTime<Utc>,
}
