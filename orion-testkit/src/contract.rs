//! The repository contract suite: what every storage backend must do, as
//! plain async functions that panic on any deviation. The in-memory backend
//! runs it in this crate's tests; `orion-storage` runs it on SQLite and
//! PostgreSQL.
//!
//! Every check makes fresh random names, emails and ids, so the suite can
//! run repeatedly and concurrently against one shared database. Instants are
//! millisecond-aligned: that is the precision every backend must keep.
//!
//! One module per aggregate; [`run_all`] runs them all.

pub mod alerts;
pub mod auth;
pub mod commands;
pub mod ids;
pub mod incidents;
pub mod logs;
pub mod metrics;
pub mod projects;
pub mod searches;
pub mod servers;
pub mod settings;
pub mod silences;
pub mod sources;
pub mod tokens;
pub mod users;

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::model::user::TwoFactor;
use orion_core::model::{
    ApiToken, Email, Label, PermissionSet, PersonName, Project, ProjectId, ProjectName, Pseudo, Server,
    ServerId, Source, SourceId, SourceName, TokenId, TokenKind, User, UserId, Window,
};
use orion_core::{ConflictKey, Repos, RepositoryError};

/// Runs the whole suite against `repos`.
pub async fn run_all(repos: &Repos) {
    ids::run(repos).await;
    users::run(repos).await;
    auth::run(repos).await;
    projects::run(repos).await;
    sources::run(repos).await;
    tokens::run(repos).await;
    settings::run(repos).await;
    logs::run(repos).await;
    servers::run(repos).await;
    metrics::run(repos).await;
    searches::run(repos).await;
    silences::run(repos).await;
    commands::run(repos).await;
    incidents::run(repos).await;
    alerts::run(repos).await;
}

/// A fresh random lower-case alphanumeric string of `len` (≤ 32) characters.
fn random(len: usize) -> String {
    uuid::Uuid::new_v4().simple().to_string()[..len].to_owned()
}

/// A fixed instant with odd milliseconds plus `offset_ms`, so a backend that
/// truncates to seconds fails the round-trip checks.
fn at(offset_ms: i64) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).single().expect("valid instant");
    base + Duration::milliseconds(123 + offset_ms)
}

/// Serialises the agent tables' retention checks across concurrent suite
/// runs in one process: deletion is global, so one run's sweep would
/// otherwise take another's rows mid-count.
static AGENT_RETENTION: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The retention checks' cutoff: before 1990, far from every other
/// check's rows (which sit in 2024), with odd milliseconds.
fn retention_cutoff() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).single().expect("valid") + Duration::milliseconds(321)
}

fn fresh_email() -> Email {
    Email::parse(&format!("c{}@contract.example.com", random(20))).expect("valid email")
}

/// A user that is not stored yet, with a fresh email and pseudo.
fn new_user() -> User {
    User {
        id: UserId(crate::fresh_id()),
        first_name: PersonName::parse("firstName", "Grace").expect("valid"),
        last_name: PersonName::parse("lastName", "Hopper").expect("valid"),
        pseudo: Pseudo::parse(&format!("c{}", random(20))).expect("valid pseudo"),
        email: fresh_email(),
        password_hash: format!("$2b$04${}", random(32)),
        two_factor: TwoFactor::default(),
        created_at: at(0),
    }
}

/// Stores a fresh user (rows of other aggregates may need an owner to exist).
async fn stored_user(repos: &Repos) -> User {
    let user = new_user();
    repos.users.insert(&user).await.expect("insert a fresh user");
    user
}

fn new_project(owner: UserId, name: &str, created_at: DateTime<Utc>) -> Project {
    Project {
        id: ProjectId(crate::fresh_id()),
        owner_id: owner,
        name: ProjectName::parse(name).expect("valid project name"),
        label: Label::parse("label", "Contract project", 200).expect("valid label"),
        archived: false,
        created_at,
    }
}

/// Stores a fresh project with a random name for a fresh owner.
async fn stored_project(repos: &Repos) -> Project {
    let owner = stored_user(repos).await;
    let project = new_project(owner.id, &format!("p-{}", random(12)), at(0));
    repos.projects.insert(&project).await.expect("insert a fresh project");
    project
}

fn new_source(project: ProjectId, name: &str, created_at: DateTime<Utc>) -> Source {
    Source {
        id: SourceId(crate::fresh_id()),
        project_id: project,
        name: SourceName::parse(name).expect("valid source name"),
        description: Label::parse("description", "from the contract suite", 500).expect("valid"),
        created_at,
    }
}

/// A token that is not stored yet, with a fresh random hash.
fn new_token(project: ProjectId, source: Option<SourceId>, created_at: DateTime<Utc>) -> ApiToken {
    let kind = if source.is_some() { TokenKind::Source } else { TokenKind::Api };
    ApiToken {
        id: TokenId(crate::fresh_id()),
        project_id: project,
        name: format!("token {}", random(6)),
        kind,
        hash: format!("{}{}", random(32), random(32)),
        // Twelve characters, like the values the services mint.
        display_prefix: format!("{}{}", kind.prefix(), random(12))[..12].to_owned(),
        permissions: PermissionSet::parse(&["logs:write", "logs:read"]).expect("known"),
        source_id: source,
        server_id: None,
        created_at,
        last_used_at: None,
    }
}

/// A server of `project` that is not stored yet, never seen.
fn new_server(project: ProjectId, server_id: &str) -> Server {
    Server {
        id: orion_core::model::ServerRowId(crate::fresh_id()),
        project_id: project,
        server_id: ServerId::parse(server_id).expect("valid server id"),
        display_name: format!("Web {server_id}"),
        hostname: format!("{server_id}.example.com"),
        platform: "linux".into(),
        arch: "x86_64".into(),
        created_at: at(7),
        last_seen_at: None,
    }
}

/// Stores a fresh server with a random id in `project`.
async fn stored_server(repos: &Repos, project: ProjectId) -> Server {
    let server = new_server(project, &format!("srv-{}", random(10)));
    repos.servers.upsert(&server).await.expect("insert a fresh server")
}

/// Panics unless `result` is a `Conflict` on `key`.
#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, RepositoryError>, key: ConflictKey) {
    match result {
        Err(RepositoryError::Conflict(got)) => assert_eq!(got, key, "Conflict on the wrong key"),
        other => panic!("expected Conflict on {key:?}, got {other:?}"),
    }
}

/// A window the suites know to be valid.
fn window(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>, limit: u32) -> Window {
    Window::new(from, to, limit).expect("a valid window")
}

/// Panics unless `result` is `NotFound`.
#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, RepositoryError>) {
    assert!(matches!(result, Err(RepositoryError::NotFound)), "expected NotFound, got {result:?}");
}
