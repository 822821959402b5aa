//! Storage of incidents (agent alerts).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::{Incident, ProjectId, ServerId};

/// Stores incidents.
#[async_trait]
pub trait IncidentRepository: Send + Sync {
    /// Stores an incident.
    async fn insert(&self, incident: &Incident) -> RepoResult<()>;
    /// How many of the project's incidents have `from <= timestamp < to`,
    /// only those of `server` when given (alert metrics).
    async fn count(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<u64>;
    /// The project's incidents with `from <= timestamp < to`, newest first,
    /// at most `limit`.
    async fn list(
        &self,
        project: ProjectId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> RepoResult<Vec<Incident>>;
    /// Deletes at most `batch` incidents (of any project) with `timestamp`
    /// strictly before `cutoff`; returns how many went (retention).
    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64>;
}
