//! [`CommandRepository`] in memory.

use std::cmp::Reverse;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::{Command, CommandId, CommandStatus, ProjectId, ServerId};
use orion_core::repo::CommandRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::{Db, oldest_first};

pub(super) struct Commands(pub(super) Db);

impl Commands {
    /// The server's commands passing `keep`, oldest first.
    fn of_server(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        keep: impl Fn(&Command) -> bool,
    ) -> Vec<Command> {
        let store = self.0.lock();
        let rows = store
            .commands
            .values()
            .filter(|(_, c)| c.project_id == project && &c.server_id == server_id && keep(c))
            .cloned();
        oldest_first(rows, |c| c.created_at)
    }
}

#[async_trait]
impl CommandRepository for Commands {
    async fn insert(&self, command: &Command) -> RepoResult<()> {
        let mut store = self.0.lock();
        // Like a foreign key on the server (and so on the project).
        if !store.servers.contains_key(&(command.project_id, command.server_id.clone())) {
            return Err(RepositoryError::NotFound);
        }
        if store.commands.contains_key(&command.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        let seq = store.next_seq();
        store.commands.insert(command.id, (seq, command.clone()));
        Ok(())
    }

    async fn find(&self, project: ProjectId, id: CommandId) -> RepoResult<Option<Command>> {
        let store = self.0.lock();
        let found = store.commands.get(&id).filter(|(_, c)| c.project_id == project);
        Ok(found.map(|(_, c)| c.clone()))
    }

    async fn pending(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Vec<Command>> {
        Ok(self.of_server(project, server_id, |c| c.status == CommandStatus::Pending))
    }

    async fn list(&self, project: ProjectId, server_id: &ServerId, limit: u32) -> RepoResult<Vec<Command>> {
        let store = self.0.lock();
        let mut rows: Vec<(u64, Command)> = store
            .commands
            .values()
            .filter(|(_, c)| c.project_id == project && &c.server_id == server_id)
            .cloned()
            .collect();
        drop(store);
        rows.sort_by_key(|(seq, c)| Reverse((c.created_at, *seq)));
        Ok(rows.into_iter().take(limit as usize).map(|(_, c)| c).collect())
    }

    async fn acknowledge(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        id: CommandId,
        status: CommandStatus,
        output: Option<&str>,
        at: DateTime<Utc>,
    ) -> RepoResult<Command> {
        let mut store = self.0.lock();
        let (_, command) = store
            .commands
            .get_mut(&id)
            .filter(|(_, c)| c.project_id == project && &c.server_id == server_id)
            .ok_or(RepositoryError::NotFound)?;
        // The conditional update: only a pending command takes an outcome.
        if command.status != CommandStatus::Pending {
            return Err(RepositoryError::Conflict(ConflictKey::Acknowledged));
        }
        command.status = status;
        command.output = output.map(str::to_owned);
        command.acked_at = Some(at);
        let command = command.clone();
        // The alert action that queued it, if one did, shows the outcome.
        if let Some((_, _, _, outcome)) = store.alert_event_actions.get_mut(&id) {
            outcome.status = status;
            outcome.output = output.map(str::to_owned);
        }
        Ok(command)
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        let mut store = self.0.lock();
        // Only acknowledged commands expire; oldest acknowledgement first.
        let mut expired: Vec<(DateTime<Utc>, u64, CommandId)> = store
            .commands
            .iter()
            .filter(|(_, (_, c))| c.status != CommandStatus::Pending)
            .filter_map(|(id, (seq, c))| c.acked_at.filter(|at| *at < cutoff).map(|at| (at, *seq, *id)))
            .collect();
        expired.sort_unstable_by_key(|(at, seq, _)| (*at, *seq));
        expired.truncate(batch as usize);
        for (_, _, id) in &expired {
            store.commands.remove(id);
        }
        Ok(expired.len() as u64)
    }
}
