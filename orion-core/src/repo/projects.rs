//! Storage of projects.

use async_trait::async_trait;

use crate::error::RepoResult;
use crate::model::{ArchivedFilter, Project, ProjectId, ProjectName, UserId};

/// Stores projects. `(owner_id, name)` is unique (`Conflict` on `ConflictKey::Name`).
#[async_trait]
pub trait ProjectRepository: Send + Sync {
    /// Inserts a new project.
    async fn insert(&self, project: &Project) -> RepoResult<()>;
    /// The owner's project of that name.
    async fn find_by_name(&self, owner: UserId, name: &ProjectName) -> RepoResult<Option<Project>>;
    /// A project by id, whoever owns it (for API tokens).
    async fn find_by_id(&self, id: ProjectId) -> RepoResult<Option<Project>>;
    /// The owner's projects matching `filter`, oldest first.
    async fn list_by_owner(&self, owner: UserId, filter: ArchivedFilter) -> RepoResult<Vec<Project>>;
    /// Sets the archived flag; `NotFound` if absent.
    async fn set_archived(&self, id: ProjectId, archived: bool) -> RepoResult<()>;
    /// Deletes the project and everything it owns (sources, tokens, logs,
    /// servers, heartbeats, commands, incidents, alert rules, their state
    /// and alert history), atomically.
    async fn delete(&self, id: ProjectId) -> RepoResult<()>;
}
