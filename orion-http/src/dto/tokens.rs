//! API token wire types. Values appear only in creation and rotation
//! answers; listings show the display prefix.

use orion_core::model::{ApiToken, PermissionSet};
use orion_core::service::IssuedToken;
use serde::{Deserialize, Serialize};

use super::timestamp;

fn permission_names(set: &PermissionSet) -> Vec<&'static str> {
    set.iter().map(|p| p.as_str()).collect()
}

/// A token as listed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    /// Token id.
    pub id: i64,
    /// Human name.
    pub name: String,
    /// What made it: `source`, `agent`, `agent_source` or `api`.
    pub kind: &'static str,
    /// The first characters of the value, to tell tokens apart.
    pub prefix: String,
    /// Permission names.
    pub permissions: Vec<&'static str>,
    /// Creation time.
    pub created_at: String,
    /// Last use (updated at most once a minute), or null.
    pub last_used_at: Option<String>,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id.get(),
            name: t.name.clone(),
            kind: t.kind.as_str(),
            prefix: t.display_prefix.clone(),
            permissions: permission_names(&t.permissions),
            created_at: timestamp(t.created_at),
            last_used_at: t.last_used_at.map(timestamp),
        }
    }
}

/// `POST /api/projects/{projectName}/tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateToken {
    /// Human name.
    pub name: String,
    /// Permission names.
    pub permissions: Vec<String>,
}

/// The answer to a token creation: the only time its value is shown.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    /// Token id.
    pub id: i64,
    /// Human name.
    pub name: String,
    /// Permission names.
    pub permissions: Vec<&'static str>,
    /// The `sk_api_` value.
    pub token: String,
}

impl From<IssuedToken> for CreatedToken {
    fn from(i: IssuedToken) -> Self {
        Self {
            id: i.token.id.get(),
            name: i.token.name.clone(),
            permissions: permission_names(&i.token.permissions),
            token: i.value,
        }
    }
}

/// The answer to a rotation: the new value.
#[derive(Debug, Serialize)]
pub struct RotatedToken {
    /// Token id (unchanged).
    pub id: i64,
    /// The new value.
    pub token: String,
}

impl From<IssuedToken> for RotatedToken {
    fn from(i: IssuedToken) -> Self {
        Self { id: i.token.id.get(), token: i.value }
    }
}
