//! Why a notification was not delivered ([`DeliveryError`]). Its message is
//! shown to users and stored with the alert's deliveries, so no variant
//! holds a secret: adapters pass only a URL's origin and scrubbed text.

/// What failed when a [`Notifier`](super::Notifier) tried to deliver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The server was built without any notifier.
    #[error("no notifier is configured on this server")]
    NoNotifier,
    /// The server cannot deliver to this kind of channel; the text says
    /// how to set it up (e.g. the flags that configure SMTP).
    #[error("{0}")]
    NotConfigured(&'static str),
    /// [`Channel::OwnerEmail`](crate::model::alert::Channel::OwnerEmail)
    /// reached the notifier: the service should have resolved it first.
    #[error("the project owner's email address was not resolved")]
    OwnerNotResolved,
    /// The recipient is not an address the transport accepts.
    #[error("`{0}` is not a valid email address")]
    BadAddress(String),
    /// The email could not be put together.
    #[error("cannot build the email: {0}")]
    BadEmail(String),
    /// The mail server refused the email or did not answer.
    #[error("email to {address} via {server} failed: {problem}{}", after(*attempts))]
    Email {
        /// The recipient.
        address: String,
        /// The mail server's origin (`smtp://host:port`).
        server: String,
        /// What went wrong, with any credentials scrubbed.
        problem: String,
        /// How many tries were made.
        attempts: u32,
    },
    /// A webhook (generic, Slack or Discord) POST failed.
    #[error("POST to {target} failed: {problem}{}", after(*attempts))]
    Post {
        /// The URL's origin only: the path may hold the webhook's token.
        target: String,
        /// What went wrong (a status and the start of the body, a timeout).
        problem: String,
        /// How many tries were made.
        attempts: u32,
    },
}

/// ` (after N attempts)` when there was a retry, nothing for one attempt.
fn after(attempts: u32) -> String {
    if attempts > 1 { format!(" (after {attempts} attempts)") } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_failed_and_count_only_retries() {
        let post = |attempts| DeliveryError::Post {
            target: "https://hooks.example.com".into(),
            problem: "HTTP 502 Bad Gateway".into(),
            attempts,
        };
        assert_eq!(post(1).to_string(), "POST to https://hooks.example.com failed: HTTP 502 Bad Gateway");
        assert_eq!(
            post(2).to_string(),
            "POST to https://hooks.example.com failed: HTTP 502 Bad Gateway (after 2 attempts)"
        );
        let email = DeliveryError::Email {
            address: "ops@example.com".into(),
            server: "smtp://mail.example.com:587".into(),
            problem: "no answer within 10s".into(),
            attempts: 3,
        };
        assert_eq!(
            email.to_string(),
            "email to ops@example.com via smtp://mail.example.com:587 failed: no answer within 10s (after 3 attempts)"
        );
    }

    #[test]
    fn fixed_reasons_read_as_before() {
        assert_eq!(DeliveryError::NoNotifier.to_string(), "no notifier is configured on this server");
        assert_eq!(DeliveryError::NotConfigured("SMTP is off").to_string(), "SMTP is off");
        assert_eq!(
            DeliveryError::OwnerNotResolved.to_string(),
            "the project owner's email address was not resolved"
        );
        assert_eq!(DeliveryError::BadAddress("x".into()).to_string(), "`x` is not a valid email address");
    }
}
