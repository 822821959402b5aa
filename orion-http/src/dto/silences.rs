//! Wire types of the alert silences (`…/alerts/silences`).

use orion_core::model::alert::Silence;
use orion_core::service::alerts::SilenceInput;
use serde::{Deserialize, Serialize};

use super::timestamp;

/// `{ruleId?, serverId?, until, reason}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SilenceBody {
    /// Only this rule.
    pub rule_id: Option<i64>,
    /// Only rules concerning this server.
    pub server_id: Option<String>,
    /// RFC 3339.
    pub until: Option<String>,
    /// 1–500 characters.
    pub reason: String,
}

impl From<SilenceBody> for SilenceInput {
    fn from(b: SilenceBody) -> Self {
        Self { rule_id: b.rule_id, server_id: b.server_id, until: b.until, reason: b.reason }
    }
}

/// A silence as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceView<'a> {
    /// Its id.
    pub id: i64,
    /// The rule it silences, or null (any).
    pub rule_id: Option<i64>,
    /// The server whose rules it silences, or null (any).
    pub server_id: Option<&'a str>,
    /// It matches strictly before this instant.
    pub until: String,
    /// Why.
    pub reason: &'a str,
    /// When it was created.
    pub created_at: String,
}

impl<'a> From<&'a Silence> for SilenceView<'a> {
    fn from(s: &'a Silence) -> Self {
        Self {
            id: s.id.get(),
            rule_id: s.rule_id.map(|r| r.get()),
            server_id: s.server_id.as_ref().map(|s| s.as_str()),
            until: timestamp(s.until),
            reason: &s.reason,
            created_at: timestamp(s.created_at),
        }
    }
}
