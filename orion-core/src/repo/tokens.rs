//! Storage of API tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::{ApiToken, ProjectId, TokenId};

/// Stores API tokens; `hash` is unique.
#[async_trait]
pub trait TokenRepository: Send + Sync {
    /// Inserts a token.
    async fn insert(&self, token: &ApiToken) -> RepoResult<()>;
    /// The token whose value hashes to `hash`.
    async fn find_by_hash(&self, hash: &str) -> RepoResult<Option<ApiToken>>;
    /// The project's token with that id.
    async fn find(&self, project: ProjectId, id: TokenId) -> RepoResult<Option<ApiToken>>;
    /// The project's tokens, oldest first.
    async fn list_by_project(&self, project: ProjectId) -> RepoResult<Vec<ApiToken>>;
    /// Replaces the value (hash and display prefix) of the project's token;
    /// the old value stops matching at once. `NotFound` if absent.
    async fn replace_value(
        &self,
        project: ProjectId,
        id: TokenId,
        hash: &str,
        display_prefix: &str,
    ) -> RepoResult<()>;
    /// Deletes the project's token; `NotFound` if absent.
    async fn delete(&self, project: ProjectId, id: TokenId) -> RepoResult<()>;
    /// Records a use.
    async fn touch(&self, id: TokenId, at: DateTime<Utc>) -> RepoResult<()>;
}
