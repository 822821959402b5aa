//! [`SilenceRepository`] in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::alert::Silence;
use orion_core::model::{ProjectId, SilenceId};
use orion_core::repo::SilenceRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::Db;

pub(super) struct Silences(pub(super) Db);

#[async_trait]
impl SilenceRepository for Silences {
    async fn insert(&self, silence: &Silence, max: u32, now: DateTime<Utc>) -> RepoResult<bool> {
        let mut store = self.0.lock();
        // Like a foreign key on the project.
        if !store.projects.contains_key(&silence.project_id) {
            return Err(RepositoryError::NotFound);
        }
        if store.silences.contains_key(&silence.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        store.silences.retain(|_, s| s.project_id != silence.project_id || s.active(now));
        let count = store.silences.values().filter(|s| s.project_id == silence.project_id).count();
        if count >= max as usize {
            return Ok(false);
        }
        store.silences.insert(silence.id, silence.clone());
        Ok(true)
    }

    async fn delete(&self, project: ProjectId, id: SilenceId, now: DateTime<Utc>) -> RepoResult<()> {
        let mut store = self.0.lock();
        match store.silences.get(&id) {
            Some(s) if s.project_id == project && s.active(now) => {
                store.silences.remove(&id);
                Ok(())
            }
            _ => Err(RepositoryError::NotFound),
        }
    }

    async fn find(
        &self,
        project: ProjectId,
        id: SilenceId,
        now: DateTime<Utc>,
    ) -> RepoResult<Option<Silence>> {
        let store = self.0.lock();
        Ok(store.silences.get(&id).filter(|s| s.project_id == project && s.active(now)).cloned())
    }

    async fn active(&self, project: ProjectId, now: DateTime<Utc>) -> RepoResult<Vec<Silence>> {
        let store = self.0.lock();
        let mut rows: Vec<Silence> =
            store.silences.values().filter(|s| s.project_id == project && s.active(now)).cloned().collect();
        rows.sort_by_key(|s| (s.created_at, s.id));
        Ok(rows)
    }
}
