//! Alerting: `alert_rules`, `alert_rule_states` and `alert_events`.
//!
//! Instants are microseconds since the Unix epoch (`BIGINT`), as in the
//! agent tables: the state's compare-and-set compares `evaluated_at` as an
//! integer, exact on both backends.
//!
//! - `alert_rules` keeps the condition as its text (`error_count >= 3`),
//!   parsed again on read, and the channels as a JSON array of their wire
//!   forms. A `seq` surrogate key breaks `created_at` ties in insertion
//!   order, like commands; the UUID `id` is unique.
//! - `alert_rule_states` holds one row per rule, created with it and
//!   removed with it (`ON DELETE CASCADE`): the engine's state is a
//!   separate row so that saving it (a conditional `UPDATE`) never touches
//!   the rule an owner may be editing.
//! - `alert_events` is the history. It references its project but not its
//!   rule: a deleted rule's history stays, naming the rule as it was.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::unique_index;

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
    Seq,
    Id,
    ProjectId,
    Name,
    Condition,
    WindowMinutes,
    Channels,
    Enabled,
    Source,
    ServerId,
    RepeatMinutes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AlertRuleStates {
    Table,
    RuleId,
    Firing,
    Since,
    LastNotifiedAt,
    LastValue,
    EvaluatedAt,
}

#[derive(DeriveIden)]
enum AlertEvents {
    Table,
    Seq,
    Id,
    ProjectId,
    RuleId,
    RuleName,
    Condition,
    Kind,
    Value,
    WindowMinutes,
    At,
    Deliveries,
}

/// `<table>.project_id → projects.id`, cascading.
fn project_fk(name: &str, table: impl IntoTableRef, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Projects::Table, Projects::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_rules(manager).await?;
        create_states(manager).await?;
        create_events(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AlertEvents::Table.into_iden(),
            AlertRuleStates::Table.into_iden(),
            AlertRules::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_rules(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(AlertRules::Table)
                .col(big_pk_auto(AlertRules::Seq))
                .col(big_integer(AlertRules::Id))
                .col(big_integer(AlertRules::ProjectId))
                .col(text(AlertRules::Name))
                .col(text(AlertRules::Condition))
                .col(big_integer(AlertRules::WindowMinutes))
                .col(json_binary(AlertRules::Channels))
                .col(boolean(AlertRules::Enabled))
                .col(text_null(AlertRules::Source))
                .col(text_null(AlertRules::ServerId))
                .col(big_integer(AlertRules::RepeatMinutes))
                .col(big_integer(AlertRules::CreatedAt))
                .col(big_integer(AlertRules::UpdatedAt))
                .foreign_key(&mut project_fk(
                    "fk_alert_rules_project_id",
                    AlertRules::Table,
                    AlertRules::ProjectId,
                ))
                .to_owned(),
        )
        .await?;
    // Also the parent key of `alert_rule_states.rule_id`.
    unique_index(manager, "ux_alert_rules_id", AlertRules::Table, [AlertRules::Id]).await?;
    // A project's rules, oldest first.
    manager
        .create_index(
            Index::create()
                .name("ix_alert_rules_project_id_created_at")
                .table(AlertRules::Table)
                .col(AlertRules::ProjectId)
                .col(AlertRules::CreatedAt)
                .col(AlertRules::Seq)
                .to_owned(),
        )
        .await?;
    // The engine's sweep: every enabled rule.
    manager
        .create_index(
            Index::create()
                .name("ix_alert_rules_enabled")
                .table(AlertRules::Table)
                .col(AlertRules::Enabled)
                .to_owned(),
        )
        .await
}

async fn create_states(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(AlertRuleStates::Table)
                .col(big_integer(AlertRuleStates::RuleId).primary_key())
                .col(boolean(AlertRuleStates::Firing))
                .col(big_integer_null(AlertRuleStates::Since))
                .col(big_integer_null(AlertRuleStates::LastNotifiedAt))
                .col(double_null(AlertRuleStates::LastValue))
                .col(big_integer_null(AlertRuleStates::EvaluatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_alert_rule_states_rule_id")
                        .from(AlertRuleStates::Table, AlertRuleStates::RuleId)
                        .to(AlertRules::Table, AlertRules::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
}

async fn create_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(AlertEvents::Table)
                .col(big_pk_auto(AlertEvents::Seq))
                .col(big_integer(AlertEvents::Id))
                .col(big_integer(AlertEvents::ProjectId))
                // No foreign key: the history outlives the rule.
                .col(big_integer(AlertEvents::RuleId))
                .col(text(AlertEvents::RuleName))
                .col(text(AlertEvents::Condition))
                .col(string(AlertEvents::Kind))
                .col(double(AlertEvents::Value))
                .col(big_integer(AlertEvents::WindowMinutes))
                .col(big_integer(AlertEvents::At))
                .col(json_binary(AlertEvents::Deliveries))
                .foreign_key(&mut project_fk(
                    "fk_alert_events_project_id",
                    AlertEvents::Table,
                    AlertEvents::ProjectId,
                ))
                .to_owned(),
        )
        .await?;
    unique_index(manager, "ux_alert_events_id", AlertEvents::Table, [AlertEvents::Id]).await?;
    // The project's history, newest first.
    manager
        .create_index(
            Index::create()
                .name("ix_alert_events_project_id_at")
                .table(AlertEvents::Table)
                .col(AlertEvents::ProjectId)
                .col((AlertEvents::At, IndexOrder::Desc))
                .col((AlertEvents::Seq, IndexOrder::Desc))
                .to_owned(),
        )
        .await
}
