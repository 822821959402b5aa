//! Sending alert notifications, as a port. The adapters (SMTP, webhook,
//! Slack, Discord) live in the `orion-notify` crate; the core only says
//! what to send and where.

use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::alert::Channel;

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// The condition started holding.
    Firing,
    /// Still holding after the repeat interval.
    Repeat,
    /// The condition stopped holding.
    Resolved,
    /// `POST …/rules/:id/test`: nothing is wrong.
    Test,
}

impl NotificationKind {
    /// The wire name (`firing`, `repeat`, `resolved`, `test`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Repeat => "repeat",
            Self::Resolved => "resolved",
            Self::Test => "test",
        }
    }
}

/// Everything a message says. Channels format it their own way; none links
/// to anything that does not exist.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Why.
    pub kind: NotificationKind,
    /// Project name.
    pub project: String,
    /// Rule name.
    pub rule: String,
    /// The condition, as text.
    pub condition: String,
    /// The metric's value (none for a test).
    pub value: Option<f64>,
    /// The window, in minutes.
    pub window_minutes: u32,
    /// When.
    pub at: DateTime<Utc>,
}

impl Notification {
    /// A one-line subject, e.g. `[Orion] FIRING web-shop: errors (error_count >= 3)`.
    pub fn subject(&self) -> String {
        let tag = match self.kind {
            NotificationKind::Firing => "FIRING",
            NotificationKind::Repeat => "STILL FIRING",
            NotificationKind::Resolved => "RESOLVED",
            NotificationKind::Test => "TEST",
        };
        format!("[Orion] {tag} {}: {} ({})", self.project, self.rule, self.condition)
    }

    /// A plain-text body naming project, rule, condition, value, window and time.
    pub fn text(&self) -> String {
        let mut body = String::new();
        if self.kind == NotificationKind::Test {
            body.push_str("This is a test notification from Orion. Nothing is wrong.\n\n");
        }
        let _ = writeln!(body, "Project:   {}", self.project);
        let _ = writeln!(body, "Rule:      {}", self.rule);
        let _ = writeln!(body, "Condition: {}", self.condition);
        if let Some(value) = self.value {
            let _ = writeln!(body, "Value:     {}", format_value(value));
        }
        let _ = writeln!(body, "Window:    last {} minute(s)", self.window_minutes);
        let _ = writeln!(body, "Status:    {}", self.kind.as_str());
        let _ = writeln!(body, "Time:      {}", self.at.to_rfc3339_opts(SecondsFormat::Millis, true));
        body
    }
}

/// A value without float noise: integers as integers, others to 2 decimals.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value:.2}") }
}

/// Delivers notifications. `channel` is never [`Channel::OwnerEmail`]: the
/// service resolves it to the owner's address first. Implementations must
/// time out and never panic; the error string is shown to users, so it must
/// not contain secrets (SMTP passwords, webhook tokens).
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Sends one notification to one channel.
    async fn send(&self, channel: &Channel, notification: &Notification) -> Result<(), String>;
}

/// The notifier of an `Orion` built without one: every delivery fails
/// with a reason, never silently succeeds.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotifier;

#[async_trait]
impl Notifier for NoNotifier {
    async fn send(&self, _: &Channel, _: &Notification) -> Result<(), String> {
        Err("no notifier is configured on this server".to_owned())
    }
}
