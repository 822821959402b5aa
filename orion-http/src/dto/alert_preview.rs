//! Wire types of `POST …/alerts/rules/preview`.

use orion_core::service::alerts::{Preview, PreviewInput};
use serde::{Deserialize, Serialize};

use super::timestamp;

/// The rule to preview and the range.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PreviewBody {
    /// `<metric> <op> <number>`.
    pub condition: String,
    /// Default 5.
    pub window_minutes: Option<u32>,
    /// Only logs of this source count.
    pub source: Option<String>,
    /// Only logs matching this query string count.
    pub filter: Option<String>,
    /// Only this server counts.
    pub server_id: Option<String>,
    /// RFC 3339; default `to` minus 24 hours.
    pub from: Option<String>,
    /// RFC 3339; default now.
    pub to: Option<String>,
}

impl From<PreviewBody> for PreviewInput {
    fn from(b: PreviewBody) -> Self {
        Self {
            condition: b.condition,
            window_minutes: b.window_minutes,
            source: b.source,
            filter: b.filter,
            server_id: b.server_id,
            from: b.from,
            to: b.to,
        }
    }
}

/// `{"stepSeconds", "points": [{"t", "value", "holds"}], "wouldFire"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewView {
    /// Seconds between points.
    pub step_seconds: i64,
    /// Oldest first.
    pub points: Vec<PointView>,
    /// How many times the rule would have fired.
    pub would_fire: u32,
}

/// One evaluation.
#[derive(Debug, Serialize)]
pub struct PointView {
    /// When.
    pub t: String,
    /// The metric (`null`: nothing to average).
    pub value: Option<f64>,
    /// Whether the condition held.
    pub holds: bool,
}

impl From<&Preview> for PreviewView {
    fn from(p: &Preview) -> Self {
        Self {
            step_seconds: p.step.num_seconds(),
            points: p
                .points
                .iter()
                .map(|pt| PointView { t: timestamp(pt.at), value: pt.value, holds: pt.holds })
                .collect(),
            would_fire: p.would_fire,
        }
    }
}
