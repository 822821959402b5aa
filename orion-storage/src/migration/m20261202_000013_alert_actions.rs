//! Alert actions: a rule may queue agent commands when it fires.
//!
//! - `alert_rules` gains `actions`, a JSON array of `{type, serverId,
//!   scriptName}` (`NULL`, as for the rules before this step: none).
//! - `alert_event_actions`: one row per command a firing queued, keyed by
//!   the command's id (so a command belongs to one firing), with the event
//!   it belongs to, its place among the rule's actions, the action as it
//!   was, and the outcome the agent acknowledged (`status` `pending` until
//!   then). Written in the transaction that claims the firing (with the
//!   commands) and in the one that acknowledges a command; deleted with the
//!   project. `event_id` has no foreign key: the event row is written after
//!   the notifications.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AlertRules {
    Table,
    Actions,
}

#[derive(DeriveIden)]
enum AlertEventActions {
    Table,
    CommandId,
    EventId,
    ProjectId,
    Position,
    Kind,
    ServerId,
    ScriptName,
    Status,
    Output,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AlertRules::Table)
                    .add_column(json_binary_null(AlertRules::Actions))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertEventActions::Table)
                    .col(big_integer(AlertEventActions::CommandId).primary_key())
                    .col(big_integer(AlertEventActions::EventId))
                    .col(big_integer(AlertEventActions::ProjectId))
                    .col(integer(AlertEventActions::Position))
                    .col(string(AlertEventActions::Kind))
                    .col(string(AlertEventActions::ServerId))
                    .col(text(AlertEventActions::ScriptName))
                    .col(string(AlertEventActions::Status))
                    .col(text_null(AlertEventActions::Output))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alert_event_actions_project_id")
                            .from(AlertEventActions::Table, AlertEventActions::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // An event's actions, in order (the history listing).
        manager
            .create_index(
                Index::create()
                    .name("ix_alert_event_actions_event_id_position")
                    .table(AlertEventActions::Table)
                    .col(AlertEventActions::EventId)
                    .col(AlertEventActions::Position)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AlertEventActions::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(AlertRules::Table).drop_column(AlertRules::Actions).to_owned())
            .await
    }
}
