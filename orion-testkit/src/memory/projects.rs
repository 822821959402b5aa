//! [`ProjectRepository`] in memory.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::{ArchivedFilter, Project, ProjectId, ProjectName, UserId};
use orion_core::repo::ProjectRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::{Db, oldest_first};

pub(super) struct Projects(pub(super) Db);

#[async_trait]
impl ProjectRepository for Projects {
    async fn insert(&self, project: &Project) -> RepoResult<()> {
        let mut store = self.0.lock();
        if store.projects.contains_key(&project.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        let taken =
            store.projects.values().any(|(_, p)| p.owner_id == project.owner_id && p.name == project.name);
        if taken {
            return Err(RepositoryError::Conflict(ConflictKey::Name));
        }
        let seq = store.next_seq();
        store.projects.insert(project.id, (seq, project.clone()));
        Ok(())
    }

    async fn find_by_name(&self, owner: UserId, name: &ProjectName) -> RepoResult<Option<Project>> {
        let store = self.0.lock();
        let found = store.projects.values().find(|(_, p)| p.owner_id == owner && &p.name == name);
        Ok(found.map(|(_, p)| p.clone()))
    }

    async fn find_by_id(&self, id: ProjectId) -> RepoResult<Option<Project>> {
        Ok(self.0.lock().projects.get(&id).map(|(_, p)| p.clone()))
    }

    async fn list_by_owner(&self, owner: UserId, filter: ArchivedFilter) -> RepoResult<Vec<Project>> {
        let store = self.0.lock();
        let rows = store
            .projects
            .values()
            .filter(|(_, p)| p.owner_id == owner && filter.includes(p.archived))
            .cloned();
        Ok(oldest_first(rows, |p| p.created_at))
    }

    async fn set_archived(&self, id: ProjectId, archived: bool) -> RepoResult<()> {
        let mut store = self.0.lock();
        let (_, project) = store.projects.get_mut(&id).ok_or(RepositoryError::NotFound)?;
        project.archived = archived;
        Ok(())
    }

    async fn delete(&self, id: ProjectId) -> RepoResult<()> {
        let mut store = self.0.lock();
        if store.projects.remove(&id).is_none() {
            return Err(RepositoryError::NotFound);
        }
        store.sources.retain(|_, (_, s)| s.project_id != id);
        store.tokens.retain(|_, (_, t)| t.project_id != id);
        store.logs.retain(|_, e| e.entry.project_id != id);
        store.ingest_keys.retain(|(project, _), _| *project != id);
        store.servers.retain(|(project, _), _| *project != id);
        store.heartbeats.retain(|_, h| h.project_id != id);
        store.commands.retain(|_, (_, c)| c.project_id != id);
        store.incidents.retain(|_, (_, i)| i.project_id != id);
        store.occurrences.retain(|(_, project, ..)| *project != id);
        store.alert_rules.retain(|_, (_, r, _)| r.project_id != id);
        store.alert_events.retain(|_, e| e.project_id != id);
        store.searches.retain(|_, s| s.project_id != id);
        store.silences.retain(|_, s| s.project_id != id);
        store.alert_event_actions.retain(|_, (_, project, ..)| *project != id);
        Ok(())
    }
}
