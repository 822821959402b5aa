//! Storage of agent commands.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::{Command, CommandId, CommandStatus, ProjectId, ServerId};

/// Stores commands for agents.
#[async_trait]
pub trait CommandRepository: Send + Sync {
    /// Stores a new (pending) command.
    async fn insert(&self, command: &Command) -> RepoResult<()>;
    /// The project's command with that id.
    async fn find(&self, project: ProjectId, id: CommandId) -> RepoResult<Option<Command>>;
    /// The server's pending commands, oldest first.
    async fn pending(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Vec<Command>>;
    /// The server's commands (any status), newest first, at most `limit`.
    async fn list(&self, project: ProjectId, server_id: &ServerId, limit: u32) -> RepoResult<Vec<Command>>;
    /// Records the outcome of a pending command atomically (a conditional
    /// update on `status = pending`), and in the same transaction on the
    /// alert event action that queued it, if one did. `NotFound` if no such command of that
    /// server exists; `Conflict` if it was already acknowledged.
    async fn acknowledge(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        id: CommandId,
        status: CommandStatus,
        output: Option<&str>,
        at: DateTime<Utc>,
    ) -> RepoResult<Command>;
    /// Deletes at most `batch` acknowledged commands (of any project, any
    /// status but pending) with `acked_at` strictly before `cutoff`; returns
    /// how many went (retention). Pending commands never expire, however
    /// old: an agent has yet to see them.
    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64>;
}
