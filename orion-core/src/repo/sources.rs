//! Storage of sources.

use async_trait::async_trait;

use crate::error::RepoResult;
use crate::model::{ApiToken, ProjectId, Source, SourceName};

/// Stores sources. `(project_id, name)` is unique (`Conflict` on `ConflictKey::Name`).
#[async_trait]
pub trait SourceRepository: Send + Sync {
    /// Inserts a source and, when given, the token bound to it, in one
    /// transaction: either both exist afterwards or neither.
    async fn insert(&self, source: &Source, token: Option<&ApiToken>) -> RepoResult<()>;
    /// The project's sources, oldest first.
    async fn list_by_project(&self, project: ProjectId) -> RepoResult<Vec<Source>>;
    /// The project's source of that name.
    async fn find_by_name(&self, project: ProjectId, name: &SourceName) -> RepoResult<Option<Source>>;
}
