//! Storage of incidents (agent alerts, grouped) and of each report's
//! occurrence (what `crash_count` counts).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::{Incident, IncidentId, IncidentStatus, ProjectId, ServerId, Window};

/// Stores incidents.
///
/// Implementors must guarantee that a project never has two open
/// incidents with the same [`Incident::group_key`], even when reports of
/// one key race on several instances (a unique key on the open ones).
#[async_trait]
pub trait IncidentRepository: Send + Sync {
    /// Records one report, atomically: if the project has an open incident
    /// with `report`'s group key, adds the report to it (`count + 1`,
    /// `last_at`, `message` and `context` from the report, `running_since`
    /// cleared); otherwise stores `report` as a new open incident (its id
    /// is used only then). Either way the report's occurrence (at
    /// `report.last_at`) is stored for [`Self::count`]. Returns the stored
    /// incident and whether it was opened by this report. `NotFound` if
    /// the project does not exist.
    async fn record(&self, report: &Incident) -> RepoResult<(Incident, bool)>;
    /// The project's incident with that id.
    async fn find(&self, project: ProjectId, id: IncidentId) -> RepoResult<Option<Incident>>;
    /// The project's open incidents reported by `server`.
    async fn open_of_server(&self, project: ProjectId, server: &ServerId) -> RepoResult<Vec<Incident>>;
    /// Sets `running_since` of the project's incident `id` if it is still
    /// open (an incident resolved meanwhile is left alone).
    async fn set_running_since(
        &self,
        project: ProjectId,
        id: IncidentId,
        since: Option<DateTime<Utc>>,
    ) -> RepoResult<()>;
    /// Resolves the project's incident `id` at `at` if it is open (a
    /// conditional update, so of two racing resolutions one wins) and
    /// returns it with whether this call resolved it; an incident already
    /// resolved comes back unchanged. `NotFound` if there is none.
    async fn resolve(
        &self,
        project: ProjectId,
        id: IncidentId,
        at: DateTime<Utc>,
    ) -> RepoResult<(Incident, bool)>;
    /// How many reports (occurrences, not incidents) of the project have
    /// `from <= at < to`, only those of `server` when given (alert metrics).
    async fn count(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<u64>;
    /// The project's incidents with their `last_at` in `window` (only those
    /// in `status` when given), by `last_at` newest first, at most its limit.
    async fn list(
        &self,
        project: ProjectId,
        status: Option<IncidentStatus>,
        window: Window,
    ) -> RepoResult<Vec<Incident>>;
    /// Deletes at most `batch` incidents (of any project) with `last_at`
    /// strictly before `cutoff`, with their occurrences; returns how many
    /// incidents went (retention).
    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64>;
}
