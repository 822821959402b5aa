//! [`CommandRepository`] over the `commands` table.
//!
//! Acknowledgement is one conditional `UPDATE … WHERE status = 'pending'`:
//! the database decides which of two concurrent acknowledgements wins, and
//! the loser then finds the row already acknowledged (`Conflict`) rather
//! than missing (`NotFound`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::{ConflictKey, RepoResult, RepositoryError};
use orion_core::model::{Command, CommandId, CommandKind, CommandStatus, ProjectId, ServerId};
use orion_core::repo::CommandRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, Condition, DatabaseConnection, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::{instant, micros, micros_bound, parse_id};
use crate::entity::alert_event_actions as actions;
use crate::entity::commands::{self, Column, Entity};
use crate::error::{CorruptRow, parent_err, repo_err};

const TABLE: &str = "commands";

/// Commands stored through SeaORM.
#[derive(Debug)]
pub(crate) struct CommandRepo(pub(crate) DatabaseConnection);

/// The rows of `server_id` in `project`.
fn of_server(project: ProjectId, server_id: &ServerId) -> Condition {
    Condition::all().add(Column::ProjectId.eq(project.get())).add(Column::ServerId.eq(server_id.as_str()))
}

impl CommandRepo {
    /// The command `id` of `server_id` in `project`, whatever its status.
    async fn of(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        id: CommandId,
    ) -> RepoResult<Option<Command>> {
        let row = Entity::find()
            .filter(of_server(project, server_id).add(Column::Id.eq(id.get())))
            .one(&self.0)
            .await
            .map_err(repo_err)?;
        row.map(to_domain).transpose()
    }
}

#[async_trait]
impl CommandRepository for CommandRepo {
    async fn insert(&self, command: &Command) -> RepoResult<()> {
        Entity::insert(row(command)).exec_without_returning(&self.0).await.map_err(parent_err)?;
        Ok(())
    }

    async fn find(&self, project: ProjectId, id: CommandId) -> RepoResult<Option<Command>> {
        let row = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .filter(Column::Id.eq(id.get()))
            .one(&self.0)
            .await
            .map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn pending(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Vec<Command>> {
        let rows = Entity::find()
            .filter(of_server(project, server_id).add(Column::Status.eq(CommandStatus::Pending.as_str())))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Seq)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn list(&self, project: ProjectId, server_id: &ServerId, limit: u32) -> RepoResult<Vec<Command>> {
        let rows = Entity::find()
            .filter(of_server(project, server_id))
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Seq)
            .limit(u64::from(limit))
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn acknowledge(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        id: CommandId,
        status: CommandStatus,
        output: Option<&str>,
        at: DateTime<Utc>,
    ) -> RepoResult<Command> {
        let txn = self.0.begin().await.map_err(repo_err)?;
        let done = Entity::update_many()
            .col_expr(Column::Status, Expr::value(status.as_str()))
            .col_expr(Column::Output, Expr::value(output.map(str::to_owned)))
            .col_expr(Column::AckedAt, Expr::value(Some(micros(at))))
            .filter(
                of_server(project, server_id)
                    .add(Column::Id.eq(id.get()))
                    .add(Column::Status.eq(CommandStatus::Pending.as_str())),
            )
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 1 {
            // The alert action that queued it, if one did, shows the outcome.
            actions::Entity::update_many()
                .col_expr(actions::Column::Status, Expr::value(status.as_str()))
                .col_expr(actions::Column::Output, Expr::value(output.map(str::to_owned)))
                .filter(actions::Column::CommandId.eq(id.get()))
                .filter(actions::Column::ProjectId.eq(project.get()))
                .exec(&txn)
                .await
                .map_err(repo_err)?;
        }
        txn.commit().await.map_err(repo_err)?;
        // Once acknowledged a command never changes again, so reading it
        // back after the update cannot see anyone else's write.
        let current = self.of(project, server_id, id).await?;
        match (done.rows_affected, current) {
            (_, None) => Err(RepositoryError::NotFound),
            (0, Some(_)) => Err(RepositoryError::Conflict(ConflictKey::Acknowledged)),
            (_, Some(command)) => Ok(command),
        }
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        // Pending commands have no `acked_at`; the status check keeps them
        // even if one ever had.
        let expired = Condition::all()
            .add(Column::Status.ne(CommandStatus::Pending.as_str()))
            .add(Column::AckedAt.lt(micros_bound(cutoff)));
        super::delete_batch::<Entity>(&self.0, Column::Seq, expired, batch).await
    }
}

/// The row of a new command (the alert engine inserts them too, in the
/// transaction that claims a firing).
pub(super) fn row(command: &Command) -> commands::ActiveModel {
    commands::ActiveModel {
        seq: NotSet,
        id: Set(command.id.get()),
        project_id: Set(command.project_id.get()),
        server_id: Set(command.server_id.as_str().to_owned()),
        kind: Set(command.kind.as_str().to_owned()),
        script_name: Set(command.script_name.clone()),
        payload: Set(Json::Object(command.payload.clone())),
        status: Set(command.status.as_str().to_owned()),
        output: Set(command.output.clone()),
        created_at: Set(micros(command.created_at)),
        acked_at: Set(command.acked_at.map(micros)),
    }
}

fn to_domain(row: commands::Model) -> RepoResult<Command> {
    let bad = |what: String| CorruptRow::in_table(TABLE, what);
    let Json::Object(payload) = row.payload else {
        return Err(bad(format!("payload of command {} is not an object", row.id)));
    };
    Ok(Command {
        id: parse_id(TABLE, row.id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        server_id: ServerId::parse(&row.server_id).map_err(|e| bad(e.message))?,
        kind: CommandKind::parse(&row.kind)
            .ok_or_else(|| bad(format!("unknown command kind `{}`", row.kind)))?,
        script_name: row.script_name,
        payload,
        status: CommandStatus::parse(&row.status)
            .ok_or_else(|| bad(format!("unknown command status `{}`", row.status)))?,
        output: row.output,
        created_at: instant(TABLE, row.created_at)?,
        acked_at: row.acked_at.map(|at| instant(TABLE, at)).transpose()?,
    })
}
