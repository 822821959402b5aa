//! [`IdRepository`] over the `id_sequences` table: one row per kind, bumped
//! and read back in one statement, so the counter is atomic across every
//! instance on the database (PostgreSQL row lock, SQLite write lock).

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::IdKind;
use orion_core::repo::IdRepository;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::error::{CorruptRow, repo_err};

/// Id sequences stored through SeaORM.
#[derive(Debug)]
pub(crate) struct IdRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl IdRepository for IdRepo {
    async fn next(&self, kind: IdKind) -> RepoResult<i64> {
        let backend = self.0.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "INSERT INTO id_sequences (name, last) VALUES ($1, 1) \
                 ON CONFLICT (name) DO UPDATE SET last = id_sequences.last + 1 RETURNING last"
            }
            _ => {
                "INSERT INTO id_sequences (name, last) VALUES (?, 1) \
                 ON CONFLICT (name) DO UPDATE SET last = id_sequences.last + 1 RETURNING last"
            }
        };
        let row = self
            .0
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [kind.as_str().into()]))
            .await
            .map_err(repo_err)?
            .ok_or_else(|| CorruptRow::in_table("id_sequences", "no row returned"))?;
        row.try_get_by_index::<i64>(0).map_err(repo_err)
    }
}
