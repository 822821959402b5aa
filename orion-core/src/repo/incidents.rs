//! Storage of incidents (agent alerts).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::{Incident, ProjectId};

/// Stores incidents.
#[async_trait]
pub trait IncidentRepository: Send + Sync {
    /// Stores an incident.
    async fn insert(&self, incident: &Incident) -> RepoResult<()>;
    /// The project's incidents with `from <= timestamp < to`, newest first,
    /// at most `limit`.
    async fn list(
        &self,
        project: ProjectId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> RepoResult<Vec<Incident>>;
}
