//! [`SourceRepository`] over the `sources` table.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::{ApiToken, Label, ProjectId, Source, SourceName};
use orion_core::repo::SourceRepository;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder, TransactionTrait};

use super::{parse_id, stored, tokens};
use crate::entity::sources::{self, Column, Entity};
use crate::error::{CorruptRow, repo_err};

/// Sources stored through SeaORM.
#[derive(Debug)]
pub(crate) struct SourceRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl SourceRepository for SourceRepo {
    async fn insert(&self, source: &Source, token: Option<&ApiToken>) -> RepoResult<()> {
        let row = sources::ActiveModel {
            id: Set(source.id.get()),
            project_id: Set(source.project_id.get()),
            name: Set(source.name.as_str().to_owned()),
            description: Set(source.description.as_str().to_owned()),
            created_at: Set(stored(source.created_at)),
        };
        // One transaction: dropping `txn` on an error rolls the source back.
        let txn = self.0.begin().await.map_err(repo_err)?;
        Entity::insert(row).exec_without_returning(&txn).await.map_err(repo_err)?;
        if let Some(token) = token {
            tokens::insert(&txn, token).await?;
        }
        txn.commit().await.map_err(repo_err)
    }

    async fn list_by_project(&self, project: ProjectId) -> RepoResult<Vec<Source>> {
        let rows = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn find_by_name(&self, project: ProjectId, name: &SourceName) -> RepoResult<Option<Source>> {
        let row = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .filter(Column::Name.eq(name.as_str()))
            .one(&self.0)
            .await
            .map_err(repo_err)?;
        row.map(to_domain).transpose()
    }
}

fn to_domain(row: sources::Model) -> RepoResult<Source> {
    let bad = |what: String| CorruptRow::in_table("sources", what);
    Ok(Source {
        id: parse_id("sources", row.id)?,
        project_id: parse_id("sources", row.project_id)?,
        name: SourceName::parse(&row.name).map_err(|e| bad(e.message))?,
        description: Label::parse("description", &row.description, usize::MAX).map_err(|e| bad(e.message))?,
        created_at: row.created_at,
    })
}
