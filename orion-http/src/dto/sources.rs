//! Source wire types.

use orion_core::model::Source;
use orion_core::service::IssuedToken;
use serde::{Deserialize, Serialize};

use super::timestamp;

/// A source as listed (never its token).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceView {
    /// Source id.
    pub id: i64,
    /// Name, unique in the project.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Creation time.
    pub created_at: String,
}

impl From<&Source> for SourceView {
    fn from(s: &Source) -> Self {
        Self {
            id: s.id.get(),
            name: s.name.as_str().to_owned(),
            description: s.description.as_str().to_owned(),
            created_at: timestamp(s.created_at),
        }
    }
}

/// `POST /api/projects/{projectName}/sources`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateSource {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// The answer to a source creation: the only time its token is shown.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSource {
    /// Source id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The `sk_` token value bound to this source.
    pub token: String,
}

impl CreatedSource {
    /// From what the service made.
    pub fn new(source: &Source, issued: IssuedToken) -> Self {
        Self { id: source.id.get(), name: source.name.as_str().to_owned(), token: issued.value }
    }
}
