//! [`ServerRepository`] over the `servers` table.

use async_trait::async_trait;
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::{ProjectId, Server, ServerId};
use orion_core::repo::ServerRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict, Order};
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbBackend, QueryOrder, TransactionTrait};

use super::{instant, micros, parse_id};
use crate::entity::servers::{self, Column, Entity};
use crate::error::{CorruptRow, parent_err, repo_err};

/// Servers stored through SeaORM.
#[derive(Debug)]
pub(crate) struct ServerRepo(pub(crate) DatabaseConnection);

/// The primary key of `server_id` in `project`.
fn key(project: ProjectId, server_id: &ServerId) -> (i64, String) {
    (project.get(), server_id.as_str().to_owned())
}

#[async_trait]
impl ServerRepository for ServerRepo {
    async fn upsert(&self, server: &Server) -> RepoResult<Server> {
        let row = servers::ActiveModel {
            id: Set(server.id.get()),
            project_id: Set(server.project_id.get()),
            server_id: Set(server.server_id.as_str().to_owned()),
            display_name: Set(server.display_name.clone()),
            hostname: Set(server.hostname.clone()),
            platform: Set(server.platform.clone()),
            arch: Set(server.arch.clone()),
            created_at: Set(micros(server.created_at)),
            last_seen_at: Set(server.last_seen_at.map(micros)),
        };
        // One statement decides insert-or-update, so two agents registering
        // the same id at once both succeed (no unique-violation race);
        // reading back in the same transaction returns what this call wrote.
        let upsert = OnConflict::columns([Column::ProjectId, Column::ServerId])
            .update_columns([Column::DisplayName, Column::Hostname, Column::Platform, Column::Arch])
            .to_owned();
        let txn = self.0.begin().await.map_err(repo_err)?;
        Entity::insert(row).on_conflict(upsert).exec_without_returning(&txn).await.map_err(parent_err)?;
        let stored = Entity::find_by_id(key(server.project_id, &server.server_id))
            .one(&txn)
            .await
            .map_err(repo_err)?
            .ok_or(RepositoryError::NotFound)?;
        txn.commit().await.map_err(repo_err)?;
        to_domain(stored)
    }

    async fn find(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Option<Server>> {
        let row = Entity::find_by_id(key(project, server_id)).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn list(&self, project: ProjectId) -> RepoResult<Vec<Server>> {
        let query = Entity::find().filter(Column::ProjectId.eq(project.get()));
        // Byte order, as `ServerId`'s `Ord`: PostgreSQL would otherwise sort
        // by the database's locale (`a` < `B` < `b`).
        let query = match self.0.get_database_backend() {
            DbBackend::Postgres => query.order_by(Expr::cust(r#""server_id" COLLATE "C""#), Order::Asc),
            _ => query.order_by_asc(Column::ServerId),
        };
        let rows = query.all(&self.0).await.map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }
}

fn to_domain(row: servers::Model) -> RepoResult<Server> {
    const TABLE: &str = "servers";
    Ok(Server {
        id: parse_id(TABLE, row.id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        server_id: ServerId::parse(&row.server_id).map_err(|e| CorruptRow::in_table(TABLE, e.message))?,
        display_name: row.display_name,
        hostname: row.hostname,
        platform: row.platform,
        arch: row.arch,
        created_at: instant(TABLE, row.created_at)?,
        last_seen_at: row.last_seen_at.map(|at| instant(TABLE, at)).transpose()?,
    })
}
