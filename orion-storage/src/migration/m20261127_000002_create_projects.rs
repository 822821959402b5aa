//! Projects and what they own: `projects`, `sources`, `api_tokens`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20261127_000001_create_accounts::Users;
use super::schema::unique_index;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    OwnerId,
    Name,
    Label,
    Archived,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sources {
    Table,
    Id,
    ProjectId,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    ProjectId,
    Name,
    Kind,
    Hash,
    DisplayPrefix,
    Permissions,
    SourceId,
    ServerId,
    CreatedAt,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(big_integer(Projects::Id).primary_key())
                    .col(big_integer(Projects::OwnerId))
                    .col(string(Projects::Name))
                    .col(text(Projects::Label))
                    .col(boolean(Projects::Archived))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_projects_owner_id")
                            .from(Projects::Table, Projects::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Also serves "the owner's projects" lookups (leading column).
        unique_index(
            manager,
            "ux_projects_owner_id_name",
            Projects::Table,
            [Projects::OwnerId, Projects::Name],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sources::Table)
                    .col(big_integer(Sources::Id).primary_key())
                    .col(big_integer(Sources::ProjectId))
                    .col(string(Sources::Name))
                    .col(text(Sources::Description))
                    .col(timestamp_with_time_zone(Sources::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sources_project_id")
                            .from(Sources::Table, Sources::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "ux_sources_project_id_name",
            Sources::Table,
            [Sources::ProjectId, Sources::Name],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_integer(ApiTokens::Id).primary_key())
                    .col(big_integer(ApiTokens::ProjectId))
                    .col(string(ApiTokens::Name))
                    .col(string(ApiTokens::Kind))
                    .col(string(ApiTokens::Hash))
                    .col(string(ApiTokens::DisplayPrefix))
                    .col(text(ApiTokens::Permissions))
                    .col(big_integer_null(ApiTokens::SourceId))
                    .col(string_null(ApiTokens::ServerId))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_project_id")
                            .from(ApiTokens::Table, ApiTokens::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_source_id")
                            .from(ApiTokens::Table, ApiTokens::SourceId)
                            .to(Sources::Table, Sources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(manager, "ux_api_tokens_hash", ApiTokens::Table, [ApiTokens::Hash]).await?;
        for (name, col) in [
            ("ix_api_tokens_project_id", ApiTokens::ProjectId),
            ("ix_api_tokens_source_id", ApiTokens::SourceId),
        ] {
            manager
                .create_index(Index::create().name(name).table(ApiTokens::Table).col(col).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [ApiTokens::Table.into_iden(), Sources::Table.into_iden(), Projects::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
