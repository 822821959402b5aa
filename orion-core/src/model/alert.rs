//! Alert rules: a typed condition language (`<metric> <op> <number>`),
//! notification channels, the per-rule firing state and the history.

use std::fmt;

use chrono::{DateTime, Utc};

use super::ids::{AlertEventId, CommandId, ProjectId, RuleId, SilenceId};
use super::server::{CommandKind, CommandStatus, ServerId};

mod channel;

pub use channel::{Channel, ChannelError};

/// What a rule measures over its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Log entries at `error` or above.
    ErrorCount,
    /// `error_count` per minute of the window.
    ErrorRate,
    /// `error_count` as a percentage of all entries (0 when there are none).
    ErrorPercent,
    /// All log entries.
    LogCount,
    /// Entries at exactly `warn`.
    WarnCount,
    /// Entries at exactly `fatal`.
    FatalCount,
    /// Incidents reported by agents (`POST /agent/alert`).
    CrashCount,
    /// Average CPU % of the window's heartbeats.
    CpuPercent,
    /// Average memory use % of the window's heartbeats.
    RamPercent,
    /// Average disk use % of the window's heartbeats.
    DiskPercent,
    /// Servers with no heartbeat for the offline threshold (3 minutes).
    OfflineServers,
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 11] = [
        Self::ErrorCount,
        Self::ErrorRate,
        Self::ErrorPercent,
        Self::LogCount,
        Self::WarnCount,
        Self::FatalCount,
        Self::CrashCount,
        Self::CpuPercent,
        Self::RamPercent,
        Self::DiskPercent,
        Self::OfflineServers,
    ];

    /// The name used in conditions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ErrorCount => "error_count",
            Self::ErrorRate => "error_rate",
            Self::ErrorPercent => "error_percent",
            Self::LogCount => "log_count",
            Self::WarnCount => "warn_count",
            Self::FatalCount => "fatal_count",
            Self::CrashCount => "crash_count",
            Self::CpuPercent => "cpu_percent",
            Self::RamPercent => "ram_percent",
            Self::DiskPercent => "disk_percent",
            Self::OfflineServers => "offline_servers",
        }
    }

    /// Parses a metric name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// The symbol.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Eq => "==",
            Self::Ne => "!=",
        }
    }

    /// Applies the comparison. `==`/`!=` compare with a tolerance of 1e-9
    /// so averages like 50.000000001 still equal 50.
    pub fn compare(self, value: f64, threshold: f64) -> bool {
        let equal = (value - threshold).abs() <= 1e-9;
        match self {
            Self::Gt => value > threshold && !equal,
            Self::Ge => value >= threshold || equal,
            Self::Lt => value < threshold && !equal,
            Self::Le => value <= threshold || equal,
            Self::Eq => equal,
            Self::Ne => !equal,
        }
    }
}

/// Why a condition did not parse: what is wrong and at which character
/// (0-based byte offset into the text as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// Byte offset of the problem.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

/// `<metric> <op> <number>`, e.g. `error_count >= 3`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// What is measured.
    pub metric: Metric,
    /// How it is compared.
    pub op: Op,
    /// With what.
    pub threshold: f64,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.metric.as_str(), self.op.as_str(), self.threshold)
    }
}

impl Condition {
    /// Parses a condition. Whitespace between the parts is optional
    /// (`error_count>=3`); the number is a finite decimal (`3`, `2.5`,
    /// `-1`, `1e3`). Errors say what is wrong and where.
    pub fn parse(text: &str) -> Result<Self, ConditionError> {
        let err = |position: usize, message: String| ConditionError { position, message };
        let bytes = text.as_bytes();
        let skip_ws = |mut i: usize| {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            i
        };
        let start = skip_ws(0);
        if start == bytes.len() {
            return Err(err(0, "the condition is empty; expected `<metric> <op> <number>`".into()));
        }
        // The metric is everything up to whitespace or an operator, so a
        // typo like `cpü` is quoted whole rather than cut at the odd letter.
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '=' | '!'))
            .map_or(text.len(), |i| start + i);
        let name = &text[start..end];
        if name.is_empty() {
            return Err(err(start, "expected a metric name such as `error_count`".into()));
        }
        let metric = Metric::parse(name).ok_or_else(|| {
            let known: Vec<_> = Metric::ALL.iter().map(|m| m.as_str()).collect();
            err(start, format!("unknown metric `{}`; known metrics: {}", quote(name), known.join(", ")))
        })?;
        let op_start = skip_ws(end);
        let rest = &text[op_start..];
        let op =
            [("==", Op::Eq), ("!=", Op::Ne), (">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)]
                .into_iter()
                .find(|(symbol, _)| rest.starts_with(symbol));
        let Some((symbol, op)) = op else {
            let found = rest.chars().next().map_or("the end".to_owned(), |c| format!("`{c}`"));
            return Err(err(
                op_start,
                format!("expected an operator (>, >=, <, <=, ==, !=) but found {found}"),
            ));
        };
        let number_start = skip_ws(op_start + symbol.len());
        let rest = &text[number_start..];
        let number_text = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        if number_text.is_empty() {
            return Err(err(number_start, format!("expected a number after `{symbol}`")));
        }
        // Only plain decimals: Rust's parser also takes `NaN`, `inf` and
        // `infinity`, which no threshold should be.
        let plain =
            number_text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
        let threshold: f64 = number_text
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite() && plain)
            .ok_or_else(|| err(number_start, format!("`{}` is not a number", quote(number_text))))?;
        // The number is checked first, so `>= 3 4` blames the `4` and
        // `>= abc def` blames `abc`.
        let after = number_start + number_text.len();
        let trailing = text[after..].trim();
        if !trailing.is_empty() {
            let at = after + (text[after..].len() - text[after..].trim_start().len());
            return Err(err(at, format!("unexpected text `{}` after the number", quote(trailing))));
        }
        Ok(Self { metric, op, threshold })
    }

    /// Whether the condition holds for `value`.
    pub fn holds(&self, value: f64) -> bool {
        self.op.compare(value, self.threshold)
    }
}

/// `raw` for an error message, cut to 32 characters so a huge input
/// never makes a huge message.
fn quote(raw: &str) -> String {
    const MAX: usize = 32;
    if raw.chars().count() <= MAX {
        raw.to_owned()
    } else {
        format!("{}…", raw.chars().take(MAX).collect::<String>())
    }
}

/// An alert rule of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    /// Stable id.
    pub id: RuleId,
    /// Its project.
    pub project_id: ProjectId,
    /// Human name.
    pub name: String,
    /// What must hold to fire.
    pub condition: Condition,
    /// The window the metric is computed over, in minutes (1–1440).
    pub window_minutes: u32,
    /// Where notifications go (1–10).
    pub channels: Vec<Channel>,
    /// Disabled rules are not evaluated.
    pub enabled: bool,
    /// Only logs of this source count (log metrics).
    pub source: Option<String>,
    /// Only logs matching this query string count (log metrics; see
    /// [`parse_query`](super::log::parse_query)). Kept as given; it parses.
    pub filter: Option<String>,
    /// Only this server counts (heartbeat and crash metrics).
    pub server_id: Option<ServerId>,
    /// While firing, notify again after this many minutes (default 60).
    pub repeat_minutes: u32,
    /// Commands queued when the rule fires (at most [`MAX_ACTIONS`]).
    pub actions: Vec<RuleAction>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Most actions on one rule.
pub const MAX_ACTIONS: usize = 5;

/// What a rule does when it fires: queue this command for an agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleAction {
    /// Restart, stop or start.
    pub kind: CommandKind,
    /// The server whose agent runs it (one of the project's).
    pub server_id: ServerId,
    /// The script it concerns.
    pub script_name: String,
}

/// What became of one action of a firing: the command it queued and,
/// once the agent acknowledged it, the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    /// The queued command.
    pub command_id: CommandId,
    /// The action as it was.
    pub action: RuleAction,
    /// Pending until the agent acknowledges.
    pub status: CommandStatus,
    /// What the agent reported.
    pub output: Option<String>,
}

/// A rule's evaluation state, kept between runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleState {
    /// Whether the rule is currently firing.
    pub firing: bool,
    /// When it started firing.
    pub since: Option<DateTime<Utc>>,
    /// The last notification sent for the current firing.
    pub last_notified_at: Option<DateTime<Utc>>,
    /// The last value computed.
    pub last_value: Option<f64>,
    /// The last evaluation time.
    pub evaluated_at: Option<DateTime<Utc>>,
}

/// What a transition was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertEventKind {
    /// The condition started holding.
    Firing,
    /// Still holding after the repeat interval.
    Repeat,
    /// The condition stopped holding.
    Resolved,
}

impl AlertEventKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Repeat => "repeat",
            Self::Resolved => "resolved",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Firing, Self::Repeat, Self::Resolved].into_iter().find(|k| k.as_str() == raw)
    }
}

/// How one channel's delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The channel, in wire form.
    pub channel: String,
    /// Whether it was delivered.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
}

/// One entry of a project's alert history.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    /// Stable id.
    pub id: AlertEventId,
    /// Its project.
    pub project_id: ProjectId,
    /// The rule (may since have been deleted).
    pub rule_id: RuleId,
    /// The rule's name at the time.
    pub rule_name: String,
    /// The condition at the time, as text.
    pub condition: String,
    /// What happened.
    pub kind: AlertEventKind,
    /// The metric's value that caused it.
    pub value: f64,
    /// The window, in minutes.
    pub window_minutes: u32,
    /// When.
    pub at: DateTime<Utc>,
    /// Each channel's outcome (none when silenced).
    pub deliveries: Vec<Delivery>,
    /// Whether a silence matched: nobody was notified.
    pub silenced: bool,
    /// The actions a firing ran, in the rule's order, with their
    /// outcomes (stored with the firing's claim, not by
    /// [`AlertEventRepository::insert`](crate::repo::AlertEventRepository::insert)).
    pub actions: Vec<ActionOutcome>,
}

/// A silence: while it lasts, the firings and resolutions of the rules it
/// matches are recorded as silenced, notify no channel and run no action.
#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    /// Stable id.
    pub id: SilenceId,
    /// Its project.
    pub project_id: ProjectId,
    /// Only this rule (any rule when `None`).
    pub rule_id: Option<RuleId>,
    /// Only rules narrowed to this server (any rule when `None`).
    pub server_id: Option<ServerId>,
    /// It matches strictly before this instant.
    pub until: DateTime<Utc>,
    /// Why (1–500 characters).
    pub reason: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Silence {
    /// Whether it still lasts at `now`.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        now < self.until
    }

    /// Whether it silences `rule` at `now`: it lasts, and each of its
    /// fields that is set names the rule (`rule_id`) or a server the rule
    /// concerns (`server_id`: the rule's own `serverId` or an action's).
    pub fn matches(&self, rule: &AlertRule, now: DateTime<Utc>) -> bool {
        self.active(now)
            && self.rule_id.is_none_or(|id| id == rule.id)
            && self.server_id.as_ref().is_none_or(|server| rule.concerns(server))
    }
}

impl AlertRule {
    /// Whether the rule concerns `server`: its own narrowing, or one of
    /// its actions runs there.
    pub fn concerns(&self, server: &ServerId) -> bool {
        self.server_id.as_ref() == Some(server) || self.actions.iter().any(|a| &a.server_id == server)
    }
}

/// What the engine decides for a rule, given its state and whether its
/// condition holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to send.
    Quiet,
    /// Started holding: notify.
    Fire,
    /// Still holding and the repeat interval passed: notify again.
    Repeat,
    /// Stopped holding: notify the resolution.
    Resolve,
}

/// The pure decision: no I/O, no clock but `now`.
pub fn decide(state: &RuleState, holds: bool, now: DateTime<Utc>, repeat_minutes: u32) -> Decision {
    match (state.firing, holds) {
        (false, true) => Decision::Fire,
        (true, false) => Decision::Resolve,
        (true, true) => {
            let due = state
                .last_notified_at
                .is_none_or(|at| now - at >= chrono::Duration::minutes(i64::from(repeat_minutes.max(1))));
            if due { Decision::Repeat } else { Decision::Quiet }
        }
        (false, false) => Decision::Quiet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_print_back_as_they_parse() {
        let c = Condition::parse("  error_rate>=2.5 ").unwrap();
        assert_eq!((c.metric, c.op, c.threshold), (Metric::ErrorRate, Op::Ge, 2.5));
        assert_eq!(Condition::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn equality_tolerates_float_noise() {
        assert!(Op::Eq.compare(50.000_000_000_1, 50.0));
        assert!(!Op::Gt.compare(50.000_000_000_1, 50.0));
        assert!(Op::Ge.compare(49.999_999_999_9, 50.0));
    }
}
