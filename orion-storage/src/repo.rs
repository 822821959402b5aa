//! Repository implementations, one file per `orion-core` trait. Each maps
//! entity models to domain types at the boundary; a stored value the domain
//! would refuse is reported as `Unavailable` (see [`CorruptRow`]), never a
//! panic.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use orion_core::error::RepoResult;
use orion_core::repo::Repos;
use sea_orm::DatabaseConnection;

use crate::error::CorruptRow;

mod auth;
pub(crate) mod logs;
mod projects;
mod settings;
mod sources;
mod tokens;
mod users;

/// Builds every repository over one connection pool; `logs` (which owns
/// the writer task) is shared, not rebuilt.
pub(crate) fn repos(db: &DatabaseConnection, logs: Arc<logs::LogRepo>) -> Repos {
    Repos {
        users: Arc::new(users::UserRepo(db.clone())),
        challenges: Arc::new(auth::ChallengeRepo(db.clone())),
        login_attempts: Arc::new(auth::LoginAttemptRepo(db.clone())),
        projects: Arc::new(projects::ProjectRepo(db.clone())),
        sources: Arc::new(sources::SourceRepo(db.clone())),
        tokens: Arc::new(tokens::TokenRepo(db.clone())),
        settings: Arc::new(settings::SettingsRepo(db.clone())),
        logs,
    }
}

/// Parses a stored id (a UUID in text form).
fn parse_id<T: FromStr>(table: &'static str, raw: &str) -> RepoResult<T> {
    raw.parse().map_err(|_| CorruptRow::in_table(table, format!("malformed id `{raw}`")))
}

/// The instant as it will read back: PostgreSQL keeps microseconds, so
/// SQLite is given the same precision and both backends return equal values.
fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}
