//! What agents send: registration, heartbeats, alerts, source requests,
//! command acknowledgements — and the token answers they get back.
//!
//! Strings default to empty (the service validates them and names every
//! problem at once). A heartbeat is the reference's nested shape with every
//! group optional; its figures are typed (`f64`, `u32`), so a wrong type is
//! a 400 from [`crate::filters::parse_json`] naming the field path (the
//! request never reaches the service, so nothing half-valid is stored);
//! everything else, a script's status included, the service checks.

use std::marker::PhantomData;

use orion_core::model::{Metrics, Usage};
use orion_core::service::{
    AgentRegistration, AlertInput, ContextInput, ContextLineInput, ContextMetricsInput, HeartbeatInput,
    IssuedToken, ScriptInput,
};
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// A `T` read only from a JSON object. serde's derived structs also take
/// arrays (`[1, 2]` would fill the first two fields), which no client
/// means; field paths in errors (`cpu.percent`) are kept.
#[derive(Debug, Default)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Only<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Only<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(Only(PhantomData)).map(Object)
    }
}

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

/// `POST /api/agent/heartbeat`, in the reference's shape: every group and
/// every figure optional (`{}` is a liveness ping); a present figure of the
/// wrong JSON type is a 400 naming its path (`ram.usedMb`) from
/// [`crate::filters::parse_json`]; ranges are the service's to check.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeartbeatRequest {
    /// Only for tokens not bound to a server (an extension).
    pub server_id: Option<String>,
    /// RFC 3339; default: when received.
    pub timestamp: Option<String>,
    /// Machine uptime, seconds.
    pub uptime: Option<f64>,
    /// CPU figures.
    pub cpu: Option<Object<CpuGroup>>,
    /// Memory, megabytes.
    pub ram: Option<Object<RamGroup>>,
    /// Disk, gigabytes.
    pub disk: Option<Object<DiskGroup>>,
    /// Network rates.
    pub network: Option<Object<NetworkGroup>>,
    /// 1, 5 and 15-minute load averages (an extension).
    pub load_average: Option<[f64; 3]>,
    /// Supervised scripts.
    pub scripts: Option<Vec<Object<ScriptRequest>>>,
}

/// `cpu` of a heartbeat.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CpuGroup {
    /// 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Logical CPUs (an extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
}

/// `ram` of a heartbeat.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RamGroup {
    /// Megabytes in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_mb: Option<f64>,
    /// Megabytes installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_mb: Option<f64>,
    /// 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
}

/// `disk` of a heartbeat.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiskGroup {
    /// Gigabytes in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_gb: Option<f64>,
    /// Gigabytes in total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_gb: Option<f64>,
    /// 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
}

/// `network` of a heartbeat.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkGroup {
    /// Receive rate, bytes/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rx_bytes_per_sec: Option<f64>,
    /// Send rate, bytes/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_bytes_per_sec: Option<f64>,
}

/// One supervised script in a heartbeat.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScriptRequest {
    /// Its name in the agent config.
    pub name: String,
    /// `starting`, `running`, `restarting`, `stopped` or `crashed`.
    pub status: String,
    /// Process id while running (an extension).
    pub pid: Option<u32>,
    /// Restarts since the agent started (an extension).
    pub restarts: Option<u32>,
    /// Exit code of the last run (an extension).
    pub last_exit_code: Option<i32>,
    /// Seconds since the current run started (an extension).
    pub uptime: Option<f64>,
}

impl From<HeartbeatRequest> for HeartbeatInput {
    fn from(r: HeartbeatRequest) -> Self {
        let metrics = metrics_of(r.uptime, r.cpu, r.ram, r.disk, r.network, r.load_average);
        let scripts = r
            .scripts
            .unwrap_or_default()
            .into_iter()
            .map(|Object(s)| ScriptInput {
                name: s.name,
                status: s.status,
                pid: s.pid,
                restarts: s.restarts,
                last_exit_code: s.last_exit_code,
                uptime_seconds: s.uptime,
            })
            .collect();
        Self { server_id: r.server_id, timestamp: r.timestamp, metrics, scripts }
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
    /// A crash's context: last lines, how it ended, latest figures.
    pub context: Option<Object<ContextRequest>>,
}

/// `context` of `POST /api/agent/alert`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContextRequest {
    /// The script's last lines, oldest first (at most 200).
    pub lines: Vec<Object<ContextLineRequest>>,
    /// The latest figures, in the heartbeat's shape.
    pub metrics: Option<Object<ContextMetricsRequest>>,
    /// The exit code.
    pub exit_code: Option<i32>,
    /// The signal that ended the script.
    pub signal: Option<i32>,
    /// Restarts since the agent started.
    pub restarts: Option<u32>,
}

/// One line of a crash context.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContextLineRequest {
    /// RFC 3339.
    pub timestamp: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The text; required (a missing or null one is a 400).
    pub line: Option<String>,
}

/// The figures of a crash context: a heartbeat's groups (its `scripts`
/// and `serverId`, if sent, are not part of it and are ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContextMetricsRequest {
    /// RFC 3339, when they were taken.
    pub timestamp: Option<String>,
    /// Machine uptime, seconds.
    pub uptime: Option<f64>,
    /// CPU figures.
    pub cpu: Option<Object<CpuGroup>>,
    /// Memory, megabytes.
    pub ram: Option<Object<RamGroup>>,
    /// Disk, gigabytes.
    pub disk: Option<Object<DiskGroup>>,
    /// Network rates.
    pub network: Option<Object<NetworkGroup>>,
    /// 1, 5 and 15-minute load averages.
    pub load_average: Option<[f64; 3]>,
}

fn metrics_of(
    uptime: Option<f64>,
    cpu: Option<Object<CpuGroup>>,
    ram: Option<Object<RamGroup>>,
    disk: Option<Object<DiskGroup>>,
    network: Option<Object<NetworkGroup>>,
    load_average: Option<[f64; 3]>,
) -> Metrics {
    let cpu = cpu.unwrap_or_default().0;
    let ram = ram.unwrap_or_default().0;
    let disk = disk.unwrap_or_default().0;
    let network = network.unwrap_or_default().0;
    Metrics {
        uptime_seconds: uptime,
        cpu_percent: cpu.percent,
        cpu_cores: cpu.cores,
        ram: Usage { used: ram.used_mb, total: ram.total_mb, percent: ram.percent },
        disk: Usage { used: disk.used_gb, total: disk.total_gb, percent: disk.percent },
        net_rx_bytes_per_sec: network.rx_bytes_per_sec,
        net_tx_bytes_per_sec: network.tx_bytes_per_sec,
        load_average,
    }
}

impl From<AlertRequest> for AlertInput {
    fn from(a: AlertRequest) -> Self {
        let context = a.context.map(|Object(c)| ContextInput {
            lines: c
                .lines
                .into_iter()
                .map(|Object(l)| ContextLineInput { timestamp: l.timestamp, stream: l.stream, line: l.line })
                .collect(),
            metrics: c.metrics.map(|Object(m)| ContextMetricsInput {
                timestamp: m.timestamp,
                metrics: metrics_of(m.uptime, m.cpu, m.ram, m.disk, m.network, m.load_average),
            }),
            exit_code: c.exit_code,
            signal: c.signal,
            restarts: c.restarts,
        });
        Self {
            event: a.event,
            message: a.message,
            script_name: a.script_name,
            timestamp: a.timestamp,
            context,
        }
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

    /// The reference's own example, verbatim.
    fn reference() -> serde_json::Value {
        json!({
            "timestamp": "2024-01-15T10:30:00.000Z",
            "uptime": 86400,
            "cpu": { "percent": 12.5 },
            "ram": { "usedMb": 1024, "totalMb": 4096, "percent": 25 },
            "disk": { "usedGb": 20, "totalGb": 100, "percent": 20 },
            "network": { "rxBytesPerSec": 1024, "txBytesPerSec": 512 },
            "scripts": [{ "name": "api", "status": "running" }]
        })
    }

    fn parse(body: &serde_json::Value) -> Result<HeartbeatInput, Vec<String>> {
        let request = parse_json::<HeartbeatRequest>(body.to_string().as_bytes())
            .map_err(|e| e.details.into_iter().map(|d| d.field).collect::<Vec<_>>())?;
        Ok(request.into())
    }

    #[test]
    fn the_reference_heartbeat_becomes_metrics_and_scripts() {
        let input = parse(&reference()).unwrap();
        let m = &input.metrics;
        assert_eq!((m.uptime_seconds, m.cpu_percent), (Some(86400.0), Some(12.5)));
        assert_eq!(m.ram, Usage { used: Some(1024.0), total: Some(4096.0), percent: Some(25.0) });
        assert_eq!(m.disk, Usage { used: Some(20.0), total: Some(100.0), percent: Some(20.0) });
        assert_eq!((m.net_rx_bytes_per_sec, m.net_tx_bytes_per_sec), (Some(1024.0), Some(512.0)));
        assert_eq!(input.timestamp.as_deref(), Some("2024-01-15T10:30:00.000Z"));
        let script = &input.scripts[0];
        assert_eq!((script.name.as_str(), script.status.as_str(), script.pid), ("api", "running", None));
    }

    #[test]
    fn an_empty_body_is_a_liveness_ping() {
        let input = parse(&json!({})).unwrap();
        assert_eq!(input.metrics, Metrics::default());
        assert!(input.scripts.is_empty());
    }

    #[test]
    fn a_wrong_type_names_its_field_path() {
        let cases = [
            (json!({"cpu": {"percent": "high"}}), "cpu.percent"),
            (json!({"ram": {"usedMb": "1"}}), "ram.usedMb"),
            (json!({"disk": 5}), "disk"),
            (json!({"uptime": "1d"}), "uptime"),
            (json!({"loadAverage": [1, 2]}), "loadAverage"),
            (json!({"network": [null, null]}), "network"),
            (json!({"scripts": [["api", "running"]]}), "scripts[0]"),
            (json!({"scripts": [{"name": "api", "status": "running", "pid": "x"}]}), "scripts[0].pid"),
        ];
        for (body, field) in cases {
            assert_eq!(parse(&body).unwrap_err(), [field], "{body}");
        }
    }
}
