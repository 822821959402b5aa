//! API tokens: opaque bearer values bound to one project, carrying
//! permissions. Only the SHA-256 of a value is ever stored.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use super::ids::{ProjectId, SourceId, TokenId};
use super::server::ServerId;
use crate::error::FieldError;

/// One thing an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Send logs.
    LogsWrite,
    /// Read and search logs.
    LogsRead,
    /// Send heartbeats.
    HeartbeatWrite,
    /// Register agents and their sources.
    AgentRegister,
    /// Poll commands.
    CommandsRead,
    /// Acknowledge commands.
    CommandsWrite,
}

impl Permission {
    /// Every permission, in wire order.
    pub const ALL: [Permission; 6] = [
        Self::LogsWrite,
        Self::LogsRead,
        Self::HeartbeatWrite,
        Self::AgentRegister,
        Self::CommandsRead,
        Self::CommandsWrite,
    ];

    /// The wire name (`logs:write`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LogsWrite => "logs:write",
            Self::LogsRead => "logs:read",
            Self::HeartbeatWrite => "heartbeat:write",
            Self::AgentRegister => "agent:register",
            Self::CommandsRead => "commands:read",
            Self::CommandsWrite => "commands:write",
        }
    }

    /// Parses a wire name; `None` for an unknown one.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A non-empty set of permissions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    /// Builds a set from known permissions.
    pub fn of(perms: impl IntoIterator<Item = Permission>) -> Self {
        Self(perms.into_iter().collect())
    }

    /// Parses wire names; unknown names and an empty list are errors.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::new("permissions", "must list at least one permission"));
        }
        let mut set = BTreeSet::new();
        for name in raw {
            let name = name.as_ref();
            let perm = Permission::parse(name).ok_or_else(|| {
                let known: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                FieldError::new(
                    "permissions",
                    format!("unknown permission `{name}`; known: {}", known.join(", ")),
                )
            })?;
            set.insert(perm);
        }
        Ok(Self(set))
    }

    /// Whether the set holds `perm`.
    pub fn contains(&self, perm: Permission) -> bool {
        self.0.contains(&perm)
    }

    /// Iterates in wire order.
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    /// Space-separated wire names, as stored.
    pub fn to_storage(&self) -> String {
        self.iter().map(Permission::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Reads the stored form back, skipping names this version doesn't know.
    pub fn from_storage(raw: &str) -> Self {
        Self(raw.split_whitespace().filter_map(Permission::parse).collect())
    }
}

/// What a token was made for; decides its value prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Made with a source (`sk_`), bound to that source.
    Source,
    /// Made by agent registration (`sk_agent_`), bound to a server.
    Agent,
    /// Made by an agent for one of its sources (`sk_source_`).
    AgentSource,
    /// Made by a user for scripts and integrations (`sk_api_`).
    Api,
}

impl TokenKind {
    /// The value prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Source => "sk_",
            Self::Agent => "sk_agent_",
            Self::AgentSource => "sk_source_",
            Self::Api => "sk_api_",
        }
    }

    /// Stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Agent => "agent",
            Self::AgentSource => "agent_source",
            Self::Api => "api",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Source, Self::Agent, Self::AgentSource, Self::Api].into_iter().find(|k| k.as_str() == raw)
    }

    /// The permissions a token of this kind gets when it is made implicitly.
    pub fn default_permissions(self) -> PermissionSet {
        use Permission::*;
        match self {
            Self::Source | Self::AgentSource => PermissionSet::of([LogsWrite]),
            Self::Agent => {
                PermissionSet::of([LogsWrite, HeartbeatWrite, CommandsRead, CommandsWrite, AgentRegister])
            }
            Self::Api => PermissionSet::default(),
        }
    }
}

/// A stored API token. `hash` is SHA-256 (hex) of the value; `display_prefix`
/// is the first characters of the value, safe to show so users can tell
/// tokens apart.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    /// Stable id.
    pub id: TokenId,
    /// The only project it can act on.
    pub project_id: ProjectId,
    /// Human name.
    pub name: String,
    /// What made it.
    pub kind: TokenKind,
    /// SHA-256 (hex) of the value; unique.
    pub hash: String,
    /// First characters of the value, for display.
    pub display_prefix: String,
    /// What it may do.
    pub permissions: PermissionSet,
    /// The source it writes to, when bound.
    pub source_id: Option<SourceId>,
    /// The agent server it speaks for, when bound.
    pub server_id: Option<ServerId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last successful authentication (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_through_storage() {
        let set = PermissionSet::parse(&["logs:read", "logs:write"]).unwrap();
        assert_eq!(set.to_storage(), "logs:write logs:read");
        assert_eq!(PermissionSet::from_storage(&set.to_storage()), set);
    }

    #[test]
    fn unknown_or_missing_permissions_are_refused() {
        let err = PermissionSet::parse(&["logs:delete"]).unwrap_err();
        assert!(err.message.contains("logs:delete"));
        assert!(PermissionSet::parse::<&str>(&[]).is_err());
    }
}
