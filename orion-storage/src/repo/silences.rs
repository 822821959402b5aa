//! [`SilenceRepository`] over the `alert_silences` table. Only silences
//! whose `until` is after the `now` given are found or listed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::alert::Silence;
use orion_core::model::{ProjectId, ServerId, SilenceId};
use orion_core::repo::SilenceRepository;
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryOrder, Statement, TransactionTrait};

use super::{instant, micros, parse_id};
use crate::entity::alert_silences::{Column, Entity, Model};
use crate::error::{CorruptRow, repo_err};

const TABLE: &str = "alert_silences";

/// Silences stored through SeaORM.
#[derive(Debug)]
pub(crate) struct SilenceRepo(pub(crate) DatabaseConnection);

/// `sql` with PostgreSQL's `$n` placeholders, as `backend` writes them.
fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres { sql.to_owned() } else { sql.replace('$', "?") };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The project's silence `id`, active at `now`.
fn active_one(project: ProjectId, id: SilenceId, now: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::Id.eq(id.get()))
        .add(Column::ProjectId.eq(project.get()))
        .add(Column::Until.gt(micros(now)))
}

#[async_trait]
impl SilenceRepository for SilenceRepo {
    async fn insert(&self, silence: &Silence, max: u32, now: DateTime<Utc>) -> RepoResult<bool> {
        let txn = self.0.begin().await.map_err(repo_err)?;
        let backend = txn.get_database_backend();
        let project = silence.project_id.get();
        // On PostgreSQL the project's row is locked first, so concurrent
        // inserts into one project take turns and never pass `max`
        // together (SQLite has a single writer already).
        if backend == DbBackend::Postgres {
            let lock = "SELECT id FROM projects WHERE id = $1 FOR UPDATE";
            txn.execute_raw(statement(backend, lock, vec![project.into()])).await.map_err(repo_err)?;
        }
        // Expired silences match nothing and are never listed: they go
        // here, so a project never holds more than `max` plus those
        // expired since its last insert.
        let purge = "DELETE FROM alert_silences WHERE project_id = $1 AND until <= $2";
        txn.execute_raw(statement(backend, purge, vec![project.into(), micros(now).into()]))
            .await
            .map_err(repo_err)?;
        let sql = "INSERT INTO alert_silences (id, project_id, rule_id, server_id, until, reason, created_at) \
                   SELECT $1, $2, $3, $4, $5, $6, $7 \
                   WHERE (SELECT count(*) FROM alert_silences WHERE project_id = $2) < $8";
        let values = vec![
            silence.id.get().into(),
            project.into(),
            silence.rule_id.map(|r| r.get()).into(),
            silence.server_id.as_ref().map(|s| s.as_str().to_owned()).into(),
            micros(silence.until).into(),
            silence.reason.clone().into(),
            micros(silence.created_at).into(),
            i64::from(max).into(),
        ];
        let done = txn.execute_raw(statement(backend, sql, values)).await.map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete(&self, project: ProjectId, id: SilenceId, now: DateTime<Utc>) -> RepoResult<()> {
        let done = Entity::delete_many()
            .filter(active_one(project, id, now))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn find(
        &self,
        project: ProjectId,
        id: SilenceId,
        now: DateTime<Utc>,
    ) -> RepoResult<Option<Silence>> {
        let row = Entity::find().filter(active_one(project, id, now)).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn active(&self, project: ProjectId, now: DateTime<Utc>) -> RepoResult<Vec<Silence>> {
        let rows = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .filter(Column::Until.gt(micros(now)))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }
}

fn to_domain(row: Model) -> RepoResult<Silence> {
    let id = row.id;
    let bad = |what: String| CorruptRow::in_table(TABLE, format!("{what} of silence {id}"));
    Ok(Silence {
        id: parse_id(TABLE, row.id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        rule_id: row.rule_id.map(|r| parse_id(TABLE, r)).transpose()?,
        server_id: row.server_id.as_deref().map(ServerId::parse).transpose().map_err(|e| bad(e.message))?,
        until: instant(TABLE, row.until)?,
        reason: row.reason,
        created_at: instant(TABLE, row.created_at)?,
    })
}
