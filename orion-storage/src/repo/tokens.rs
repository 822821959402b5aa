//! [`TokenRepository`] over the `api_tokens` table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::{ApiToken, PermissionSet, ProjectId, ServerId, TokenId, TokenKind};
use orion_core::repo::TokenRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder};

use super::{parse_id, stored};
use crate::entity::api_tokens::{self, Column, Entity};
use crate::error::{CorruptRow, repo_err};

/// API tokens stored through SeaORM.
#[derive(Debug)]
pub(crate) struct TokenRepo(pub(crate) DatabaseConnection);

/// Inserts `token` on `db`, which may be a transaction (sources insert their
/// token in the same one).
pub(super) async fn insert<C: ConnectionTrait>(db: &C, token: &ApiToken) -> RepoResult<()> {
    let row = api_tokens::ActiveModel {
        id: Set(token.id.get()),
        project_id: Set(token.project_id.get()),
        name: Set(token.name.clone()),
        kind: Set(token.kind.as_str().to_owned()),
        hash: Set(token.hash.clone()),
        display_prefix: Set(token.display_prefix.clone()),
        permissions: Set(token.permissions.to_storage()),
        source_id: Set(token.source_id.map(|id| id.get())),
        server_id: Set(token.server_id.as_ref().map(|s| s.as_str().to_owned())),
        created_at: Set(stored(token.created_at)),
        last_used_at: Set(token.last_used_at.map(stored)),
    };
    Entity::insert(row).exec_without_returning(db).await.map_err(repo_err)?;
    Ok(())
}

/// Rows of `project` with id `id`: the scope every per-token operation uses,
/// so a token id from another project never matches.
fn scoped(project: ProjectId, id: TokenId) -> sea_orm::Condition {
    sea_orm::Condition::all().add(Column::ProjectId.eq(project.get())).add(Column::Id.eq(id.get()))
}

#[async_trait]
impl TokenRepository for TokenRepo {
    async fn insert(&self, token: &ApiToken) -> RepoResult<()> {
        insert(&self.0, token).await
    }

    async fn find_by_hash(&self, hash: &str) -> RepoResult<Option<ApiToken>> {
        let row = Entity::find().filter(Column::Hash.eq(hash)).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn find(&self, project: ProjectId, id: TokenId) -> RepoResult<Option<ApiToken>> {
        let row = Entity::find().filter(scoped(project, id)).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn list_by_project(&self, project: ProjectId) -> RepoResult<Vec<ApiToken>> {
        let rows = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn replace_value(
        &self,
        project: ProjectId,
        id: TokenId,
        hash: &str,
        display_prefix: &str,
    ) -> RepoResult<()> {
        let done = Entity::update_many()
            .col_expr(Column::Hash, Expr::value(hash))
            .col_expr(Column::DisplayPrefix, Expr::value(display_prefix))
            .filter(scoped(project, id))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn delete(&self, project: ProjectId, id: TokenId) -> RepoResult<()> {
        let done = Entity::delete_many().filter(scoped(project, id)).exec(&self.0).await.map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn touch(&self, id: TokenId, at: DateTime<Utc>) -> RepoResult<()> {
        // A token deleted in the meantime is no error: there is nothing to
        // record a use on.
        Entity::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(Some(stored(at))))
            .filter(Column::Id.eq(id.get()))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        Ok(())
    }
}

fn to_domain(row: api_tokens::Model) -> RepoResult<ApiToken> {
    let kind = TokenKind::parse(&row.kind)
        .ok_or_else(|| CorruptRow::in_table("api_tokens", format!("unknown token kind `{}`", row.kind)))?;
    let source_id = row.source_id.map(|id| parse_id("api_tokens", id)).transpose()?;
    let server_id = row
        .server_id
        .as_deref()
        .map(ServerId::parse)
        .transpose()
        .map_err(|e| CorruptRow::in_table("api_tokens", e.message))?;
    Ok(ApiToken {
        id: parse_id("api_tokens", row.id)?,
        project_id: parse_id("api_tokens", row.project_id)?,
        name: row.name,
        kind,
        hash: row.hash,
        display_prefix: row.display_prefix,
        permissions: PermissionSet::from_storage(&row.permissions),
        source_id,
        server_id,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    })
}
