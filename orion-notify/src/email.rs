//! Email over SMTP with `lettre`. The URL decides the transport, as
//! lettre reads it: `smtp://host:port` is plain SMTP (local relays, test
//! sinks), `?tls=required` / `?tls=opportunistic` add STARTTLS, `smtps://`
//! is TLS from the first byte; `user:pass@` logs in. One connection per
//! message: alerts are rare, and nothing stays open between them.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use orion_core::port::notify::{DeliveryError, Notification};

use crate::config::{ConfigError, SmtpConfig};
use crate::http::seconds;
use crate::redact;

/// Pause before a retry.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Sends alert emails.
#[derive(Debug)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `smtp://host:port`, for messages.
    server: String,
    /// Strings scrubbed from any error text (the login and password).
    secrets: Vec<String>,
    timeout: Duration,
    retries: u32,
}

impl Mailer {
    pub(crate) fn new(config: &SmtpConfig, timeout: Duration, retries: u32) -> Result<Self, ConfigError> {
        let server = redact::origin(&config.url);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(|_| {
                ConfigError(format!(
                    "invalid --smtp-url {}: use smtp://host:port, smtp://user:pass@host:587?tls=required or smtps://user:pass@host:465",
                    redact::userinfo(&config.url)
                ))
            })?
            .timeout(Some(timeout))
            .build();
        let from = config.from.parse::<Mailbox>().map_err(|_| {
            ConfigError(format!("invalid --smtp-from `{}`: expected an email address", config.from))
        })?;
        let secrets = match reqwest::Url::parse(&config.url) {
            Ok(url) => [url.username().to_owned(), url.password().unwrap_or_default().to_owned()]
                .into_iter()
                // Short strings would scrub ordinary words from messages.
                .filter(|s| s.len() >= 3)
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(Self { transport, from, server, secrets, timeout, retries })
    }

    /// Sends `notification` to `address`.
    pub(crate) async fn send(&self, address: &str, notification: &Notification) -> Result<(), DeliveryError> {
        let to: Mailbox = address.parse().map_err(|_| DeliveryError::BadAddress(address.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(notification.subject())
            .multipart(MultiPart::alternative_plain_html(
                notification.text(),
                crate::payload::email_html(notification),
            ))
            .map_err(|err| DeliveryError::BadEmail(err.to_string()))?;
        let mut attempt = 1;
        loop {
            let outcome = tokio::time::timeout(self.timeout, self.transport.send(message.clone())).await;
            let (retryable, problem) = match outcome {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(err)) => {
                    (!err.is_permanent() && !err.is_tls() && !err.is_client(), self.scrub(&err.to_string()))
                }
                Err(_) => (true, format!("no answer within {}", seconds(self.timeout))),
            };
            if !retryable || attempt > self.retries {
                return Err(DeliveryError::Email {
                    address: address.to_owned(),
                    server: self.server.clone(),
                    problem,
                    attempts: attempt,
                });
            }
            tracing::debug!(server = %self.server, attempt, problem = %problem, "email delivery failed; retrying");
            attempt += 1;
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }

    fn scrub(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |text, secret| text.replace(secret.as_str(), "***"))
    }
}
