//! Storage of users.

use async_trait::async_trait;

use crate::error::RepoResult;
use crate::model::{Email, User, UserId};

/// Stores users. Email and pseudo are unique (pseudo case-insensitively);
/// a duplicate insert is `Conflict` on `ConflictKey::Email` or `Pseudo`.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Inserts a new user.
    async fn insert(&self, user: &User) -> RepoResult<()>;
    /// Finds a user by id.
    async fn find_by_id(&self, id: UserId) -> RepoResult<Option<User>>;
    /// Finds a user by normalised email.
    async fn find_by_email(&self, email: &Email) -> RepoResult<Option<User>>;
    /// Replaces the stored user with `user` (same id); `NotFound` if absent.
    async fn update(&self, user: &User) -> RepoResult<()>;
}
