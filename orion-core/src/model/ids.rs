//! Typed identifiers: positive integers (JSON numbers), as the reference's
//! examples show (`{"id": 1, ...}`). Each aggregate has its own type so ids
//! cannot be mixed up, and the store allocates them
//! ([`IdRepository`](crate::repo::IdRepository)) so several instances on
//! one database never hand out the same id twice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a text is not an id: ids are positive integers, written in decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidId;

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id is a positive integer")
    }
}

impl std::error::Error for InvalidId {}

/// Which sequence an id is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// [`UserId`].
    User,
    /// [`ProjectId`].
    Project,
    /// [`SourceId`].
    Source,
    /// [`TokenId`].
    Token,
    /// [`CommandId`].
    Command,
    /// [`IncidentId`].
    Incident,
    /// [`RuleId`].
    Rule,
    /// [`AlertEventId`].
    AlertEvent,
    /// [`ServerRowId`].
    Server,
    /// [`SearchId`].
    Search,
    /// [`SilenceId`].
    Silence,
}

impl IdKind {
    /// Every kind (one sequence each).
    pub const ALL: [IdKind; 11] = [
        Self::User,
        Self::Project,
        Self::Source,
        Self::Token,
        Self::Command,
        Self::Incident,
        Self::Rule,
        Self::AlertEvent,
        Self::Server,
        Self::Search,
        Self::Silence,
    ];

    /// The sequence's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "users",
            Self::Project => "projects",
            Self::Source => "sources",
            Self::Token => "api_tokens",
            Self::Command => "commands",
            Self::Incident => "incidents",
            Self::Rule => "alert_rules",
            Self::AlertEvent => "alert_events",
            Self::Server => "servers",
            Self::Search => "saved_searches",
            Self::Silence => "alert_silences",
        }
    }
}

/// Largest id handed out: JavaScript clients read ids as doubles, which are
/// exact only below 2^53.
pub const MAX_ID: i64 = (1 << 53) - 1;

/// What every id type shares, so one generic allocation helper serves all.
pub trait Id: Copy {
    /// The sequence the id is drawn from.
    const KIND: IdKind;
    /// Wraps a raw value (positive, below 2^53).
    fn from_raw(raw: i64) -> Result<Self, InvalidId>;
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The id as a number (its stored and wire form).
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl Id for $name {
            const KIND: IdKind = $kind;

            /// An id read back from storage or the wire: positive and below
            /// 2^53.
            fn from_raw(raw: i64) -> Result<Self, InvalidId> {
                if (1..=MAX_ID).contains(&raw) { Ok(Self(raw)) } else { Err(InvalidId) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            /// Plain decimal digits only (no sign, no spaces): anything else
            /// in a path is an unknown resource.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(InvalidId);
                }
                s.parse::<i64>().map_err(|_| InvalidId).and_then(Self::from_raw)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = i64::deserialize(d)?;
                Self::from_raw(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// Identifies a user.
    UserId, IdKind::User
);
id_type!(
    /// Identifies a project.
    ProjectId, IdKind::Project
);
id_type!(
    /// Identifies a log source.
    SourceId, IdKind::Source
);
id_type!(
    /// Identifies an API token (never its value).
    TokenId, IdKind::Token
);
id_type!(
    /// Identifies a command sent to an agent.
    CommandId, IdKind::Command
);
id_type!(
    /// Identifies an incident (an agent alert such as a script crash).
    IncidentId, IdKind::Incident
);
id_type!(
    /// Identifies an alert rule.
    RuleId, IdKind::Rule
);
id_type!(
    /// Identifies an alert history event.
    AlertEventId, IdKind::AlertEvent
);
id_type!(
    /// The integer id of a server's row (the agent-chosen
    /// [`ServerId`](super::server::ServerId) stays its natural key).
    ServerRowId, IdKind::Server
);
id_type!(
    /// Identifies a saved search.
    SearchId, IdKind::Search
);
id_type!(
    /// Identifies an alert silence.
    SilenceId, IdKind::Silence
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_from_plain_positive_decimals_only() {
        assert_eq!("42".parse::<ProjectId>(), Ok(ProjectId(42)));
        for bad in ["", "0", "-1", "+1", " 1", "1.0", "abc", "9007199254740992", "99999999999999999999"] {
            assert_eq!(bad.parse::<ProjectId>(), Err(InvalidId), "{bad:?}");
        }
        assert_eq!("9007199254740991".parse::<RuleId>(), Ok(RuleId(MAX_ID)));
    }

    #[test]
    fn ids_are_json_numbers() {
        assert_eq!(serde_json::to_string(&TokenId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<TokenId>("7").unwrap(), TokenId(7));
        assert!(serde_json::from_str::<TokenId>("\"7\"").is_err());
        assert!(serde_json::from_str::<TokenId>("0").is_err());
    }
}
