//! [`SavedSearchRepository`] over the `saved_searches` table.

use async_trait::async_trait;
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::{ProjectId, SavedSearch, SearchId};
use orion_core::repo::SavedSearchRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryOrder, Statement, TransactionTrait};

use super::{instant, micros, parse_id};
use crate::entity::saved_searches::{Column, Entity, Model};
use crate::error::repo_err;

const TABLE: &str = "saved_searches";

/// Saved searches stored through SeaORM.
#[derive(Debug)]
pub(crate) struct SearchRepo(pub(crate) DatabaseConnection);

/// `sql` with PostgreSQL's `$n` placeholders, as `backend` writes them
/// (SQLite reads `?n` the same way).
fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres { sql.to_owned() } else { sql.replace('$', "?") };
    Statement::from_sql_and_values(backend, sql, values)
}

#[async_trait]
impl SavedSearchRepository for SearchRepo {
    async fn insert(&self, search: &SavedSearch, max: u32) -> RepoResult<bool> {
        let txn = self.0.begin().await.map_err(repo_err)?;
        let backend = txn.get_database_backend();
        // The count and the insert are one statement; on PostgreSQL the
        // project's row is locked first, so concurrent inserts into one
        // project take turns and never pass `max` together (SQLite has a
        // single writer already).
        if backend == DbBackend::Postgres {
            let lock = "SELECT id FROM projects WHERE id = $1 FOR UPDATE";
            txn.execute_raw(statement(backend, lock, vec![search.project_id.get().into()]))
                .await
                .map_err(repo_err)?;
        }
        let sql = "INSERT INTO saved_searches \
                   (id, project_id, name, q, range_from, range_to, created_at, updated_at) \
                   SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
                   WHERE (SELECT count(*) FROM saved_searches WHERE project_id = $2) < $9";
        let values = vec![
            search.id.get().into(),
            search.project_id.get().into(),
            search.name.clone().into(),
            search.q.clone().into(),
            search.from.clone().into(),
            search.to.clone().into(),
            micros(search.created_at).into(),
            micros(search.updated_at).into(),
            i64::from(max).into(),
        ];
        let done = txn.execute_raw(statement(backend, sql, values)).await.map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn update(&self, search: &SavedSearch) -> RepoResult<()> {
        let done = Entity::update_many()
            .col_expr(Column::Name, Expr::value(search.name.clone()))
            .col_expr(Column::Q, Expr::value(search.q.clone()))
            .col_expr(Column::RangeFrom, Expr::value(search.from.clone()))
            .col_expr(Column::RangeTo, Expr::value(search.to.clone()))
            .col_expr(Column::UpdatedAt, Expr::value(micros(search.updated_at)))
            .filter(Column::Id.eq(search.id.get()))
            .filter(Column::ProjectId.eq(search.project_id.get()))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn delete(&self, project: ProjectId, id: SearchId) -> RepoResult<()> {
        let done = Entity::delete_many()
            .filter(Column::Id.eq(id.get()))
            .filter(Column::ProjectId.eq(project.get()))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn find(&self, project: ProjectId, id: SearchId) -> RepoResult<Option<SavedSearch>> {
        let row = Entity::find()
            .filter(Column::Id.eq(id.get()))
            .filter(Column::ProjectId.eq(project.get()))
            .one(&self.0)
            .await
            .map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn list(&self, project: ProjectId) -> RepoResult<Vec<SavedSearch>> {
        let rows = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }
}

fn to_domain(row: Model) -> RepoResult<SavedSearch> {
    Ok(SavedSearch {
        id: parse_id(TABLE, row.id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        name: row.name,
        q: row.q,
        from: row.range_from,
        to: row.range_to,
        created_at: instant(TABLE, row.created_at)?,
        updated_at: instant(TABLE, row.updated_at)?,
    })
}
