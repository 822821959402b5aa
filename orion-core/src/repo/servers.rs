//! Storage of servers and their heartbeats.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::{Heartbeat, HeartbeatAverages, HeartbeatBucket, ProjectId, Server, ServerId, Window};

/// Stores servers; `(project_id, server_id)` is unique.
#[async_trait]
pub trait ServerRepository: Send + Sync {
    /// Inserts the server, or updates `display_name`, `hostname`,
    /// `platform` and `arch` of the existing one (keeping `created_at` and
    /// `last_seen_at` and `id`: `server.id` is used only for a new row).
    /// Returns the stored server.
    async fn upsert(&self, server: &Server) -> RepoResult<Server>;
    /// The project's server with that id.
    async fn find(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Option<Server>>;
    /// The project's servers, ordered by `server_id`.
    async fn list(&self, project: ProjectId) -> RepoResult<Vec<Server>>;
}

/// Stores heartbeats.
#[async_trait]
pub trait HeartbeatRepository: Send + Sync {
    /// Stores a heartbeat and sets the server's `last_seen_at` to its
    /// `received_at`, in one transaction. `NotFound` if the server does not
    /// exist in the project.
    async fn insert(&self, heartbeat: &Heartbeat) -> RepoResult<()>;
    /// The server's most recent heartbeat (by `timestamp`, then insertion).
    async fn latest(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Option<Heartbeat>>;
    /// Averages of the project's heartbeats with `from <= timestamp < to`
    /// (only `server`'s when given), computed by the store; `None` when
    /// there are none (alert metrics).
    async fn averages(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<Option<HeartbeatAverages>>;
    /// Per-server averages of the project's heartbeats with `from <=
    /// timestamp < to`, computed by the store, in steps of `step` (positive)
    /// aligned on the Unix epoch: a heartbeat at `t` falls in the step
    /// starting at `floor(t / step) * step`. Steps without heartbeats are
    /// left out. A server's steps come oldest first (servers in any order).
    async fn buckets(
        &self,
        project: ProjectId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step: chrono::Duration,
    ) -> RepoResult<Vec<HeartbeatBucket>>;
    /// The server's heartbeats with their `timestamp` in `window`, newest
    /// first, at most its limit.
    async fn list(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        window: Window,
    ) -> RepoResult<Vec<Heartbeat>>;
    /// Deletes at most `batch` heartbeats (of any project) with `timestamp`
    /// strictly before `cutoff`; returns how many went (retention). Small
    /// batches keep the write lock short.
    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64>;
}
