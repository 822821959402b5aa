//! Storage of alert rules, their evaluation state and the alert history.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::alert::{AlertEvent, AlertRule, RuleState, Silence};
use crate::model::{AlertEventId, Command, ProjectId, RuleId, SilenceId};

/// Stores alert rules and their state.
#[async_trait]
pub trait AlertRuleRepository: Send + Sync {
    /// Stores a new rule (with a default, not-firing state).
    async fn insert(&self, rule: &AlertRule) -> RepoResult<()>;
    /// Replaces the project's rule with the same id and resets its state;
    /// `NotFound` if absent.
    async fn update(&self, rule: &AlertRule) -> RepoResult<()>;
    /// Deletes the project's rule and its state (its history stays);
    /// `NotFound` if absent.
    async fn delete(&self, project: ProjectId, id: RuleId) -> RepoResult<()>;
    /// The project's rule with that id.
    async fn find(&self, project: ProjectId, id: RuleId) -> RepoResult<Option<AlertRule>>;
    /// The project's rules, oldest first.
    async fn list(&self, project: ProjectId) -> RepoResult<Vec<AlertRule>>;
    /// Every enabled rule of every project, with its state (for the engine).
    async fn list_enabled(&self) -> RepoResult<Vec<(AlertRule, RuleState)>>;
    /// Saves the rule's state only if its stored `evaluated_at` still equals
    /// `expected` (compare-and-set), so two servers evaluating the same rule
    /// never both notify. Returns whether it was saved. A deleted rule is
    /// `Ok(false)`.
    async fn save_state(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
    ) -> RepoResult<bool>;
    /// Like [`Self::save_state`] and, only when the state is saved, in the
    /// same transaction: stores `commands` (pending) and records each as
    /// an action of the event `event` (pending, in order), so of racing
    /// evaluations exactly one queues the commands, once. Returns whether
    /// it was saved.
    async fn save_state_and_queue(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
        event: AlertEventId,
        commands: &[Command],
    ) -> RepoResult<bool>;
}

/// Stores the alert history.
#[async_trait]
pub trait AlertEventRepository: Send + Sync {
    /// Appends an event (its `actions` were stored by
    /// [`AlertRuleRepository::save_state_and_queue`] and are ignored here).
    async fn insert(&self, event: &AlertEvent) -> RepoResult<()>;
    /// The project's events, newest first (by `at`, then insertion), at
    /// most `limit`, each with the actions recorded for it (in order, with
    /// their latest outcome).
    async fn list(&self, project: ProjectId, limit: u32) -> RepoResult<Vec<AlertEvent>>;
}

/// Stores alert silences. Only active ones (`until` after the `now` given)
/// are ever listed or found: an expired silence is gone.
#[async_trait]
pub trait SilenceRepository: Send + Sync {
    /// Stores a new silence unless its project already has `max` active at
    /// `now` (then `Ok(false)` and nothing stored). The count and the
    /// insert are one atomic step: concurrent inserts never exceed `max`.
    /// The project's silences expired at `now` may be deleted meanwhile.
    async fn insert(&self, silence: &Silence, max: u32, now: DateTime<Utc>) -> RepoResult<bool>;
    /// Deletes the project's silence; `NotFound` if absent or expired at `now`.
    async fn delete(&self, project: ProjectId, id: SilenceId, now: DateTime<Utc>) -> RepoResult<()>;
    /// The project's silence with that id, if active at `now`.
    async fn find(
        &self,
        project: ProjectId,
        id: SilenceId,
        now: DateTime<Utc>,
    ) -> RepoResult<Option<Silence>>;
    /// The project's silences active at `now`, oldest first (by
    /// `created_at`, then id).
    async fn active(&self, project: ProjectId, now: DateTime<Utc>) -> RepoResult<Vec<Silence>>;
}
