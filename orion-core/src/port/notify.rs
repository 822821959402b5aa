//! Sending alert notifications, as a port. The adapters (SMTP, webhook,
//! Slack, Discord) live in the `orion-notify` crate; the core only says
//! what to send and where.

use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::alert::Channel;
use crate::model::server::{CrashContext, OutputStream};

mod delivery;

pub use delivery::DeliveryError;

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
    /// The latest crash, when a crash metric fired the rule.
    pub crash: Option<CrashDetails>,
}

/// Most crash lines a notification shows (the newest).
pub const MAX_NOTIFIED_LINES: usize = 20;
/// Longest crash line a notification shows, in characters.
pub const MAX_NOTIFIED_LINE_CHARS: usize = 200;

/// The incident behind a crash notification.
#[derive(Debug, Clone, PartialEq)]
pub struct CrashDetails {
    /// The crashed script, if known.
    pub script_name: Option<String>,
    /// The reporting server, if known.
    pub server_id: Option<String>,
    /// The latest report's text.
    pub message: String,
    /// Reports grouped into the incident.
    pub count: u64,
    /// What the agent sent with the latest report.
    pub context: CrashContext,
}

impl CrashDetails {
    /// The newest [`MAX_NOTIFIED_LINES`] lines as `time stream | text`,
    /// each cut to [`MAX_NOTIFIED_LINE_CHARS`] characters, control
    /// characters (terminal escapes) replaced by `�`; oldest first.
    pub fn lines(&self) -> Vec<String> {
        let lines = &self.context.lines;
        lines[lines.len().saturating_sub(MAX_NOTIFIED_LINES)..]
            .iter()
            .map(|l| {
                let stream = match l.stream {
                    OutputStream::Stdout => "out",
                    OutputStream::Stderr => "err",
                };
                let text: String = l
                    .line
                    .chars()
                    .map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c })
                    .collect();
                let text = if text.chars().count() > MAX_NOTIFIED_LINE_CHARS {
                    let mut cut: String = text.chars().take(MAX_NOTIFIED_LINE_CHARS - 1).collect();
                    cut.push('…');
                    cut
                } else {
                    text
                };
                format!("{} {stream} | {text}", l.timestamp.format("%H:%M:%S%.3f"))
            })
            .collect()
    }

    /// How it ended, restarts and the machine's figures, one line each.
    pub fn summary(&self) -> Vec<String> {
        let c = &self.context;
        let mut out = Vec::new();
        let what = self.script_name.as_deref().unwrap_or("a script");
        let mut ended = match self.server_id.as_deref() {
            Some(server) => format!("{what} on {server}"),
            None => what.to_owned(),
        };
        if let Some(code) = c.exit_code {
            let _ = write!(ended, ", exit code {code}");
        }
        if let Some(signal) = c.signal {
            let _ = write!(ended, ", signal {signal}");
        }
        if let Some(restarts) = c.restarts {
            let _ = write!(ended, ", {restarts} restart(s)");
        }
        let _ = write!(ended, "; {} report(s)", self.count);
        out.push(ended);
        if let Some(m) = &c.metrics {
            let m = &m.metrics;
            let pct = |v: Option<f64>| v.map_or("?".to_owned(), |v| format!("{v:.1} %"));
            let mut line = format!(
                "cpu {}, ram {}, disk {}",
                pct(m.cpu_percent),
                pct(m.ram_percent()),
                pct(m.disk_percent())
            );
            if let Some([one, five, fifteen]) = m.load_average {
                let _ = write!(line, ", load {one:.2} {five:.2} {fifteen:.2}");
            }
            out.push(line);
        }
        out
    }
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
        let _ = writeln!(body, "Time:      {}", crate::rfc3339::millis(self.at));
        if let Some(crash) = &self.crash {
            let _ = writeln!(body, "\nCrash:     {}", crash.message);
            for line in crash.summary() {
                let _ = writeln!(body, "           {line}");
            }
            let lines = crash.lines();
            if !lines.is_empty() {
                let _ = writeln!(body, "Last lines:");
                for line in lines {
                    let _ = writeln!(body, "  {line}");
                }
            }
        }
        body
    }
}

/// A value without float noise: integers as integers, others to 2 decimals.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value:.2}") }
}

/// Delivers notifications. `channel` is never [`Channel::OwnerEmail`]: the
/// service resolves it to the owner's address first. Implementations must
/// time out and never panic; the error's message is shown to users, so it
/// must not contain secrets (SMTP passwords, webhook tokens).
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Sends one notification to one channel.
    async fn send(&self, channel: &Channel, notification: &Notification) -> Result<(), DeliveryError>;
}

/// The notifier of an `Orion` built without one: every delivery fails
/// with a reason, never silently succeeds.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotifier;

#[async_trait]
impl Notifier for NoNotifier {
    async fn send(&self, _: &Channel, _: &Notification) -> Result<(), DeliveryError> {
        Err(DeliveryError::NoNotifier)
    }
}
