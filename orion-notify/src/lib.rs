//! # orion-notify
//!
//! The adapters behind the core's [`Notifier`] port: email over SMTP (with
//! `lettre`), a generic JSON webhook, and Slack and Discord webhooks. Every
//! delivery has a timeout and retries once on transport errors and server
//! errors; a failure comes back as a `DeliveryError` whose message is safe to show
//! users (no SMTP password, no webhook token) and never panics.
//!
//! ```no_run
//! # fn main() -> Result<(), orion_notify::ConfigError> {
//! use orion_notify::{Notifiers, NotifyConfig, SmtpConfig};
//! let notifiers = Notifiers::new(NotifyConfig {
//!     smtp: Some(SmtpConfig {
//!         url: "smtp://user:pass@mail.example.com:587?tls=required".into(),
//!         from: "Orion <orion@example.com>".into(),
//!     }),
//!     ..NotifyConfig::default()
//! })?;
//! # let _ = notifiers; Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `config`: [`NotifyConfig`], [`SmtpConfig`] and [`ConfigError`].
//! - `email`: the SMTP mailer (plain, STARTTLS or TLS, from the URL).
//! - `http`: the shared JSON POST with timeout, retry and clean errors.
//! - `payload`: the webhook, Slack and Discord bodies.
//! - `redact`: what of a URL may appear in an error message.

mod config;
mod email;
mod http;
pub mod payload;
pub mod redact;

use async_trait::async_trait;
use orion_core::model::alert::Channel;
use orion_core::port::notify::{DeliveryError, Notification, Notifier};

pub use config::{ConfigError, NotifyConfig, SmtpConfig};

/// The message for an email channel on a server started without SMTP.
pub const SMTP_NOT_CONFIGURED: &str =
    "SMTP is not configured: start the server with --smtp-url and --smtp-from";

/// Every channel kind, ready to hand to `OrionBuilder::notifier`.
#[derive(Debug)]
pub struct Notifiers {
    mailer: Option<email::Mailer>,
    http: http::Poster,
}

impl Notifiers {
    /// Checks the configuration (SMTP URL and sender address) and builds
    /// the clients. Nothing connects yet.
    pub fn new(config: NotifyConfig) -> Result<Self, ConfigError> {
        let mailer = match &config.smtp {
            Some(smtp) => Some(email::Mailer::new(smtp, config.timeout, config.retries)?),
            None => None,
        };
        Ok(Self { mailer, http: http::Poster::new(config.timeout, config.retries)? })
    }
}

#[async_trait]
impl Notifier for Notifiers {
    async fn send(&self, channel: &Channel, notification: &Notification) -> Result<(), DeliveryError> {
        match channel {
            Channel::Email(address) => match &self.mailer {
                Some(mailer) => mailer.send(address, notification).await,
                None => Err(DeliveryError::NotConfigured(SMTP_NOT_CONFIGURED)),
            },
            // The service resolves the owner's address before calling us.
            Channel::OwnerEmail => Err(DeliveryError::OwnerNotResolved),
            Channel::Webhook(url) => self.http.post(url, &payload::webhook(notification)).await,
            Channel::Slack(url) => self.http.post(url, &payload::slack(notification)).await,
            Channel::Discord(url) => self.http.post(url, &payload::discord(notification)).await,
        }
    }
}
