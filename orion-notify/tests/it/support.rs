//! Shared fixtures: a notification and notifiers with short timeouts.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use orion_core::port::notify::{Notification, NotificationKind};
use orion_notify::{Notifiers, NotifyConfig, SmtpConfig};

/// How long a test waits for a sink.
pub const WAIT: Duration = Duration::from_secs(5);

/// A firing notification of `error_count >= 3` with value 4.
pub fn firing() -> Notification {
    Notification {
        kind: NotificationKind::Firing,
        project: "web-shop".into(),
        rule: "errors".into(),
        condition: "error_count >= 3".into(),
        value: Some(4.0),
        window_minutes: 5,
        at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        crash: None,
    }
}

/// Notifiers without SMTP.
pub fn notifiers(timeout: Duration, retries: u32) -> Notifiers {
    Notifiers::new(NotifyConfig { smtp: None, timeout, retries }).unwrap()
}

/// Notifiers sending email through `url` as `orion@example.com`.
pub fn with_smtp(url: &str) -> Notifiers {
    Notifiers::new(NotifyConfig {
        smtp: Some(SmtpConfig { url: url.into(), from: "Orion <orion@example.com>".into() }),
        timeout: Duration::from_secs(2),
        retries: 1,
    })
    .unwrap()
}
