//! `ix_logs_project_id_source_level_timestamp`: alert rules narrowed to a
//! source count that source's entries per level every evaluation (see
//! `LogRepository::level_counts`). Without this index each count reads
//! every row of the project's window from the table to check its source;
//! with it, the count is six index-only range scans over that source's
//! rows. Searches filtered by source use it too.
//!
//! The cost is one more index entry per ingested row, which is why it is
//! the only index on `logs` that involves `source`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Logs {
    Table,
    ProjectId,
    Source,
    Level,
    Timestamp,
}

const INDEX: &str = "ix_logs_project_id_source_level_timestamp";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Logs::Table)
                    .col(Logs::ProjectId)
                    .col(Logs::Source)
                    .col(Logs::Level)
                    .col(Logs::Timestamp)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Logs::Table).to_owned()).await
    }
}
