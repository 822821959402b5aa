//! Storage of saved searches.

use async_trait::async_trait;

use crate::error::RepoResult;
use crate::model::{ProjectId, SavedSearch, SearchId};

/// Stores saved searches; `(project_id, name)` is unique (a duplicate is
/// `Conflict(ConflictKey::Name)`).
#[async_trait]
pub trait SavedSearchRepository: Send + Sync {
    /// Stores a new search unless its project already has `max` of them
    /// (then `Ok(false)` and nothing stored). The count and the insert are
    /// one atomic step: concurrent inserts never exceed `max`.
    async fn insert(&self, search: &SavedSearch, max: u32) -> RepoResult<bool>;
    /// Replaces the project's search with the same id (all but `id`,
    /// `project_id` and `created_at`); `NotFound` if absent.
    async fn update(&self, search: &SavedSearch) -> RepoResult<()>;
    /// Deletes the project's search; `NotFound` if absent.
    async fn delete(&self, project: ProjectId, id: SearchId) -> RepoResult<()>;
    /// The project's search with that id.
    async fn find(&self, project: ProjectId, id: SearchId) -> RepoResult<Option<SavedSearch>>;
    /// The project's searches, oldest first (by `created_at`, then id).
    async fn list(&self, project: ProjectId) -> RepoResult<Vec<SavedSearch>>;
}
