//! What agents send: registration, heartbeats, alerts, source requests,
//! command acknowledgements — and the token answers they get back.
//!
//! Strings default to empty (the service validates them and names every
//! problem at once). A heartbeat's figures are typed (`f64`, `u64`, `u32`)
//! and required: a wrong type is a 400 from [`crate::filters::parse_json`]
//! naming the field, a missing (or `null`) figure a 400 from
//! [`HeartbeatRequest::into_input`] naming every missing one. Either way the
//! request never reaches the service, so nothing half-valid is stored.

use orion_core::error::FieldError;
use orion_core::model::{Metrics, ScriptStatus};
use orion_core::service::{AgentRegistration, AlertInput, HeartbeatInput, IssuedToken};
use serde::{Deserialize, Serialize};

/// `POST /api/agent/register`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegisterAgent {
    /// Agent-chosen id, unique in the project.
    pub server_id: String,
    /// Shown in the UI; defaults to the hostname.
    pub display_name: String,
    /// Host name.
    pub hostname: String,
    /// Operating system.
    pub platform: String,
    /// CPU architecture.
    pub arch: String,
    /// Required with a user session; must be the token's project if given.
    pub project_name: Option<String>,
}

impl From<RegisterAgent> for AgentRegistration {
    fn from(r: RegisterAgent) -> Self {
        Self {
            server_id: r.server_id,
            display_name: r.display_name,
            hostname: r.hostname,
            platform: r.platform,
            arch: r.arch,
            project_name: r.project_name.filter(|name| !name.is_empty()),
        }
    }
}

/// `{"token": "sk_agent_..."}` or `{"token": "sk_source_..."}`: the only
/// time the value is shown.
#[derive(Debug, Serialize)]
pub struct IssuedTokenView {
    /// The token value.
    pub token: String,
}

impl From<IssuedToken> for IssuedTokenView {
    fn from(issued: IssuedToken) -> Self {
        Self { token: issued.value }
    }
}

/// `POST /api/agent/heartbeat`. The figures are options only so that a
/// missing one can be named; [`Self::into_input`] requires them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeartbeatRequest {
    /// Only for tokens not bound to a server.
    pub server_id: Option<String>,
    /// RFC 3339; default: when received.
    pub timestamp: Option<String>,
    /// 0–100.
    pub cpu_percent: Option<f64>,
    /// Bytes.
    pub ram_used_bytes: Option<u64>,
    /// Bytes.
    pub ram_total_bytes: Option<u64>,
    /// Bytes.
    pub disk_used_bytes: Option<u64>,
    /// Bytes.
    pub disk_total_bytes: Option<u64>,
    /// Bytes per second.
    pub net_rx_bytes_per_sec: Option<f64>,
    /// Bytes per second.
    pub net_tx_bytes_per_sec: Option<f64>,
    /// Seconds.
    pub uptime_seconds: Option<u64>,
    /// 1, 5 and 15-minute load averages (absent where the platform has none).
    pub load_average: Option<[f64; 3]>,
    /// Supervised scripts.
    pub scripts: Option<Vec<ScriptRequest>>,
}

/// One supervised script in a heartbeat.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScriptRequest {
    /// Its name in the agent config.
    pub name: String,
    /// `running`, `stopped`, `crashed`, ...
    pub state: String,
    /// Process id while running.
    pub pid: Option<u32>,
    /// Restarts since the agent started (default 0).
    pub restarts: u32,
    /// Exit code of the last run.
    pub last_exit_code: Option<i32>,
}

impl HeartbeatRequest {
    /// The service input, or a 400's details naming every missing figure.
    /// (A script's empty name or state is the service's to refuse, with
    /// its other rules about them.)
    pub fn into_input(self) -> Result<HeartbeatInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut need = |field: &str, present: bool| {
            if !present {
                errors.push(FieldError::new(field, "is required"));
            }
        };
        need("cpuPercent", self.cpu_percent.is_some());
        need("ramUsedBytes", self.ram_used_bytes.is_some());
        need("ramTotalBytes", self.ram_total_bytes.is_some());
        need("diskUsedBytes", self.disk_used_bytes.is_some());
        need("diskTotalBytes", self.disk_total_bytes.is_some());
        need("netRxBytesPerSec", self.net_rx_bytes_per_sec.is_some());
        need("netTxBytesPerSec", self.net_tx_bytes_per_sec.is_some());
        need("uptimeSeconds", self.uptime_seconds.is_some());
        if !errors.is_empty() {
            return Err(errors);
        }
        let metrics = Metrics {
            cpu_percent: self.cpu_percent.unwrap_or_default(),
            ram_used_bytes: self.ram_used_bytes.unwrap_or_default(),
            ram_total_bytes: self.ram_total_bytes.unwrap_or_default(),
            disk_used_bytes: self.disk_used_bytes.unwrap_or_default(),
            disk_total_bytes: self.disk_total_bytes.unwrap_or_default(),
            net_rx_bytes_per_sec: self.net_rx_bytes_per_sec.unwrap_or_default(),
            net_tx_bytes_per_sec: self.net_tx_bytes_per_sec.unwrap_or_default(),
            uptime_seconds: self.uptime_seconds.unwrap_or_default(),
            load_average: self.load_average,
        };
        let scripts = self
            .scripts
            .unwrap_or_default()
            .into_iter()
            .map(|s| ScriptStatus {
                name: s.name,
                state: s.state,
                pid: s.pid,
                restarts: s.restarts,
                last_exit_code: s.last_exit_code,
            })
            .collect();
        Ok(HeartbeatInput { server_id: self.server_id, timestamp: self.timestamp, metrics, scripts })
    }
}

/// `POST /api/agent/alert`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AlertRequest {
    /// Machine-readable kind, e.g. `script_crash`.
    pub event: String,
    /// Human text.
    pub message: String,
    /// The script concerned.
    pub script_name: Option<String>,
    /// RFC 3339; default: when received.
    pub timestamp: Option<String>,
}

impl From<AlertRequest> for AlertInput {
    fn from(a: AlertRequest) -> Self {
        Self { event: a.event, message: a.message, script_name: a.script_name, timestamp: a.timestamp }
    }
}

/// `POST /api/agent/source`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SourceRequest {
    /// Source name (as a project name).
    pub name: String,
    /// The script's working directory, kept as the source's description.
    pub cwd: Option<String>,
}

/// `POST /api/agent/commands/{commandId}/ack`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AckRequest {
    /// `ok` or `failed`.
    pub status: String,
    /// What the agent has to say (≤ 64 KiB).
    pub output: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::filters::parse_json;

    fn full() -> serde_json::Value {
        json!({
            "cpuPercent": 12.5, "ramUsedBytes": 1, "ramTotalBytes": 2, "diskUsedBytes": 3,
            "diskTotalBytes": 4, "netRxBytesPerSec": 5, "netTxBytesPerSec": 6.5, "uptimeSeconds": 7,
            "loadAverage": [0.5, 1, 1.5],
            "scripts": [{"name": "api", "state": "running", "pid": 42, "restarts": 1}],
        })
    }

    fn parse(body: &serde_json::Value) -> Result<HeartbeatInput, Vec<String>> {
        let request = parse_json::<HeartbeatRequest>(body.to_string().as_bytes())
            .map_err(|e| e.details.into_iter().map(|d| d.field).collect::<Vec<_>>())?;
        request.into_input().map_err(|e| e.into_iter().map(|d| d.field).collect())
    }

    #[test]
    fn a_full_heartbeat_becomes_metrics_and_scripts() {
        let input = parse(&full()).unwrap();
        assert_eq!(input.metrics.cpu_percent, 12.5);
        assert_eq!(input.metrics.uptime_seconds, 7);
        assert_eq!(input.metrics.load_average, Some([0.5, 1.0, 1.5]));
        let script = &input.scripts[0];
        assert_eq!(
            (script.name.as_str(), script.pid, script.restarts, script.last_exit_code),
            ("api", Some(42), 1, None)
        );
    }

    #[test]
    fn a_wrong_type_names_its_field_path() {
        let cases = [
            ("cpuPercent", json!("high"), "cpuPercent"),
            ("ramUsedBytes", json!(-1), "ramUsedBytes"),
            ("uptimeSeconds", json!(1.5), "uptimeSeconds"),
            ("loadAverage", json!([1, 2]), "loadAverage"),
            ("scripts", json!([{"name": "api", "state": "running", "pid": "x"}]), "scripts[0].pid"),
        ];
        for (key, value, field) in cases {
            let mut body = full();
            body[key] = value;
            assert_eq!(parse(&body).unwrap_err(), [field], "{key}");
        }
    }

    #[test]
    fn every_missing_figure_is_reported() {
        let body = json!({"cpuPercent": 1, "uptimeSeconds": null});
        let missing = [
            "ramUsedBytes",
            "ramTotalBytes",
            "diskUsedBytes",
            "diskTotalBytes",
            "netRxBytesPerSec",
            "netTxBytesPerSec",
            "uptimeSeconds",
        ];
        assert_eq!(parse(&body).unwrap_err(), missing);
    }
}
