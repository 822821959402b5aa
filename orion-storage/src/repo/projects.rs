//! [`ProjectRepository`] over the `projects` table (a deletion takes the
//! project's sources, tokens, logs, servers, heartbeats, commands,
//! incidents, alert rules with their state, and alert history with it).

use async_trait::async_trait;
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::{ArchivedFilter, Label, Project, ProjectId, ProjectName, UserId};
use orion_core::repo::ProjectRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, DbBackend, QueryOrder, QuerySelect, QueryTrait, Statement,
    TransactionTrait,
};

use super::{parse_id, stored};
use crate::entity::projects::{self, Column, Entity};
use crate::entity::{
    alert_event_actions, alert_events, alert_rule_states, alert_rules, alert_silences, api_tokens, commands,
    heartbeats, incidents, saved_searches, servers, sources,
};
use crate::error::{CorruptRow, repo_err};

/// Projects stored through SeaORM.
#[derive(Debug)]
pub(crate) struct ProjectRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl ProjectRepository for ProjectRepo {
    async fn insert(&self, project: &Project) -> RepoResult<()> {
        let row = projects::ActiveModel {
            id: Set(project.id.get()),
            owner_id: Set(project.owner_id.get()),
            name: Set(project.name.as_str().to_owned()),
            label: Set(project.label.as_str().to_owned()),
            archived: Set(project.archived),
            created_at: Set(stored(project.created_at)),
        };
        Entity::insert(row).exec_without_returning(&self.0).await.map_err(repo_err)?;
        Ok(())
    }

    async fn find_by_name(&self, owner: UserId, name: &ProjectName) -> RepoResult<Option<Project>> {
        let row = Entity::find()
            .filter(Column::OwnerId.eq(owner.get()))
            .filter(Column::Name.eq(name.as_str()))
            .one(&self.0)
            .await
            .map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn find_by_id(&self, id: ProjectId) -> RepoResult<Option<Project>> {
        let row = Entity::find_by_id(id.get()).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn list_by_owner(&self, owner: UserId, filter: ArchivedFilter) -> RepoResult<Vec<Project>> {
        let mut query = Entity::find().filter(Column::OwnerId.eq(owner.get()));
        query = match filter {
            ArchivedFilter::Active => query.filter(Column::Archived.eq(false)),
            ArchivedFilter::Archived => query.filter(Column::Archived.eq(true)),
            ArchivedFilter::All => query,
        };
        let rows = query
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn set_archived(&self, id: ProjectId, archived: bool) -> RepoResult<()> {
        let done = Entity::update_many()
            .col_expr(Column::Archived, Expr::value(archived))
            .filter(Column::Id.eq(id.get()))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn delete(&self, id: ProjectId) -> RepoResult<()> {
        // The foreign keys cascade too, but deleting the children explicitly
        // keeps this correct even on a connection without foreign-key
        // enforcement, and the transaction makes it all-or-nothing.
        let id = id.get();
        let txn = self.0.begin().await.map_err(repo_err)?;
        // Log frames, then their blocks.
        for sql in [
            "DELETE FROM log_frames WHERE block_id IN (SELECT id FROM log_blocks WHERE project_id = $1)",
            "DELETE FROM log_blocks WHERE project_id = $1",
        ] {
            let sql = match txn.get_database_backend() {
                DbBackend::Postgres => sql.to_owned(),
                _ => sql.replace("$1", "?"),
            };
            let statement = Statement::from_sql_and_values(txn.get_database_backend(), sql, [id.into()]);
            txn.execute_raw(statement).await.map_err(repo_err)?;
        }
        delete_agent_rows(&txn, id).await?;
        delete_alert_rows(&txn, id).await?;
        saved_searches::Entity::delete_many()
            .filter(saved_searches::Column::ProjectId.eq(id))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        api_tokens::Entity::delete_many()
            .filter(api_tokens::Column::ProjectId.eq(id))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        sources::Entity::delete_many()
            .filter(sources::Column::ProjectId.eq(id))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        let done = Entity::delete_by_id(id).exec(&txn).await.map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        txn.commit().await.map_err(repo_err)
    }
}

/// Deletes the project's agent tables, children before parents
/// (heartbeats reference servers).
async fn delete_agent_rows<C: ConnectionTrait>(txn: &C, project: i64) -> RepoResult<()> {
    heartbeats::Entity::delete_many()
        .filter(heartbeats::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    commands::Entity::delete_many()
        .filter(commands::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    incidents::Entity::delete_many()
        .filter(incidents::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    servers::Entity::delete_many()
        .filter(servers::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    Ok(())
}

/// Deletes the project's alert history, rule states and rules, states
/// before the rules they reference.
async fn delete_alert_rows<C: ConnectionTrait>(txn: &C, project: i64) -> RepoResult<()> {
    alert_events::Entity::delete_many()
        .filter(alert_events::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    let rules = alert_rules::Entity::find()
        .select_only()
        .column(alert_rules::Column::Id)
        .filter(alert_rules::Column::ProjectId.eq(project))
        .into_query();
    alert_rule_states::Entity::delete_many()
        .filter(alert_rule_states::Column::RuleId.in_subquery(rules))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    alert_rules::Entity::delete_many()
        .filter(alert_rules::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    alert_event_actions::Entity::delete_many()
        .filter(alert_event_actions::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    alert_silences::Entity::delete_many()
        .filter(alert_silences::Column::ProjectId.eq(project))
        .exec(txn)
        .await
        .map_err(repo_err)?;
    Ok(())
}

fn to_domain(row: projects::Model) -> RepoResult<Project> {
    let bad = |what: String| CorruptRow::in_table("projects", what);
    Ok(Project {
        id: parse_id("projects", row.id)?,
        owner_id: parse_id("projects", row.owner_id)?,
        name: ProjectName::parse(&row.name).map_err(|e| bad(e.message))?,
        // No length cap on read: the limit is a rule for new input, and a
        // stored label must stay readable if that rule ever tightens.
        label: Label::parse("label", &row.label, usize::MAX).map_err(|e| bad(e.message))?,
        archived: row.archived,
        created_at: row.created_at,
    })
}
