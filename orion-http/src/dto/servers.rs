//! How servers, heartbeats, commands and incidents are shown — to their
//! owner over REST, to agents (pending commands), and on the WebSocket
//! (the same heartbeat and incident views) — and the owner's command
//! request.

use orion_core::model::{Command, CrashContext, Heartbeat, Incident, Metrics, ScriptStatus};
use orion_core::service::ServerOverview;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::agents::{CpuGroup, DiskGroup, NetworkGroup, RamGroup};
use super::timestamp;

/// A server in its project's listing.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerView<'a> {
    /// The row's integer id.
    pub id: i64,
    /// Agent-chosen id.
    pub server_id: &'a str,
    /// Shown in the UI.
    pub display_name: &'a str,
    /// Host name.
    pub hostname: &'a str,
    /// Operating system.
    pub platform: &'a str,
    /// CPU architecture.
    pub arch: &'a str,
    /// Last heartbeat received, or null.
    pub last_seen_at: Option<String>,
    /// Heard from within the offline threshold (3 minutes by default).
    pub online: bool,
    /// The latest heartbeat, or null.
    pub latest: Option<HeartbeatView<'a>>,
}

impl<'a> From<&'a ServerOverview> for ServerView<'a> {
    fn from(o: &'a ServerOverview) -> Self {
        let s = &o.server;
        Self {
            id: s.id.get(),
            server_id: s.server_id.as_str(),
            display_name: &s.display_name,
            hostname: &s.hostname,
            platform: &s.platform,
            arch: &s.arch,
            last_seen_at: s.last_seen_at.map(timestamp),
            online: o.online,
            latest: o.latest.as_ref().map(HeartbeatView::from),
        }
    }
}

/// A stored heartbeat in the shape it was sent (the reference's), with
/// `timestamp` always set, `receivedAt` added, a percent derived from
/// used/total where only those were sent, and groups that carried nothing
/// left out. The server is named by the context (the URL, or the WebSocket
/// message's `serverId`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatView<'a> {
    /// When the agent took the figures.
    pub timestamp: String,
    /// When Orion received them.
    pub received_at: String,
    /// The figures, in the reference's groups.
    #[serde(flatten)]
    pub metrics: MetricsView,
    /// Supervised scripts.
    pub scripts: Vec<ScriptView<'a>>,
}

impl<'a> From<&'a Heartbeat> for HeartbeatView<'a> {
    fn from(h: &'a Heartbeat) -> Self {
        Self {
            timestamp: timestamp(h.timestamp),
            received_at: timestamp(h.received_at),
            metrics: MetricsView::from(&h.metrics),
            scripts: h.scripts.iter().map(ScriptView::from).collect(),
        }
    }
}

/// One supervised script in a heartbeat, as sent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptView<'a> {
    /// Its name in the agent config.
    pub name: &'a str,
    /// `starting`, `running`, `restarting`, `stopped` or `crashed`.
    pub status: &'static str,
    /// Process id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Restarts since the agent started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarts: Option<u32>,
    /// Exit code of the last run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_exit_code: Option<i32>,
    /// Seconds since the current run started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uptime: Option<f64>,
}

impl<'a> From<&'a ScriptStatus> for ScriptView<'a> {
    fn from(s: &'a ScriptStatus) -> Self {
        Self {
            name: &s.name,
            status: s.state.as_str(),
            pid: s.pid,
            restarts: s.restarts,
            last_exit_code: s.last_exit_code,
            uptime: s.uptime_seconds,
        }
    }
}

/// `POST /api/projects/{projectName}/servers/{serverId}/commands`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnqueueCommand {
    /// `restart`, `stop` or `start`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The script concerned.
    pub script_name: Option<String>,
    /// A JSON object for the agent (default `{}`).
    pub payload: Option<Value>,
}

/// A command as its owner sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandView<'a> {
    /// Command id.
    pub id: i64,
    /// `restart`, `stop` or `start`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The script concerned, or null.
    pub script_name: Option<&'a str>,
    /// The agent's JSON object.
    pub payload: &'a Map<String, Value>,
    /// `pending`, `ok` or `failed`.
    pub status: &'static str,
    /// What the agent reported, or null.
    pub output: Option<&'a str>,
    /// When it was enqueued.
    pub created_at: String,
    /// When the agent acknowledged it, or null.
    pub acked_at: Option<String>,
}

impl<'a> From<&'a Command> for CommandView<'a> {
    fn from(c: &'a Command) -> Self {
        Self {
            id: c.id.get(),
            kind: c.kind.as_str(),
            script_name: c.script_name.as_deref(),
            payload: &c.payload,
            status: c.status.as_str(),
            output: c.output.as_deref(),
            created_at: timestamp(c.created_at),
            acked_at: c.acked_at.map(timestamp),
        }
    }
}

/// A pending command as its agent sees it (no status: it is pending).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingCommandView<'a> {
    /// Command id, for the ack.
    pub id: i64,
    /// `restart`, `stop` or `start`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The script concerned, or null.
    pub script_name: Option<&'a str>,
    /// A JSON object.
    pub payload: &'a Map<String, Value>,
    /// When it was enqueued.
    pub created_at: String,
}

impl<'a> From<&'a Command> for PendingCommandView<'a> {
    fn from(c: &'a Command) -> Self {
        Self {
            id: c.id.get(),
            kind: c.kind.as_str(),
            script_name: c.script_name.as_deref(),
            payload: &c.payload,
            created_at: timestamp(c.created_at),
        }
    }
}

/// An incident reported by an agent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentView<'a> {
    /// Incident id.
    pub id: i64,
    /// Machine-readable kind, e.g. `script_crash`.
    pub event: &'a str,
    /// Human text of the latest report.
    pub message: &'a str,
    /// The script concerned, or null.
    pub script_name: Option<&'a str>,
    /// The reporting server, or null (a token not bound to a server).
    pub server_id: Option<&'a str>,
    /// `open` or `resolved`.
    pub status: &'static str,
    /// Reports grouped into it.
    pub count: u64,
    /// When the first report happened (agent clock).
    pub first_at: String,
    /// When the latest report happened (agent clock).
    pub last_at: String,
    /// When it was resolved, or null.
    pub resolved_at: Option<String>,
    /// The latest report's crash context, or null.
    pub context: Option<ContextView<'a>>,
    /// When the first report happened (the same as `firstAt`, kept from
    /// before incidents grouped).
    pub timestamp: String,
    /// When Orion received the first report.
    pub received_at: String,
}

impl<'a> From<&'a Incident> for IncidentView<'a> {
    fn from(i: &'a Incident) -> Self {
        Self {
            id: i.id.get(),
            event: &i.event,
            message: &i.message,
            script_name: i.script_name.as_deref(),
            server_id: i.server_id.as_ref().map(|s| s.as_str()),
            status: i.status.as_str(),
            count: i.count,
            first_at: timestamp(i.timestamp),
            last_at: timestamp(i.last_at),
            resolved_at: i.resolved_at.map(timestamp),
            context: i.context.as_ref().map(ContextView::from),
            timestamp: timestamp(i.timestamp),
            received_at: timestamp(i.received_at),
        }
    }
}

/// A crash context as shown.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextView<'a> {
    /// The last lines, oldest first.
    pub lines: Vec<ContextLineView<'a>>,
    /// The latest figures in the heartbeat's shape (without scripts), or null.
    pub metrics: Option<ContextMetricsView>,
    /// The exit code, or null.
    pub exit_code: Option<i32>,
    /// The signal, or null.
    pub signal: Option<i32>,
    /// Restarts since the agent started, or null.
    pub restarts: Option<u32>,
}

/// One line of a crash context.
#[derive(Debug, Serialize)]
pub struct ContextLineView<'a> {
    /// When it was printed.
    pub timestamp: String,
    /// `stdout` or `stderr`.
    pub stream: &'static str,
    /// The text.
    pub line: &'a str,
}

/// The figures of a crash context, in the heartbeat's shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextMetricsView {
    /// When they were taken, if the agent said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The figures, in the reference's groups.
    #[serde(flatten)]
    pub metrics: MetricsView,
}

impl<'a> From<&'a CrashContext> for ContextView<'a> {
    fn from(c: &'a CrashContext) -> Self {
        Self {
            lines: c
                .lines
                .iter()
                .map(|l| ContextLineView {
                    timestamp: timestamp(l.timestamp),
                    stream: l.stream.as_str(),
                    line: &l.line,
                })
                .collect(),
            metrics: c.metrics.as_ref().map(|m| ContextMetricsView {
                timestamp: m.timestamp.map(timestamp),
                metrics: MetricsView::from(&m.metrics),
            }),
            exit_code: c.exit_code,
            signal: c.signal,
            restarts: c.restarts,
        }
    }
}

/// Figures in the heartbeat's groups, each left out when it carried
/// nothing (percents derived from used/total where only those were sent):
/// shared by heartbeats and crash contexts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsView {
    /// Machine uptime, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uptime: Option<f64>,
    /// CPU figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuGroup>,
    /// Memory, megabytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ram: Option<RamGroup>,
    /// Disk, gigabytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<DiskGroup>,
    /// Network rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkGroup>,
    /// 1/5/15-minute load averages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_average: Option<[f64; 3]>,
}

impl From<&Metrics> for MetricsView {
    fn from(m: &Metrics) -> Self {
        Self {
            uptime: m.uptime_seconds,
            load_average: m.load_average,
            cpu: (m.cpu_percent.is_some() || m.cpu_cores.is_some())
                .then_some(CpuGroup { percent: m.cpu_percent, cores: m.cpu_cores }),
            ram: (!m.ram.is_empty()).then_some(RamGroup {
                used_mb: m.ram.used,
                total_mb: m.ram.total,
                percent: m.ram.effective_percent(),
            }),
            disk: (!m.disk.is_empty()).then_some(DiskGroup {
                used_gb: m.disk.used,
                total_gb: m.disk.total,
                percent: m.disk.effective_percent(),
            }),
            network: (m.net_rx_bytes_per_sec.is_some() || m.net_tx_bytes_per_sec.is_some()).then_some(
                NetworkGroup {
                    rx_bytes_per_sec: m.net_rx_bytes_per_sec,
                    tx_bytes_per_sec: m.net_tx_bytes_per_sec,
                },
            ),
        }
    }
}
