//! Wire types of `GET …/servers/metrics`.

use std::collections::BTreeMap;

use orion_core::service::agents::{ServerMetrics, format_step};
use serde::Serialize;

use super::timestamp;

/// `{"step", "stepSeconds", "from", "to", "servers": {"<serverId>": [...]}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerMetricsView {
    /// The step used, as the `step` parameter writes it (`1m`).
    pub step: String,
    /// The same, in seconds.
    pub step_seconds: i64,
    /// The range covered (after the bounds).
    pub from: String,
    /// Its end (exclusive).
    pub to: String,
    /// Every server of the project, with its steps oldest first.
    pub servers: BTreeMap<String, Vec<PointView>>,
}

/// The averages of one step.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointView {
    /// Where the step starts.
    pub t: String,
    /// Mean CPU percent.
    pub cpu: Option<f64>,
    /// Mean RAM percent.
    pub ram: Option<f64>,
    /// Mean disk percent.
    pub disk: Option<f64>,
    /// Mean receive rate, bytes/s.
    pub rx_bytes_per_sec: Option<f64>,
    /// Mean send rate, bytes/s.
    pub tx_bytes_per_sec: Option<f64>,
    /// Heartbeats averaged.
    pub samples: u64,
}

impl From<&ServerMetrics> for ServerMetricsView {
    fn from(m: &ServerMetrics) -> Self {
        Self {
            step: format_step(m.step),
            step_seconds: m.step.num_seconds(),
            from: timestamp(m.from),
            to: timestamp(m.to),
            servers: m
                .servers
                .iter()
                .map(|(id, steps)| {
                    let points = steps
                        .iter()
                        .map(|b| PointView {
                            t: timestamp(b.start),
                            cpu: b.cpu_percent,
                            ram: b.ram_percent,
                            disk: b.disk_percent,
                            rx_bytes_per_sec: b.net_rx_bytes_per_sec,
                            tx_bytes_per_sec: b.net_tx_bytes_per_sec,
                            samples: b.samples,
                        })
                        .collect();
                    (id.as_str().to_owned(), points)
                })
                .collect(),
        }
    }
}
