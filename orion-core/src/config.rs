//! Tunables of the domain rules. The CLI fills these from flags; embedders
//! can use [`Config::default`].

use chrono::Duration;

/// Limits and lifetimes the services enforce.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long a user session token (JWT) lives.
    pub session_lifetime: Duration,
    /// Failed logins for one email within `login_failure_window` before 429.
    pub login_max_failures: usize,
    /// The sliding window for `login_max_failures`.
    pub login_failure_window: Duration,
    /// How long a 2FA session token (`tmp_…`) lives.
    pub challenge_lifetime: Duration,
    /// Wrong codes that kill a 2FA session token.
    pub challenge_max_attempts: u32,
    /// The issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// `lastUsedAt` of a token is written at most this often (saves a write
    /// per ingest request).
    pub token_touch_interval: Duration,
    /// Recovery codes generated when 2FA is enabled.
    pub recovery_code_count: usize,
    /// A server with no heartbeat for this long is offline.
    pub offline_after: Duration,
    /// An open incident resolves once its script has been reported
    /// `running` for this long without a break.
    pub incident_resolve_after: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            session_lifetime: Duration::hours(24),
            login_max_failures: 10,
            login_failure_window: Duration::minutes(15),
            challenge_lifetime: Duration::minutes(5),
            challenge_max_attempts: 5,
            totp_issuer: "Orion".to_owned(),
            token_touch_interval: Duration::seconds(60),
            recovery_code_count: 10,
            offline_after: Duration::minutes(3),
            incident_resolve_after: Duration::minutes(5),
        }
    }
}
