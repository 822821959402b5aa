//! Typed identifiers. Each wraps a random UUID so ids are not guessable and
//! cannot be mixed up across aggregates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies a user.
    UserId
);
id_type!(
    /// Identifies a project.
    ProjectId
);
id_type!(
    /// Identifies a log source.
    SourceId
);
id_type!(
    /// Identifies an API token (never its value).
    TokenId
);
id_type!(
    /// Identifies a command sent to an agent.
    CommandId
);
id_type!(
    /// Identifies an incident (an agent alert such as a script crash).
    IncidentId
);
id_type!(
    /// Identifies an alert rule.
    RuleId
);
id_type!(
    /// Identifies an alert history event.
    AlertEventId
);
