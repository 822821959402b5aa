//! Repository implementations, one file per `orion-core` trait. Each maps
//! entity models to domain types at the boundary; a stored value the domain
//! would refuse is reported as `Unavailable` (see [`CorruptRow`]), never a
//! panic.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use orion_core::error::RepoResult;
use orion_core::repo::Repos;
use sea_orm::DatabaseConnection;

use crate::error::CorruptRow;

mod alert_events;
mod alert_rules;
mod auth;
mod commands;
pub(crate) mod heartbeats;
mod ids;
pub(crate) mod incidents;
pub(crate) mod logs;
mod projects;
mod searches;
mod servers;
mod settings;
mod silences;
mod sources;
mod tokens;
mod users;

/// Builds every repository over one connection pool; `logs` (which owns
/// the writer task) is shared, not rebuilt.
pub(crate) fn repos(db: &DatabaseConnection, logs: Arc<logs::LogRepo>) -> Repos {
    Repos {
        ids: Arc::new(ids::IdRepo(db.clone())),
        users: Arc::new(users::UserRepo(db.clone())),
        challenges: Arc::new(auth::ChallengeRepo(db.clone())),
        login_attempts: Arc::new(auth::LoginAttemptRepo(db.clone())),
        projects: Arc::new(projects::ProjectRepo(db.clone())),
        sources: Arc::new(sources::SourceRepo(db.clone())),
        tokens: Arc::new(tokens::TokenRepo(db.clone())),
        settings: Arc::new(settings::SettingsRepo(db.clone())),
        logs,
        servers: Arc::new(servers::ServerRepo(db.clone())),
        heartbeats: Arc::new(heartbeats::HeartbeatRepo(db.clone())),
        commands: Arc::new(commands::CommandRepo(db.clone())),
        incidents: Arc::new(incidents::IncidentRepo(db.clone())),
        alert_rules: Arc::new(alert_rules::AlertRuleRepo(db.clone())),
        alert_events: Arc::new(alert_events::AlertEventRepo(db.clone())),
        searches: Arc::new(searches::SearchRepo(db.clone())),
        silences: Arc::new(silences::SilenceRepo(db.clone())),
    }
}

/// Deletes at most `batch` rows of `E` matching `condition`, picked by
/// `key` (`DELETE … WHERE key IN (SELECT key … WHERE condition LIMIT
/// batch)`): retention's small transactions, which keep the write lock
/// short so ingestion never waits long behind them.
async fn delete_batch<E: sea_orm::EntityTrait>(
    db: &DatabaseConnection,
    key: E::Column,
    condition: sea_orm::sea_query::Condition,
    batch: u32,
) -> RepoResult<u64> {
    use sea_orm::QueryFilter;
    use sea_orm::sea_query::{Query, SimpleExpr};
    if batch == 0 {
        return Ok(0);
    }
    let picked = Query::select()
        .column(key)
        .from(E::default())
        .cond_where(condition)
        .limit(u64::from(batch))
        .to_owned();
    let in_batch: SimpleExpr = sea_orm::ColumnTrait::in_subquery(&key, picked);
    let done = E::delete_many().filter(in_batch).exec(db).await.map_err(crate::error::repo_err)?;
    Ok(done.rows_affected)
}

/// `SELECT id FROM projects`: every project, for a global delete that
/// reaches rows through a `(project_id, …)` index.
fn all_projects() -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(crate::entity::projects::Column::Id)
        .from(crate::entity::projects::Entity)
        .to_owned()
}

/// Reads back a stored integer id (positive, below 2^53).
fn parse_id<T: orion_core::model::Id>(table: &'static str, raw: i64) -> RepoResult<T> {
    T::from_raw(raw).map_err(|_| CorruptRow::in_table(table, format!("malformed id `{raw}`")))
}

/// The stored form of an instant in the `BIGINT` time columns (logs and
/// the agent tables): microseconds since the Unix epoch, the precision
/// PostgreSQL keeps, used on both backends.
fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A range bound in stored form. Stored instants are whole microseconds,
/// so for any stored `t`: `t >= at` ⇔ `t >= ceil(at)` and `t < at` ⇔
/// `t < ceil(at)`; rounding up keeps both bounds exact.
fn micros_bound(at: DateTime<Utc>) -> i64 {
    let floor = micros(at);
    if at.timestamp_subsec_nanos().is_multiple_of(1_000) { floor } else { floor.saturating_add(1) }
}

/// Reads back an instant stored by [`micros`].
fn instant(table: &'static str, micros: i64) -> RepoResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| CorruptRow::in_table(table, format!("instant {micros} out of range")))
}

/// The instant as it will read back: PostgreSQL keeps microseconds, so
/// SQLite is given the same precision and both backends return equal values.
fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// SQLite's plan for `statement` on a fresh, migrated in-memory database:
/// one detail line per step (for tests that a query stays on its index).
#[cfg(test)]
async fn sqlite_plan(mut statement: sea_orm::Statement) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let db = crate::connection::open("sqlite::memory:").await.unwrap();
    crate::connection::migrate(&db).await.unwrap();
    statement.sql = format!("EXPLAIN QUERY PLAN {}", statement.sql);
    let steps = db.query_all_raw(statement).await.unwrap();
    steps.iter().map(|row| row.try_get_by_index(3).unwrap()).collect()
}
