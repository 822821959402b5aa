//! What the notifiers need to know: SMTP settings, the per-delivery
//! timeout and how many times a failed delivery is retried.

use std::fmt;
use std::time::Duration;

use crate::redact;

/// Notifier settings. [`NotifyConfig::default`] has no SMTP, a 10 s
/// timeout and one retry.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Email delivery; `None` makes every email channel fail with a reason.
    pub smtp: Option<SmtpConfig>,
    /// The longest one delivery attempt may take.
    pub timeout: Duration,
    /// Extra attempts after a transport error, an SMTP 4xx or an HTTP
    /// 5xx/429 (0 = no retry).
    pub retries: u32,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self { smtp: None, timeout: Duration::from_secs(10), retries: 1 }
    }
}

/// Where and as whom email is sent.
#[derive(Clone)]
pub struct SmtpConfig {
    /// `smtp://host:port` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host:465` (TLS); see docs/alerts.md.
    pub url: String,
    /// The sender, `orion@example.com` or `Orion <orion@example.com>`.
    pub from: String,
}

impl fmt::Debug for SmtpConfig {
    // The URL may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &redact::userinfo(&self.url))
            .field("from", &self.from)
            .finish()
    }
}

/// A setting the notifiers cannot work with. The message never contains
/// a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub(crate) String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}
