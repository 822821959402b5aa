//! Wire types of an entry's context and of facets.

use orion_core::service::logs::{Facets, LogContext};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::logs::LogView;

/// `{"before": [...], "entry": {...}, "after": [...]}`, both lists oldest
/// first.
#[derive(Debug, Serialize)]
pub struct ContextView<'a> {
    /// Older matches, oldest first.
    pub before: Vec<LogView<'a>>,
    /// The entry.
    pub entry: LogView<'a>,
    /// Newer matches, oldest first.
    pub after: Vec<LogView<'a>>,
}

impl<'a> From<&'a LogContext> for ContextView<'a> {
    fn from(c: &'a LogContext) -> Self {
        Self {
            before: c.before.iter().map(LogView::from).collect(),
            entry: LogView::from(&c.entry),
            after: c.after.iter().map(LogView::from).collect(),
        }
    }
}

/// `{"total", "totalIsLowerBound", "facets": {"<field>": [{"value", "count"}]}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FacetsView {
    /// Matches, exact up to 10,000.
    pub total: u64,
    /// Whether `total` is capped (the counts are then the newest 10,000's).
    pub total_is_lower_bound: bool,
    /// Per field asked, its most frequent values.
    pub facets: Map<String, Value>,
}

impl From<&Facets> for FacetsView {
    fn from(f: &Facets) -> Self {
        let facets = f
            .facets
            .iter()
            .map(|(field, values)| {
                let values = values.iter().map(|v| json!({"value": v.value, "count": v.count})).collect();
                (field.name(), Value::Array(values))
            })
            .collect();
        Self { total: f.total, total_is_lower_bound: f.total_is_lower_bound, facets }
    }
}
