//! [`SavedSearchRepository`] in memory.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::{ProjectId, SavedSearch, SearchId};
use orion_core::repo::SavedSearchRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::Db;

pub(super) struct Searches(pub(super) Db);

#[async_trait]
impl SavedSearchRepository for Searches {
    async fn insert(&self, search: &SavedSearch, max: u32) -> RepoResult<bool> {
        let mut store = self.0.lock();
        let mine = store.searches.values().filter(|s| s.project_id == search.project_id);
        let mut count = 0;
        for s in mine {
            if s.name == search.name {
                return Err(RepositoryError::Conflict(ConflictKey::Name));
            }
            count += 1;
        }
        if count >= max as usize {
            return Ok(false);
        }
        store.searches.insert(search.id, search.clone());
        Ok(true)
    }

    async fn update(&self, search: &SavedSearch) -> RepoResult<()> {
        let mut store = self.0.lock();
        let taken = store
            .searches
            .values()
            .any(|s| s.project_id == search.project_id && s.id != search.id && s.name == search.name);
        match store.searches.get_mut(&search.id).filter(|s| s.project_id == search.project_id) {
            None => Err(RepositoryError::NotFound),
            Some(_) if taken => Err(RepositoryError::Conflict(ConflictKey::Name)),
            Some(stored) => {
                *stored = SavedSearch {
                    id: stored.id,
                    project_id: stored.project_id,
                    created_at: stored.created_at,
                    ..search.clone()
                };
                Ok(())
            }
        }
    }

    async fn delete(&self, project: ProjectId, id: SearchId) -> RepoResult<()> {
        let mut store = self.0.lock();
        if store.searches.get(&id).is_none_or(|s| s.project_id != project) {
            return Err(RepositoryError::NotFound);
        }
        store.searches.remove(&id);
        Ok(())
    }

    async fn find(&self, project: ProjectId, id: SearchId) -> RepoResult<Option<SavedSearch>> {
        Ok(self.0.lock().searches.get(&id).filter(|s| s.project_id == project).cloned())
    }

    async fn list(&self, project: ProjectId) -> RepoResult<Vec<SavedSearch>> {
        let mut out: Vec<SavedSearch> =
            self.0.lock().searches.values().filter(|s| s.project_id == project).cloned().collect();
        out.sort_by_key(|s| (s.created_at, s.id));
        Ok(out)
    }
}
