//! Server-wide settings shared by every instance on one database.

use async_trait::async_trait;

use crate::error::RepoResult;

/// A small key/value store for settings such as the generated JWT secret.
#[async_trait]
pub trait SettingsRepository: Send + Sync {
    /// Returns the stored value of `key`, storing `value` first if the key
    /// is absent. Concurrent callers all get the same, first-stored value.
    async fn get_or_insert(&self, key: &str, value: &str) -> RepoResult<String>;
}
