//! [`InMemoryRepos`]: every repository trait of `orion-core` over plain maps,
//! for fast domain tests with no disk.
//!
//! All tables live in one [`Store`] behind one `Mutex`, so multi-table writes
//! (a source with its token, a project's cascade delete) are atomic the same
//! way a database transaction is: check everything, then write everything,
//! under one lock. The lock is never held across an `.await`.

mod alert_events;
mod alert_rules;
mod challenges;
mod commands;
mod heartbeats;
mod ids;
mod incidents;
mod login_attempts;
mod logs;
mod projects;
mod searches;
mod servers;
mod settings;
mod silences;
mod sources;
mod tokens;
mod users;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use orion_core::Repos;
use orion_core::model::alert::{AlertEvent, AlertRule, RuleState};
use orion_core::model::log::{LogEntry, LogId};
use orion_core::model::{
    ApiToken, Command, CommandId, Heartbeat, Incident, IncidentId, LoginChallenge, Project, ProjectId,
    RuleId, Server, ServerId, Source, SourceId, TokenId, User, UserId,
};

/// The in-memory backend. [`InMemoryRepos::new`] hands out a fresh,
/// empty [`Repos`]; each call is an independent database.
#[derive(Debug)]
pub struct InMemoryRepos;

impl InMemoryRepos {
    /// A fresh, empty backend.
    #[allow(clippy::new_ret_no_self)] // the point is to hand out the core bundle
    pub fn new() -> Repos {
        let db = Db::default();
        Repos {
            ids: Arc::new(ids::Ids(db.clone())),
            users: Arc::new(users::Users(db.clone())),
            challenges: Arc::new(challenges::Challenges(db.clone())),
            login_attempts: Arc::new(login_attempts::LoginAttempts(db.clone())),
            projects: Arc::new(projects::Projects(db.clone())),
            sources: Arc::new(sources::Sources(db.clone())),
            tokens: Arc::new(tokens::Tokens(db.clone())),
            settings: Arc::new(settings::Settings(db.clone())),
            logs: Arc::new(logs::Logs(db.clone())),
            servers: Arc::new(servers::Servers(db.clone())),
            heartbeats: Arc::new(heartbeats::Heartbeats(db.clone())),
            commands: Arc::new(commands::Commands(db.clone())),
            incidents: Arc::new(incidents::Incidents(db.clone())),
            alert_rules: Arc::new(alert_rules::AlertRules(db.clone())),
            alert_events: Arc::new(alert_events::AlertEvents(db.clone())),
            searches: Arc::new(searches::Searches(db.clone())),
            silences: Arc::new(silences::Silences(db)),
        }
    }
}

/// Shared handle on the tables.
#[derive(Debug, Clone, Default)]
struct Db(Arc<Mutex<Store>>);

impl Db {
    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock happens only in a failing test; the
        // maps are still consistent because every write is check-then-apply.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The tables. Ordered maps keyed by insertion sequence give the
/// "oldest first" orderings the traits promise, even for equal timestamps.
#[derive(Debug, Default)]
struct Store {
    /// Monotonic insertion counter, the tie-breaker for orderings.
    seq: u64,
    /// The last id handed out per kind.
    sequences: HashMap<orion_core::model::IdKind, i64>,
    users: HashMap<UserId, User>,
    challenges: HashMap<String, LoginChallenge>,
    login_failures: HashMap<String, Vec<DateTime<Utc>>>,
    projects: BTreeMap<ProjectId, (u64, Project)>,
    sources: BTreeMap<SourceId, (u64, Source)>,
    tokens: BTreeMap<TokenId, (u64, ApiToken)>,
    settings: HashMap<String, String>,
    /// The last log id handed out; ids only grow, even across deletes.
    last_log_id: LogId,
    logs: BTreeMap<LogId, LogEntry>,
    /// Idempotency keys: `(project, key)` → (accepted count, recorded at).
    ingest_keys: HashMap<(ProjectId, String), (usize, DateTime<Utc>)>,
    /// Keyed by `(project, server_id)`: the uniqueness rule, and a
    /// project's servers iterate in `server_id` order.
    servers: BTreeMap<(ProjectId, ServerId), Server>,
    /// Keyed by insertion sequence, the tie-breaker of "newest first".
    heartbeats: BTreeMap<u64, Heartbeat>,
    commands: BTreeMap<CommandId, (u64, Command)>,
    incidents: BTreeMap<IncidentId, (u64, Incident)>,
    /// Every report: its incident, project, server and time (`crash_count`).
    occurrences: Vec<(IncidentId, ProjectId, Option<ServerId>, DateTime<Utc>)>,
    /// Each rule with its insertion sequence and its evaluation state.
    alert_rules: BTreeMap<RuleId, (u64, AlertRule, RuleState)>,
    /// The history, keyed by insertion sequence (the "newest first"
    /// tie-breaker among equal times).
    alert_events: BTreeMap<u64, AlertEvent>,
    /// Saved searches.
    searches: BTreeMap<orion_core::model::SearchId, orion_core::model::SavedSearch>,
    /// The commands firings queued: command id → (event, project,
    /// position, outcome).
    alert_event_actions: BTreeMap<
        CommandId,
        (orion_core::model::AlertEventId, ProjectId, usize, orion_core::model::alert::ActionOutcome),
    >,
    /// Alert silences.
    silences: BTreeMap<orion_core::model::SilenceId, orion_core::model::alert::Silence>,
}

impl Store {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn token_hash_taken(&self, hash: &str) -> bool {
        self.tokens.values().any(|(_, t)| t.hash == hash)
    }
}

/// Sorts rows by `(created_at, insertion order)`, the "oldest first" rule.
fn oldest_first<T: Clone>(
    rows: impl Iterator<Item = (u64, T)>,
    created_at: impl Fn(&T) -> DateTime<Utc>,
) -> Vec<T> {
    let mut rows: Vec<(u64, T)> = rows.collect();
    rows.sort_by_key(|(seq, row)| (created_at(row), *seq));
    rows.into_iter().map(|(_, row)| row).collect()
}

/// The `from <= at < to` window of time-ranged listings.
fn in_window(at: DateTime<Utc>, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
    from.is_none_or(|from| at >= from) && to.is_none_or(|to| at < to)
}
