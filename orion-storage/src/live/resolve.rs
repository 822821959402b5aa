//! A [`Pointer`] read back into the [`LiveEvent`] the domain publishes on a
//! single instance: the stored rows, with the project's current name and
//! owner (who may see it).

use std::sync::Arc;

use orion_core::error::RepoResult;
use orion_core::model::{Id, ProjectId};
use orion_core::port::live::LiveEvent;
use orion_core::repo::ProjectRepository;
use sea_orm::DatabaseConnection;

use super::Pointer;
use crate::repo::logs::LogRepo;
use crate::repo::{heartbeats, incidents};

/// What reading pointers back needs.
#[derive(Clone)]
pub(crate) struct Resolver {
    pub(crate) db: DatabaseConnection,
    pub(crate) logs: Arc<LogRepo>,
    pub(crate) projects: Arc<dyn ProjectRepository>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}

impl Resolver {
    /// The event `pointer` stands for; `None` when its rows or its project
    /// are gone since (deleted, or expired by retention).
    pub(super) async fn resolve(&self, pointer: Pointer) -> RepoResult<Option<LiveEvent>> {
        let raw = match pointer {
            Pointer::Logs { project, .. }
            | Pointer::Heartbeat { project, .. }
            | Pointer::Incident { project, .. } => project,
        };
        let Ok(project_id) = ProjectId::from_raw(raw) else { return Ok(None) };
        let Some(project) = self.projects.find_by_id(project_id).await? else { return Ok(None) };
        let (project_id, name, owner_id) = (project.id, project.name, project.owner_id);
        Ok(match pointer {
            Pointer::Logs { first, last, count, .. } => {
                let entries = self.logs.id_range(project_id, first, last, count as usize).await?;
                (!entries.is_empty()).then_some(LiveEvent::Logs {
                    project_id,
                    project: name,
                    owner_id,
                    entries,
                })
            }
            Pointer::Heartbeat { row, .. } => heartbeats::by_row(&self.db, row)
                .await?
                .filter(|h| h.project_id == project_id)
                .map(|heartbeat| LiveEvent::Heartbeat { project_id, project: name, owner_id, heartbeat }),
            Pointer::Incident { id, change, .. } => {
                let change = change.into();
                incidents::by_id(&self.db, id).await?.filter(|i| i.project_id == project_id).map(|incident| {
                    LiveEvent::Incident { project_id, project: name, owner_id, incident, change }
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use orion_core::model::log::{Level, NewLogEntry};
    use orion_core::model::user::TwoFactor;
    use orion_core::model::{Email, Label, PersonName, Project, ProjectName, Pseudo, User, UserId};

    use super::*;
    use crate::Storage;

    /// A stored project in a fresh in-memory database.
    async fn project(storage: &Storage) -> Project {
        let repos = storage.repos();
        let owner = User {
            id: UserId(7),
            first_name: PersonName::parse("firstName", "Ada").unwrap(),
            last_name: PersonName::parse("lastName", "Lovelace").unwrap(),
            pseudo: Pseudo::parse("ada").unwrap(),
            email: Email::parse("ada@example.com").unwrap(),
            password_hash: "x".into(),
            two_factor: TwoFactor::default(),
            created_at: chrono::Utc::now(),
        };
        repos.users.insert(&owner).await.unwrap();
        let project = Project {
            id: ProjectId(11),
            owner_id: owner.id,
            name: ProjectName::parse("web").unwrap(),
            label: Label::parse("label", "Web", 100).unwrap(),
            archived: false,
            created_at: chrono::Utc::now(),
        };
        repos.projects.insert(&project).await.unwrap();
        project
    }

    fn entry(project: ProjectId, i: i64) -> NewLogEntry {
        let at = chrono::DateTime::from_timestamp(1_700_000_000 + i, 0).unwrap();
        NewLogEntry {
            project_id: project,
            timestamp: at,
            received_at: at,
            level: Level::Info,
            message: format!("entry {i}"),
            source: None,
            server_id: None,
            metadata: serde_json::Map::new(),
            tags: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_request_is_read_back_by_its_ids_even_after_a_merge_moved_it() {
        let storage = Storage::open("sqlite::memory:").await.unwrap();
        let project = project(&storage).await;
        let repos = storage.repos();
        let mut requests = Vec::new();
        for i in 0..6 {
            requests.push(
                repos
                    .logs
                    .append(vec![entry(project.id, 2 * i), entry(project.id, 2 * i + 1)])
                    .await
                    .unwrap(),
            );
        }
        assert!(storage.merge_logs().await.unwrap() > 0, "the small blocks were merged into one");
        let resolver =
            Resolver { db: storage.db.clone(), logs: storage.logs.clone(), projects: repos.projects.clone() };
        let third = &requests[2];
        let pointer =
            Pointer::Logs { project: project.id.get(), first: third[0].id, last: third[1].id, count: 2 };
        match resolver.resolve(pointer).await.unwrap() {
            Some(LiveEvent::Logs { entries, project: name, .. }) => {
                assert_eq!(&entries, third, "exactly the request's entries, not its merged neighbours");
                assert_eq!(name, project.name);
            }
            other => panic!("expected the request's entries, got {other:?}"),
        }
        // A project deleted since: nothing to show.
        repos.projects.delete(project.id).await.unwrap();
        assert_eq!(resolver.resolve(pointer).await.unwrap(), None);
    }
}
