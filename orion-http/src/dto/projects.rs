//! Project wire types.

use orion_core::model::Project;
use serde::{Deserialize, Serialize};

use super::timestamp;

/// A project as listed and as returned by archive/restore.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    /// Project id.
    pub id: i64,
    /// URL name.
    pub name: String,
    /// Display label.
    pub label: String,
    /// Whether it is archived.
    pub archived: bool,
    /// Creation time.
    pub created_at: String,
}

impl From<&Project> for ProjectView {
    fn from(p: &Project) -> Self {
        Self {
            id: p.id.get(),
            name: p.name.as_str().to_owned(),
            label: p.label.as_str().to_owned(),
            archived: p.archived,
            created_at: timestamp(p.created_at),
        }
    }
}

/// `POST /api/projects`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateProject {
    /// URL name.
    pub name: String,
    /// Display label (defaults to the name).
    pub label: Option<String>,
}

/// The answer to a project creation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedProject {
    /// Project id.
    pub id: i64,
    /// URL name.
    pub name: String,
    /// Display label.
    pub label: String,
}

impl From<&Project> for CreatedProject {
    fn from(p: &Project) -> Self {
        Self { id: p.id.get(), name: p.name.as_str().to_owned(), label: p.label.as_str().to_owned() }
    }
}
