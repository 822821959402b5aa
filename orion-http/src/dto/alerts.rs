//! Alert wire types: a rule as sent and as shown, one entry of the history,
//! and the outcome of a test send.

use orion_core::model::alert::{ActionOutcome, AlertEvent, AlertRule, Delivery, RuleAction};
use orion_core::service::{ActionInput, RuleInput};
use serde::{Deserialize, Serialize};

use super::timestamp;

/// `POST …/alerts/rules` and `PUT …/alerts/rules/{ruleId}` (a full
/// replace: omitted optional fields take their defaults again).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleBody {
    /// 1–100 characters.
    pub name: String,
    /// `<metric> <op> <number>`.
    pub condition: String,
    /// Default 5.
    pub window_minutes: Option<u32>,
    /// 1–10 channels.
    pub channels: Vec<String>,
    /// Default true.
    pub enabled: Option<bool>,
    /// Only logs of this source count.
    pub source: Option<String>,
    /// Only logs matching this query string count.
    pub filter: Option<String>,
    /// Only this server counts.
    pub server_id: Option<String>,
    /// Default 60.
    pub repeat_minutes: Option<u32>,
    /// At most 5 commands queued when the rule fires.
    pub actions: Vec<ActionBody>,
}

/// `{type, serverId, scriptName}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActionBody {
    /// `restart`, `stop` or `start`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A server of the project.
    pub server_id: String,
    /// The script.
    pub script_name: String,
}

impl From<RuleBody> for RuleInput {
    fn from(b: RuleBody) -> Self {
        Self {
            name: b.name,
            condition: b.condition,
            window_minutes: b.window_minutes,
            channels: b.channels,
            enabled: b.enabled,
            source: b.source,
            filter: b.filter,
            server_id: b.server_id,
            repeat_minutes: b.repeat_minutes,
            actions: b
                .actions
                .into_iter()
                .map(|a| ActionInput { kind: a.kind, server_id: a.server_id, script_name: a.script_name })
                .collect(),
        }
    }
}

/// A rule as shown.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView<'a> {
    /// Rule id.
    pub id: i64,
    /// Human name.
    pub name: &'a str,
    /// The condition, normalised (`error_count >= 3`).
    pub condition: String,
    /// The window, in minutes.
    pub window_minutes: u32,
    /// Channels in wire form.
    pub channels: Vec<String>,
    /// Disabled rules are not evaluated.
    pub enabled: bool,
    /// The narrowing source, or null.
    pub source: Option<&'a str>,
    /// The narrowing query string, or null.
    pub filter: Option<&'a str>,
    /// The narrowing server, or null.
    pub server_id: Option<&'a str>,
    /// Re-notify interval while firing.
    pub repeat_minutes: u32,
    /// Commands queued when it fires.
    pub actions: Vec<ActionView<'a>>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

impl<'a> From<&'a AlertRule> for RuleView<'a> {
    fn from(r: &'a AlertRule) -> Self {
        Self {
            id: r.id.get(),
            name: &r.name,
            condition: r.condition.to_string(),
            window_minutes: r.window_minutes,
            channels: r.channels.iter().map(|c| c.to_wire()).collect(),
            enabled: r.enabled,
            source: r.source.as_deref(),
            filter: r.filter.as_deref(),
            server_id: r.server_id.as_ref().map(|s| s.as_str()),
            repeat_minutes: r.repeat_minutes,
            actions: r.actions.iter().map(ActionView::from).collect(),
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
        }
    }
}

/// An action of a rule.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionView<'a> {
    /// `restart`, `stop` or `start`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The server whose agent runs it.
    pub server_id: &'a str,
    /// The script.
    pub script_name: &'a str,
}

impl<'a> From<&'a RuleAction> for ActionView<'a> {
    fn from(a: &'a RuleAction) -> Self {
        Self { kind: a.kind.as_str(), server_id: a.server_id.as_str(), script_name: &a.script_name }
    }
}

/// What one action of a firing did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeView<'a> {
    /// The queued command.
    pub command_id: i64,
    /// The action as it was.
    #[serde(flatten)]
    pub action: ActionView<'a>,
    /// `pending` until the agent acknowledges, then `ok` or `failed`.
    pub status: &'static str,
    /// What the agent reported, or null.
    pub output: Option<&'a str>,
}

impl<'a> From<&'a ActionOutcome> for OutcomeView<'a> {
    fn from(o: &'a ActionOutcome) -> Self {
        Self {
            command_id: o.command_id.get(),
            action: ActionView::from(&o.action),
            status: o.status.as_str(),
            output: o.output.as_deref(),
        }
    }
}

/// One channel's outcome (history and test sends).
#[derive(Debug, Serialize)]
pub struct DeliveryView<'a> {
    /// The channel, in wire form.
    pub channel: &'a str,
    /// Whether it was delivered.
    pub ok: bool,
    /// Why not (absent when delivered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

impl<'a> From<&'a Delivery> for DeliveryView<'a> {
    fn from(d: &'a Delivery) -> Self {
        Self { channel: &d.channel, ok: d.ok, error: d.error.as_deref() }
    }
}

/// The answer to `POST …/rules/{ruleId}/test`.
#[derive(Debug, Serialize)]
pub struct TestResults<'a> {
    /// One outcome per channel, in the rule's order.
    pub results: Vec<DeliveryView<'a>>,
}

impl<'a> From<&'a [Delivery]> for TestResults<'a> {
    fn from(deliveries: &'a [Delivery]) -> Self {
        Self { results: deliveries.iter().map(DeliveryView::from).collect() }
    }
}

/// One entry of the alert history.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventView<'a> {
    /// Event id.
    pub id: i64,
    /// The rule (which may since have been deleted).
    pub rule_id: i64,
    /// The rule's name at the time.
    pub rule_name: &'a str,
    /// The condition at the time.
    pub condition: &'a str,
    /// `firing`, `repeat` or `resolved`.
    pub kind: &'static str,
    /// The metric's value that caused it.
    pub value: f64,
    /// The window, in minutes.
    pub window_minutes: u32,
    /// When.
    pub at: String,
    /// Each channel's outcome (none when silenced).
    pub deliveries: Vec<DeliveryView<'a>>,
    /// Whether a silence matched: nobody was notified, no action ran.
    pub silenced: bool,
    /// The commands a firing queued, with their outcomes.
    pub actions: Vec<OutcomeView<'a>>,
}

impl<'a> From<&'a AlertEvent> for EventView<'a> {
    fn from(e: &'a AlertEvent) -> Self {
        Self {
            id: e.id.get(),
            rule_id: e.rule_id.get(),
            rule_name: &e.rule_name,
            condition: &e.condition,
            kind: e.kind.as_str(),
            value: e.value,
            window_minutes: e.window_minutes,
            at: timestamp(e.at),
            deliveries: e.deliveries.iter().map(DeliveryView::from).collect(),
            silenced: e.silenced,
            actions: e.actions.iter().map(OutcomeView::from).collect(),
        }
    }
}
