//! Alert silences and silenced history entries.
//!
//! - `alert_silences`: a project's silences (`id` from the
//!   `alert_silences` sequence), each matching a rule (`rule_id`), the
//!   rules of a server (`server_id`), both, or neither (everything), until
//!   `until` (microseconds since the Unix epoch, like `created_at`);
//!   deleted with the project. `rule_id` has no foreign key: a silence of a
//!   deleted rule matches nothing and expires.
//! - `alert_events` gains `silenced` (false for the entries before).

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
enum AlertSilences {
    Table,
    Id,
    ProjectId,
    RuleId,
    ServerId,
    Until,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AlertEvents {
    Table,
    Silenced,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AlertSilences::Table)
                    .col(big_integer(AlertSilences::Id).primary_key())
                    .col(big_integer(AlertSilences::ProjectId))
                    .col(big_integer_null(AlertSilences::RuleId))
                    .col(text_null(AlertSilences::ServerId))
                    .col(big_integer(AlertSilences::Until))
                    .col(text(AlertSilences::Reason))
                    .col(big_integer(AlertSilences::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alert_silences_project_id")
                            .from(AlertSilences::Table, AlertSilences::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A project's active silences (listing, matching, the count).
        manager
            .create_index(
                Index::create()
                    .name("ix_alert_silences_project_id_until")
                    .table(AlertSilences::Table)
                    .col(AlertSilences::ProjectId)
                    .col(AlertSilences::Until)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AlertEvents::Table)
                    .add_column(boolean(AlertEvents::Silenced).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(AlertEvents::Table).drop_column(AlertEvents::Silenced).to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(AlertSilences::Table).to_owned()).await
    }
}
