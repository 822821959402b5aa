//! # orion-core
//!
//! Orion's domain: what a monitoring server *is*, with no database, HTTP or
//! socket code. Storage backends implement the traits in [`repo`]; adapters
//! (the warp server, the CLI) call the services handed out by [`Orion`].
//!
//! # Layout
//!
//! - [`model`]: entities and validated value types, one file per aggregate
//!   (`user`, `project`, `source`, `token`, `log`, `server`, `alert`) plus `names`
//!   and `ids`.
//! - [`repo`]: one repository trait per aggregate and [`Repos`], the bundle a
//!   backend hands over. Traits speak domain types only.
//! - [`service`]: the services ([`AccountService`](service::AccountService),
//!   [`TwoFactorService`](service::TwoFactorService),
//!   [`ProjectService`](service::ProjectService),
//!   [`SourceService`](service::SourceService),
//!   [`TokenService`](service::TokenService),
//!   [`LogService`](service::LogService),
//!   [`AgentService`](service::AgentService),
//!   [`AlertService`](service::AlertService)); they own every rule. Their
//!   `*Input` types are requests as received; [`service::query`] holds a
//!   request's query parameters ([`QueryInput`](service::QueryInput)) and
//!   every rule on them, read by the services' `*_request` methods.
//! - [`port`]: what the domain needs from outside (clock, password hashing,
//!   session signing, TOTP, secrets, the live-event bus), with I/O-free
//!   defaults.
//! - [`error`]: [`RepositoryError`](error::RepositoryError) and
//!   [`ServiceError`](error::ServiceError).
//! - [`config`]: lifetimes and limits the services enforce.
//! - [`maintenance`]: the background jobs (retention, alert evaluation)
//!   that [`Orion::spawn_maintenance`] starts.
//!
//! # Embedding
//!
//! ```
//! use orion_core::{Orion, service::{LoginOutcome, Registration}};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let orion = Orion::builder(orion_testkit::InMemoryRepos::new())
//!     .jwt_secret(b"change me")
//!     .bcrypt_cost(4)
//!     .build();
//! orion.accounts().register(Registration {
//!     first_name: "Ada".into(), last_name: "Lovelace".into(), pseudo: "ada".into(),
//!     email: "ada@example.com".into(), password: "analytical".into(),
//! }).await.unwrap();
//! let LoginOutcome::Session(jwt) = orion.accounts().login("ada@example.com", "analytical").await.unwrap()
//! else { unreachable!("2FA is off") };
//! let me = orion.accounts().authenticate(&jwt).await.unwrap();
//! let project = orion.projects().create(&me, "web-shop", Some("Web shop")).await.unwrap();
//! assert_eq!(project.name.as_str(), "web-shop");
//! # });
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::sync::Arc;

pub mod config;
pub mod error;
pub mod maintenance;
pub mod model;
pub mod port;
pub mod repo;
pub mod rfc3339;
pub mod service;

pub use config::Config;
pub use error::{ConflictKey, RepositoryError, ServiceError};
pub use repo::Repos;

use port::{
    BcryptHasher, BroadcastBus, Clock, JwtSigner, LiveBus, NoNotifier, Notifier, PasswordHasher,
    SessionSigner, SystemClock,
};
use service::{
    AccountService, AgentService, AlertService, Deps, LogService, ProjectService, SourceService,
    TokenService, TwoFactorService,
};

/// The embedding entry point: built from [`Repos`], ports and [`Config`],
/// it hands out the services. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Orion {
    deps: Arc<Deps>,
    accounts: AccountService,
    two_factor: TwoFactorService,
    projects: ProjectService,
    sources: SourceService,
    tokens: TokenService,
    logs: LogService,
    agents: AgentService,
    alerts: AlertService,
}

impl Orion {
    /// Starts building an `Orion` over the given storage.
    pub fn builder(repos: Repos) -> OrionBuilder {
        OrionBuilder {
            repos,
            clock: None,
            hasher: None,
            signer: None,
            bus: None,
            notifier: None,
            jwt_secret: None,
            bcrypt_cost: bcrypt::DEFAULT_COST,
            config: Config::default(),
        }
    }

    /// Registration, login, 2FA verification, bearer authentication.
    pub fn accounts(&self) -> &AccountService {
        &self.accounts
    }

    /// 2FA setup, enable, disable.
    pub fn two_factor(&self) -> &TwoFactorService {
        &self.two_factor
    }

    /// Projects.
    pub fn projects(&self) -> &ProjectService {
        &self.projects
    }

    /// Sources.
    pub fn sources(&self) -> &SourceService {
        &self.sources
    }

    /// API tokens.
    pub fn tokens(&self) -> &TokenService {
        &self.tokens
    }

    /// Log ingestion, search, export, histogram, live tail, retention.
    pub fn logs(&self) -> &LogService {
        &self.logs
    }

    /// Agents, servers, heartbeats, commands and incidents.
    pub fn agents(&self) -> &AgentService {
        &self.agents
    }

    /// Alert rules, their evaluation and history.
    pub fn alerts(&self) -> &AlertService {
        &self.alerts
    }

    /// Starts the background jobs — retention sweeps and the alert
    /// scheduler — on the current Tokio runtime; they stop when `shutdown`
    /// turns `true` (see [`maintenance`]).
    pub fn spawn_maintenance(
        &self,
        options: maintenance::MaintenanceOptions,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> maintenance::Maintenance {
        maintenance::spawn(self.clone(), options, shutdown)
    }

    /// The clock the services use.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.deps.clock
    }

    /// The storage the services use.
    pub fn repos(&self) -> &Repos {
        &self.deps.repos
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.deps.config
    }
}

/// Builder for [`Orion`]; every port has a default.
#[derive(Debug)]
pub struct OrionBuilder {
    repos: Repos,
    clock: Option<Arc<dyn Clock>>,
    hasher: Option<Arc<dyn PasswordHasher>>,
    signer: Option<Arc<dyn SessionSigner>>,
    bus: Option<Arc<dyn LiveBus>>,
    notifier: Option<Arc<dyn Notifier>>,
    jwt_secret: Option<Vec<u8>>,
    bcrypt_cost: u32,
    config: Config,
}

impl OrionBuilder {
    /// Uses this clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses this password hasher (default: bcrypt at `bcrypt_cost`).
    pub fn hasher(mut self, hasher: Arc<dyn PasswordHasher>) -> Self {
        self.hasher = Some(hasher);
        self
    }

    /// Sets the bcrypt cost of the default hasher (default 12).
    pub fn bcrypt_cost(mut self, cost: u32) -> Self {
        self.bcrypt_cost = cost;
        self
    }

    /// Signs sessions as HS256 JWTs with this secret. Without it (and
    /// without [`Self::signer`]) a random secret is used, so sessions do not
    /// survive a restart.
    pub fn jwt_secret(mut self, secret: &[u8]) -> Self {
        self.jwt_secret = Some(secret.to_vec());
        self
    }

    /// Uses this session signer instead of the JWT default.
    pub fn signer(mut self, signer: Arc<dyn SessionSigner>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Uses this live-event bus (default: an in-process broadcast bus).
    pub fn bus(mut self, bus: Arc<dyn LiveBus>) -> Self {
        self.bus = Some(bus);
        self
    }

    /// Delivers alert notifications with this (default: [`NoNotifier`],
    /// which reports every delivery as failed).
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }

    /// Replaces the configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Builds the facade.
    pub fn build(self) -> Orion {
        let signer = self.signer.unwrap_or_else(|| {
            let secret =
                self.jwt_secret.unwrap_or_else(|| port::secrets::random_alphanumeric(64).into_bytes());
            Arc::new(JwtSigner::new(&secret, self.config.session_lifetime))
        });
        let deps = Arc::new(Deps {
            repos: self.repos,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            hasher: self.hasher.unwrap_or_else(|| Arc::new(BcryptHasher::new(self.bcrypt_cost))),
            signer,
            bus: self.bus.unwrap_or_else(|| Arc::new(BroadcastBus::default())),
            notifier: self.notifier.unwrap_or_else(|| Arc::new(NoNotifier)),
            config: self.config,
        });
        let projects = ProjectService::new(deps.clone());
        Orion {
            accounts: AccountService::new(deps.clone()),
            two_factor: TwoFactorService::new(deps.clone()),
            sources: SourceService::new(deps.clone(), projects.clone()),
            tokens: TokenService::new(deps.clone(), projects.clone()),
            logs: LogService::new(deps.clone(), projects.clone()),
            agents: AgentService::new(deps.clone(), projects.clone()),
            alerts: AlertService::new(deps.clone(), projects.clone()),
            projects,
            deps,
        }
    }
}
