//! Machines watched by agents: servers, their heartbeats, the commands
//! sent to them and the incidents they report.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::ids::{CommandId, IncidentId, ProjectId, ServerRowId};
use crate::error::FieldError;

/// An agent-chosen server id: 1–128 characters of `[A-Za-z0-9._:-]`
/// (a hostname, a machine id, a UUID all fit). Unique per project.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(String);

impl ServerId {
    /// Validates a server id.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let ok = (1..=128).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                "serverId",
                "must be 1 to 128 characters of letters, digits, '.', '_', ':' or '-'",
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registered machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// Integer id of the row (stable across re-registrations).
    pub id: ServerRowId,
    /// Its project.
    pub project_id: ProjectId,
    /// Agent-chosen id, unique in the project.
    pub server_id: ServerId,
    /// Name shown in the UI.
    pub display_name: String,
    /// Host name as the agent reports it.
    pub hostname: String,
    /// `linux`, `macos`, `windows`, ...
    pub platform: String,
    /// `x86_64`, `aarch64`, ...
    pub arch: String,
    /// First registration.
    pub created_at: DateTime<Utc>,
    /// Last heartbeat received, if any.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// The state of a supervised script: the five the reference lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptState {
    /// Being started.
    Starting,
    /// Up.
    Running,
    /// Going down to come back up.
    Restarting,
    /// Down on purpose.
    Stopped,
    /// Down after a failure.
    Crashed,
}

impl ScriptState {
    /// Every state, in the order the reference lists them.
    pub const ALL: [ScriptState; 5] =
        [Self::Starting, Self::Running, Self::Restarting, Self::Stopped, Self::Crashed];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Restarting => "restarting",
            Self::Stopped => "stopped",
            Self::Crashed => "crashed",
        }
    }

    /// Parses the wire name (exactly, lower case).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

impl fmt::Display for ScriptState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of one supervised script, as the agent reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptStatus {
    /// The script's name in the agent config.
    pub name: String,
    /// Its state.
    pub state: ScriptState,
    /// Process id while running.
    pub pid: Option<u32>,
    /// Restarts since the agent started.
    pub restarts: Option<u32>,
    /// Exit code of the last run, if it ended.
    pub last_exit_code: Option<i32>,
    /// Seconds since the current run started.
    pub uptime_seconds: Option<f64>,
}

/// Memory or disk use as the agent reports it, in the group's unit
/// (megabytes for RAM, gigabytes for disk, as the reference has them).
/// Every part is optional; all `None` means the group was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    /// In use.
    pub used: Option<f64>,
    /// In total.
    pub total: Option<f64>,
    /// In use, 0–100.
    pub percent: Option<f64>,
}

impl Usage {
    /// The percent as sent, or derived from `used`/`total` when only those
    /// were sent (a zero total gives none; `used` above `total` gives 100).
    pub fn effective_percent(&self) -> Option<f64> {
        self.percent.or_else(|| match (self.used, self.total) {
            (Some(used), Some(total)) if total > 0.0 => Some((used * 100.0 / total).min(100.0)),
            _ => None,
        })
    }

    /// Whether nothing of the group was sent.
    pub fn is_empty(&self) -> bool {
        self.used.is_none() && self.total.is_none() && self.percent.is_none()
    }
}

/// System figures from one heartbeat, in the reference's shape: every
/// group and every figure optional (`{}` is a liveness ping).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metrics {
    /// Machine uptime, seconds (`uptime`).
    pub uptime_seconds: Option<f64>,
    /// CPU use over the last interval, 0–100 (`cpu.percent`).
    pub cpu_percent: Option<f64>,
    /// Logical CPUs (`cpu.cores`, an extension).
    pub cpu_cores: Option<u32>,
    /// Memory, megabytes (`ram`).
    pub ram: Usage,
    /// Disk, gigabytes (`disk`).
    pub disk: Usage,
    /// Network receive rate, bytes/s (`network.rxBytesPerSec`).
    pub net_rx_bytes_per_sec: Option<f64>,
    /// Network send rate, bytes/s (`network.txBytesPerSec`).
    pub net_tx_bytes_per_sec: Option<f64>,
    /// 1/5/15-minute load averages (`loadAverage`, an extension).
    pub load_average: Option<[f64; 3]>,
}

impl Metrics {
    /// Memory use, 0–100, when known.
    pub fn ram_percent(&self) -> Option<f64> {
        self.ram.effective_percent()
    }

    /// Disk use, 0–100, when known.
    pub fn disk_percent(&self) -> Option<f64> {
        self.disk.effective_percent()
    }
}

/// A heartbeat as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Heartbeat {
    /// Its project.
    pub project_id: ProjectId,
    /// The server that sent it.
    pub server_id: ServerId,
    /// When the agent took the figures (default: when received).
    pub timestamp: DateTime<Utc>,
    /// When Orion received it.
    pub received_at: DateTime<Utc>,
    /// The figures.
    pub metrics: Metrics,
    /// Supervised scripts.
    pub scripts: Vec<ScriptStatus>,
}

/// What a command asks an agent to do to one of its scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// Stop then start.
    Restart,
    /// Stop and keep stopped.
    Stop,
    /// Start a stopped script.
    Start,
}

impl CommandKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restart => "restart",
            Self::Stop => "stop",
            Self::Start => "start",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Restart, Self::Stop, Self::Start].into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where a command is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandStatus {
    /// Waiting for the agent.
    Pending,
    /// The agent did it.
    Ok,
    /// The agent tried and failed.
    Failed,
}

impl CommandStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ok => "ok",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Ok, Self::Failed].into_iter().find(|s| s.as_str() == raw)
    }
}

/// A command for one server's agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// Stable id.
    pub id: CommandId,
    /// Its project.
    pub project_id: ProjectId,
    /// The server whose agent runs it.
    pub server_id: ServerId,
    /// What to do.
    pub kind: CommandKind,
    /// The script it concerns.
    pub script_name: Option<String>,
    /// Free JSON object for the agent.
    pub payload: Map<String, Value>,
    /// Pending until acknowledged.
    pub status: CommandStatus,
    /// What the agent reported (≤ 64 KiB).
    pub output: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When the agent acknowledged it.
    pub acked_at: Option<DateTime<Utc>>,
}

/// Where an incident is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentStatus {
    /// Still going on: a new crash of the same kind adds to it.
    Open,
    /// Over: resolved by hand, or its script ran long enough.
    Resolved,
}

impl IncidentStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Open, Self::Resolved].into_iter().find(|s| s.as_str() == raw)
    }
}

/// What just happened to an incident (live events say it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentChange {
    /// A first report opened it.
    Opened,
    /// Another report of the same kind was added to it.
    Repeated,
    /// It was resolved.
    Resolved,
}

impl IncidentChange {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Repeated => "repeated",
            Self::Resolved => "resolved",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Opened, Self::Repeated, Self::Resolved].into_iter().find(|s| s.as_str() == raw)
    }
}

/// Which pipe of a script a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl OutputStream {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Stdout, Self::Stderr].into_iter().find(|s| s.as_str() == raw)
    }
}

/// One line a script printed before it crashed.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextLine {
    /// When it was printed (agent clock).
    pub timestamp: DateTime<Utc>,
    /// Which pipe.
    pub stream: OutputStream,
    /// The text, without its newline.
    pub line: String,
}

/// The machine's figures when a script crashed, in the heartbeat's shape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContextMetrics {
    /// When the agent took them, if it said.
    pub timestamp: Option<DateTime<Utc>>,
    /// The figures.
    pub metrics: Metrics,
}

/// What the agent knew when a script crashed: its last lines (at most
/// [`CrashContext::MAX_LINES`], their text at most
/// [`CrashContext::MAX_BYTES`] in all), how it ended, how often it was
/// restarted, and the machine's latest figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CrashContext {
    /// Oldest first.
    pub lines: Vec<ContextLine>,
    /// The latest figures, if the agent had any.
    pub metrics: Option<ContextMetrics>,
    /// The exit code, when the script exited by itself.
    pub exit_code: Option<i32>,
    /// The signal that killed it, when one did (1–64).
    pub signal: Option<i32>,
    /// Restarts since the agent started.
    pub restarts: Option<u32>,
}

impl CrashContext {
    /// Most lines kept.
    pub const MAX_LINES: usize = 200;
    /// Most bytes of line text kept, all lines together (64 KiB).
    pub const MAX_BYTES: usize = 64 * 1024;
}

/// Something an agent reported going wrong (a script crash, ...), with the
/// reports of the same kind grouped: while it is open, another report of
/// the same server, script and event adds to it instead of opening a new
/// one.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Stable id.
    pub id: IncidentId,
    /// Its project.
    pub project_id: ProjectId,
    /// The reporting server, when the token is bound to one.
    pub server_id: Option<ServerId>,
    /// Machine-readable kind, e.g. `script_crash`.
    pub event: String,
    /// Human text of the latest report.
    pub message: String,
    /// The script concerned, if any.
    pub script_name: Option<String>,
    /// When the first report happened (agent clock; default: when received).
    pub timestamp: DateTime<Utc>,
    /// When Orion received the first report.
    pub received_at: DateTime<Utc>,
    /// Open or resolved.
    pub status: IncidentStatus,
    /// Reports grouped into it (at least 1).
    pub count: u64,
    /// When the latest report happened (agent clock).
    pub last_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Since when its script has been reported `running` without a break
    /// (the automatic resolution's clock); `None` while it is not.
    pub running_since: Option<DateTime<Utc>>,
    /// The latest report's crash context.
    pub context: Option<CrashContext>,
}

impl Incident {
    /// The grouping key: server, event and script, unambiguous because
    /// neither a server id nor an event can contain `/`.
    pub fn group_key(&self) -> String {
        let server = self.server_id.as_ref().map_or("", ServerId::as_str);
        match &self.script_name {
            Some(script) => format!("{server}/{}/{script}", self.event),
            None => format!("{server}/{}", self.event),
        }
    }
}

/// Averages over a window of heartbeats (alert metrics). Each figure is
/// the mean over the heartbeats that carry it, `None` when none did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeartbeatAverages {
    /// Mean of `cpu_percent`.
    pub cpu_percent: Option<f64>,
    /// Mean of each heartbeat's `ram_percent()`.
    pub ram_percent: Option<f64>,
    /// Mean of each heartbeat's `disk_percent()`.
    pub disk_percent: Option<f64>,
    /// How many heartbeats were averaged (at least 1).
    pub samples: u64,
}

/// One server's heartbeats over one step of a metrics series (the
/// servers screen's sparklines): each figure is the mean over the
/// heartbeats of the step that carry it, `None` when none did.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatBucket {
    /// The server.
    pub server_id: ServerId,
    /// Where the step starts (a whole multiple of the step since the Unix
    /// epoch).
    pub start: DateTime<Utc>,
    /// Mean of `cpu_percent`.
    pub cpu_percent: Option<f64>,
    /// Mean of each heartbeat's `ram_percent()`.
    pub ram_percent: Option<f64>,
    /// Mean of each heartbeat's `disk_percent()`.
    pub disk_percent: Option<f64>,
    /// Mean of `net_rx_bytes_per_sec`.
    pub net_rx_bytes_per_sec: Option<f64>,
    /// Mean of `net_tx_bytes_per_sec`.
    pub net_tx_bytes_per_sec: Option<f64>,
    /// How many heartbeats the step holds (at least 1).
    pub samples: u64,
}
