//! Repository traits, one per aggregate, and [`Repos`], the bundle a storage
//! backend hands to [`crate::Orion`].
//!
//! Every implementor must guarantee:
//! - uniqueness rules are enforced atomically by the backend and reported as
//!   [`RepositoryError::Conflict`](crate::error::RepositoryError::Conflict);
//! - multi-row writes (a source with its token, a project's deletion with
//!   its sources, tokens and logs) are all-or-nothing;
//! - lookups scoped by an owner or project never return another's rows.

use std::sync::Arc;

pub mod alerts;
pub mod auth;
pub mod commands;
pub mod ids;
pub mod incidents;
pub mod logs;
pub mod projects;
pub mod searches;
pub mod servers;
pub mod settings;
pub mod sources;
pub mod tokens;
pub mod users;

pub use alerts::{AlertEventRepository, AlertRuleRepository, SilenceRepository};
pub use auth::{ChallengeRepository, LoginAttemptRepository};
pub use commands::CommandRepository;
pub use ids::IdRepository;
pub use incidents::IncidentRepository;
pub use logs::{AppendOutcome, LogPages, LogRepository};
pub use projects::ProjectRepository;
pub use searches::SavedSearchRepository;
pub use servers::{HeartbeatRepository, ServerRepository};
pub use settings::SettingsRepository;
pub use sources::SourceRepository;
pub use tokens::TokenRepository;
pub use users::UserRepository;

/// Every repository a backend provides.
#[derive(Clone)]
pub struct Repos {
    /// Id sequences.
    pub ids: Arc<dyn IdRepository>,
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Pending 2FA login challenges.
    pub challenges: Arc<dyn ChallengeRepository>,
    /// Failed-login records for throttling.
    pub login_attempts: Arc<dyn LoginAttemptRepository>,
    /// Projects.
    pub projects: Arc<dyn ProjectRepository>,
    /// Sources.
    pub sources: Arc<dyn SourceRepository>,
    /// API tokens.
    pub tokens: Arc<dyn TokenRepository>,
    /// Server-wide settings (the generated JWT secret).
    pub settings: Arc<dyn SettingsRepository>,
    /// Log entries.
    pub logs: Arc<dyn LogRepository>,
    /// Servers watched by agents.
    pub servers: Arc<dyn ServerRepository>,
    /// Their heartbeats.
    pub heartbeats: Arc<dyn HeartbeatRepository>,
    /// Commands for agents.
    pub commands: Arc<dyn CommandRepository>,
    /// Incidents reported by agents.
    pub incidents: Arc<dyn IncidentRepository>,
    /// Alert rules and their state.
    pub alert_rules: Arc<dyn AlertRuleRepository>,
    /// Alert history.
    pub alert_events: Arc<dyn AlertEventRepository>,
    /// Alert silences.
    pub silences: Arc<dyn SilenceRepository>,
    /// Saved searches of the logs explorer.
    pub searches: Arc<dyn SavedSearchRepository>,
}

impl std::fmt::Debug for Repos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Repos { .. }")
    }
}
