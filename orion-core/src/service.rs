//! Services own the rules: ownership checks, permissions, validation and
//! state changes. Adapters (HTTP, CLI) only translate to and from them.

use std::sync::Arc;

use crate::config::Config;
use crate::port::{Clock, LiveBus, Notifier, PasswordHasher, SessionSigner};
use crate::repo::Repos;

pub mod accounts;
pub mod agents;
pub mod alerts;
pub mod logs;
pub mod principal;
pub mod projects;
pub mod query;
pub mod sources;
pub mod tokens;
pub mod two_factor;

pub use accounts::{AccountService, LoginOutcome, Registration};
pub use agents::{
    AgentRegistration, AgentService, AlertInput, ContextInput, ContextLineInput, ContextMetricsInput,
    HeartbeatInput, ScriptInput, ServerOverview,
};
pub use alerts::{ActionInput, AlertService, Evaluation, RuleInput};
pub use logs::{ExportFormat, LiveScope, LogExport, LogInput, LogService};
pub use principal::{Principal, TokenPrincipal};
pub use projects::ProjectService;
pub use query::QueryInput;
pub use sources::SourceService;
pub use tokens::{IssuedToken, TokenService};
pub use two_factor::{TwoFactorService, TwoFactorSetup};

/// What every service shares: storage, ports and configuration.
#[derive(Debug)]
pub(crate) struct Deps {
    pub repos: Repos,
    pub clock: Arc<dyn Clock>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub signer: Arc<dyn SessionSigner>,
    pub bus: Arc<dyn LiveBus>,
    pub notifier: Arc<dyn Notifier>,
    pub config: Config,
}

impl Deps {
    /// A fresh id from the store's sequence for `I`.
    pub async fn next_id<I: crate::model::Id>(&self) -> Result<I, crate::error::RepositoryError> {
        let raw = self.repos.ids.next(I::KIND).await?;
        I::from_raw(raw).map_err(|e| crate::error::RepositoryError::Unavailable(Box::new(e)))
    }
}
