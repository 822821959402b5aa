//! The JSON bodies of the agent and ingest API, as this client sends and
//! reads them (camelCase, per `shared/API.md`).
//!
//! These types are the client's own rather than shared with `orion-http`:
//! sharing would make every app that ships logs compile the server's
//! dependencies, and the server's input types are deliberately loose
//! (every field optional, so it can name each problem) while a client's
//! should say what a valid request looks like. The integration tests send
//! every type to the real server, so a drift between the two fails a test.
//!
//! Every type is also `Deserialize`, so callers can persist them (an
//! on-disk buffer of log entries, say) and read them back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One log entry for `POST /api/agent/log`.
///
/// Only `message` is required (non-empty, at most 64 KiB); the server
/// fills in `level` (`info`) and `timestamp` (time received) when absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// The text.
    pub message: String,
    /// `trace`, `debug`, `info`, `warn`, `error` or `fatal` (any case;
    /// `warning`, `err`, `critical`, `crit` are accepted aliases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// When it happened (sent as RFC 3339 with milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "millis")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Structured fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Labels; a search can require several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Source name; ignored when the token is bound to a source, created
    /// in the project when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl LogEntry {
    /// An entry at `level` with `message`, stamped now (so batching delays
    /// do not shift its time).
    pub fn new(level: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            level: Some(level.into()),
            timestamp: Some(Utc::now()),
            ..Self::default()
        }
    }

    /// Sets the timestamp.
    pub fn at(mut self, timestamp: DateTime<Utc>) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Adds a metadata field.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata.get_or_insert_with(Map::new).insert(key.into(), value.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Sets the source name.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// `POST /api/agent/register`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterAgent {
    /// Agent-chosen id, unique in the project: 1–128 of `[A-Za-z0-9._:-]`.
    pub server_id: String,
    /// Name shown in the UI (the hostname when empty).
    pub display_name: String,
    /// Host name.
    pub hostname: String,
    /// `linux`, `macos`, `windows`, ...
    pub platform: String,
    /// `x86_64`, `aarch64`, ...
    pub arch: String,
    /// Required with a user JWT; must match the token's project otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
}

/// The state of one supervised script, inside a [`Heartbeat`] (the
/// reference's `{name, status}`, plus optional extensions).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptStatus {
    /// The script's name in the agent config.
    pub name: String,
    /// `starting`, `running`, `restarting`, `stopped` or `crashed`.
    pub status: String,
    /// Process id while running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Restarts since the agent started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts: Option<u32>,
    /// Exit code of the last run, if it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_exit_code: Option<i32>,
    /// Seconds since the current run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime: Option<f64>,
}

/// `cpu` of a [`Heartbeat`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cpu {
    /// Use over the last interval, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Logical CPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
}

/// `ram` of a [`Heartbeat`], in megabytes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ram {
    /// In use (at most `total_mb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_mb: Option<f64>,
    /// Installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_mb: Option<f64>,
    /// In use, 0–100 (derived by the server from used/total when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
}

/// `disk` of a [`Heartbeat`], in gigabytes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Disk {
    /// In use (at most `total_gb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_gb: Option<f64>,
    /// In total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_gb: Option<f64>,
    /// In use, 0–100 (derived by the server from used/total when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
}

/// `network` of a [`Heartbeat`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    /// Bytes received per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx_bytes_per_sec: Option<f64>,
    /// Bytes sent per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_bytes_per_sec: Option<f64>,
}

/// `POST /api/agent/heartbeat`, in the documented shape: every group
/// optional (`Heartbeat::default()` is a liveness ping).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// Needed only when the token is not bound to a server (agent tokens are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
    /// When the figures were taken (default: when received).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "millis")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Machine uptime, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime: Option<f64>,
    /// CPU figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    /// Memory figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram: Option<Ram>,
    /// Disk figures (all local filesystems).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Disk>,
    /// Network rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// 1/5/15-minute load averages, where the platform has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_average: Option<[f64; 3]>,
    /// Supervised scripts (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<ScriptStatus>,
}

/// `POST /api/agent/alert`: something went wrong on the machine; stored
/// as an incident.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Machine-readable kind: 1–64 of `[a-z0-9_]`, e.g. `script_crash`.
    pub event: String,
    /// Human text (at most 64 KiB).
    pub message: String,
    /// The script concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_name: Option<String>,
    /// When it happened (default: when received).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "millis")]
    pub timestamp: Option<DateTime<Utc>>,
    /// What the agent knew when it happened (a crash's last lines, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<CrashContext>,
}

/// The `context` of an [`Alert`]: at most 200 lines holding at most 64 KiB
/// of text in all (the server refuses more).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrashContext {
    /// The script's last lines, oldest first.
    #[serde(default)]
    pub lines: Vec<ContextLine>,
    /// The machine's latest figures, in the heartbeat's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Heartbeat>,
    /// The exit code, when the script exited by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that ended it (1–64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Restarts since the agent started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts: Option<u32>,
}

/// One line of a [`CrashContext`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextLine {
    /// When it was printed.
    #[serde(with = "millis_required")]
    pub timestamp: DateTime<Utc>,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The text.
    pub line: String,
}

/// A pending command from `GET /api/agent/commands`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCommand {
    /// Its id, for [`Client::ack`](crate::Client::ack).
    pub id: i64,
    /// `restart`, `stop` or `start` (a string, so that kinds added later
    /// reach the agent — which can refuse them — instead of failing the
    /// whole poll).
    #[serde(rename = "type")]
    pub kind: String,
    /// The script it concerns.
    #[serde(default)]
    pub script_name: Option<String>,
    /// Free JSON object for the agent.
    #[serde(default)]
    pub payload: Value,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
}

/// The outcome an agent reports for a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AckStatus {
    /// Done.
    Ok,
    /// Tried and failed.
    Failed,
}

/// `POST /api/agent/commands/:id/ack`.
#[derive(Debug, Serialize)]
pub(crate) struct Ack<'a> {
    pub status: AckStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<&'a str>,
}

/// `POST /api/agent/source`.
#[derive(Debug, Serialize)]
pub(crate) struct NewSource<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<&'a str>,
}

/// `{"accepted": N}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Accepted {
    pub accepted: usize,
}

/// `{"token": "..."}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Issued {
    pub token: String,
}

/// `{"error": "...", "code": "..."}`, the body of every error answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub code: String,
}

/// RFC 3339 with milliseconds and `Z`, as the API writes its own times.
mod millis {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => serializer.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(deserializer)
    }
}

/// A required instant as RFC 3339 with milliseconds and `Z`.
mod millis_required {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(deserializer)
    }
}
