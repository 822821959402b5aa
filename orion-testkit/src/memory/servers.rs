//! [`ServerRepository`] in memory.

use async_trait::async_trait;
use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::{ProjectId, Server, ServerId};
use orion_core::repo::ServerRepository;

use super::Db;

pub(super) struct Servers(pub(super) Db);

#[async_trait]
impl ServerRepository for Servers {
    async fn upsert(&self, server: &Server) -> RepoResult<Server> {
        let mut store = self.0.lock();
        // Like a foreign key on the project.
        if !store.projects.contains_key(&server.project_id) {
            return Err(RepositoryError::NotFound);
        }
        let key = (server.project_id, server.server_id.clone());
        let stored = match store.servers.get_mut(&key) {
            Some(existing) => {
                // Re-registration describes the machine anew but never
                // rewrites its history: `created_at`/`last_seen_at` stay.
                existing.display_name.clone_from(&server.display_name);
                existing.hostname.clone_from(&server.hostname);
                existing.platform.clone_from(&server.platform);
                existing.arch.clone_from(&server.arch);
                existing.clone()
            }
            None => {
                store.servers.insert(key, server.clone());
                server.clone()
            }
        };
        Ok(stored)
    }

    async fn find(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Option<Server>> {
        Ok(self.0.lock().servers.get(&(project, server_id.clone())).cloned())
    }

    async fn list(&self, project: ProjectId) -> RepoResult<Vec<Server>> {
        let store = self.0.lock();
        // The map is keyed by `(project, server_id)`, so a project's rows
        // come out already ordered by `server_id`.
        Ok(store.servers.values().filter(|s| s.project_id == project).cloned().collect())
    }
}
