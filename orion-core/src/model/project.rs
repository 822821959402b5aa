//! Projects: the unit of ownership for sources, tokens and (later) logs.

use chrono::{DateTime, Utc};

use super::ids::{ProjectId, UserId};
use super::names::{Label, ProjectName};

/// A project, owned by one user. Its name is unique per owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Stable id.
    pub id: ProjectId,
    /// The owner; only they see it.
    pub owner_id: UserId,
    /// URL name, unique per owner.
    pub name: ProjectName,
    /// Display label.
    pub label: Label,
    /// Archived projects are hidden from the default list but keep their data.
    pub archived: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Which projects a listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    /// Only active projects (the default).
    #[default]
    Active,
    /// Only archived projects.
    Archived,
    /// Both.
    All,
}

impl ArchivedFilter {
    /// Parses the `archived` query value: `false`, `true` or `all`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "false" => Some(Self::Active),
            "true" => Some(Self::Archived),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    /// Whether a project with this archived flag is included.
    pub fn includes(self, archived: bool) -> bool {
        match self {
            Self::Active => !archived,
            Self::Archived => archived,
            Self::All => true,
        }
    }
}
