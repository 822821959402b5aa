//! [`TokenRepository`] in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::{ApiToken, ProjectId, TokenId};
use orion_core::repo::TokenRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::{Db, oldest_first};

pub(super) struct Tokens(pub(super) Db);

#[async_trait]
impl TokenRepository for Tokens {
    async fn insert(&self, token: &ApiToken) -> RepoResult<()> {
        let mut store = self.0.lock();
        if !store.projects.contains_key(&token.project_id) {
            return Err(RepositoryError::NotFound);
        }
        if store.tokens.contains_key(&token.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        if store.token_hash_taken(&token.hash) {
            return Err(RepositoryError::Conflict(ConflictKey::TokenHash));
        }
        let seq = store.next_seq();
        store.tokens.insert(token.id, (seq, token.clone()));
        Ok(())
    }

    async fn find_by_hash(&self, hash: &str) -> RepoResult<Option<ApiToken>> {
        let store = self.0.lock();
        Ok(store.tokens.values().find(|(_, t)| t.hash == hash).map(|(_, t)| t.clone()))
    }

    async fn find(&self, project: ProjectId, id: TokenId) -> RepoResult<Option<ApiToken>> {
        let store = self.0.lock();
        let found = store.tokens.get(&id).filter(|(_, t)| t.project_id == project);
        Ok(found.map(|(_, t)| t.clone()))
    }

    async fn list_by_project(&self, project: ProjectId) -> RepoResult<Vec<ApiToken>> {
        let store = self.0.lock();
        let rows = store.tokens.values().filter(|(_, t)| t.project_id == project).cloned();
        Ok(oldest_first(rows, |t| t.created_at))
    }

    async fn replace_value(
        &self,
        project: ProjectId,
        id: TokenId,
        hash: &str,
        display_prefix: &str,
    ) -> RepoResult<()> {
        let mut store = self.0.lock();
        let owned = store.tokens.get(&id).is_some_and(|(_, t)| t.project_id == project);
        if !owned {
            return Err(RepositoryError::NotFound);
        }
        let collides = store.tokens.values().any(|(_, t)| t.id != id && t.hash == hash);
        if collides {
            return Err(RepositoryError::Conflict(ConflictKey::TokenHash));
        }
        let (_, token) = store.tokens.get_mut(&id).ok_or(RepositoryError::NotFound)?;
        token.hash = hash.to_owned();
        token.display_prefix = display_prefix.to_owned();
        Ok(())
    }

    async fn delete(&self, project: ProjectId, id: TokenId) -> RepoResult<()> {
        let mut store = self.0.lock();
        let owned = store.tokens.get(&id).is_some_and(|(_, t)| t.project_id == project);
        if !owned {
            return Err(RepositoryError::NotFound);
        }
        store.tokens.remove(&id);
        Ok(())
    }

    async fn touch(&self, id: TokenId, at: DateTime<Utc>) -> RepoResult<()> {
        // A token revoked between authentication and this write is simply
        // gone: nothing to record, and not the caller's error.
        if let Some((_, token)) = self.0.lock().tokens.get_mut(&id) {
            token.last_used_at = Some(at);
        }
        Ok(())
    }
}
