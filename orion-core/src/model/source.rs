//! Log sources: named streams inside a project (an app, a script, a host).

use chrono::{DateTime, Utc};

use super::ids::{ProjectId, SourceId};
use super::names::{Label, SourceName};

/// A named source of logs within a project; the name is unique per project.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Stable id.
    pub id: SourceId,
    /// The project it belongs to.
    pub project_id: ProjectId,
    /// Unique within the project.
    pub name: SourceName,
    /// Free text.
    pub description: Label,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}
