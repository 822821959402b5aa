//! [`SourceRepository`] in memory.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::{ApiToken, ProjectId, Source, SourceName};
use orion_core::repo::SourceRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::{Db, oldest_first};

pub(super) struct Sources(pub(super) Db);

#[async_trait]
impl SourceRepository for Sources {
    async fn insert(&self, source: &Source, token: Option<&ApiToken>) -> RepoResult<()> {
        let mut store = self.0.lock();
        // Every check runs before any write: that is the whole transaction.
        if !store.projects.contains_key(&source.project_id) {
            return Err(RepositoryError::NotFound);
        }
        if store.sources.contains_key(&source.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        let taken =
            store.sources.values().any(|(_, s)| s.project_id == source.project_id && s.name == source.name);
        if taken {
            return Err(RepositoryError::Conflict(ConflictKey::Name));
        }
        if let Some(token) = token {
            if store.tokens.contains_key(&token.id) {
                return Err(RepositoryError::Conflict(ConflictKey::Id));
            }
            if store.token_hash_taken(&token.hash) {
                return Err(RepositoryError::Conflict(ConflictKey::TokenHash));
            }
        }
        let seq = store.next_seq();
        store.sources.insert(source.id, (seq, source.clone()));
        if let Some(token) = token {
            let seq = store.next_seq();
            store.tokens.insert(token.id, (seq, token.clone()));
        }
        Ok(())
    }

    async fn list_by_project(&self, project: ProjectId) -> RepoResult<Vec<Source>> {
        let store = self.0.lock();
        let rows = store.sources.values().filter(|(_, s)| s.project_id == project).cloned();
        Ok(oldest_first(rows, |s| s.created_at))
    }

    async fn find_by_name(&self, project: ProjectId, name: &SourceName) -> RepoResult<Option<Source>> {
        let store = self.0.lock();
        let found = store.sources.values().find(|(_, s)| s.project_id == project && &s.name == name);
        Ok(found.map(|(_, s)| s.clone()))
    }
}
