//! `saved_searches`: the logs explorer's saved searches, per project.
//!
//! `id` comes from the `saved_searches` id sequence; `(project_id, name)`
//! is unique (`ux_saved_searches_project_id_name`, which conflict errors
//! name). The range ends are kept as given (`now-1h` or an RFC 3339 text)
//! in `range_from`/`range_to` (`from`/`to` are SQL keywords). Instants are
//! microseconds since the Unix epoch, like the agent and alert tables.

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
enum SavedSearches {
    Table,
    Id,
    ProjectId,
    Name,
    Q,
    RangeFrom,
    RangeTo,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SavedSearches::Table)
                    .col(big_integer(SavedSearches::Id).primary_key())
                    .col(big_integer(SavedSearches::ProjectId))
                    .col(text(SavedSearches::Name))
                    .col(text(SavedSearches::Q))
                    .col(text_null(SavedSearches::RangeFrom))
                    .col(text_null(SavedSearches::RangeTo))
                    .col(big_integer(SavedSearches::CreatedAt))
                    .col(big_integer(SavedSearches::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_saved_searches_project_id")
                            .from(SavedSearches::Table, SavedSearches::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Also the project's listing and count.
        unique_index(
            manager,
            "ux_saved_searches_project_id_name",
            SavedSearches::Table,
            [SavedSearches::ProjectId, SavedSearches::Name],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SavedSearches::Table).to_owned()).await
    }
}
