//! `ingest_keys`: the idempotency keys of log batches (the
//! `Idempotency-Key` header of `POST /api/agent/log`). A key row is
//! inserted in the same transaction as the batch's entries, so a committed
//! batch and its key are inseparable: a resend of a batch whose answer was
//! lost finds the key and stores nothing.
//!
//! The primary key `(project_id, key)` is the uniqueness rule; `accepted`
//! is what the first request answered; `created_at` (microseconds since
//! the Unix epoch, like `logs.timestamp`) bounds the 24 h window and is
//! indexed for the purge of expired keys. Keys go with their project.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum IngestKeys {
    Table,
    ProjectId,
    Key,
    Accepted,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

const CREATED_AT_INDEX: &str = "ix_ingest_keys_created_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IngestKeys::Table)
                    .col(big_integer(IngestKeys::ProjectId))
                    .col(string(IngestKeys::Key))
                    .col(big_integer(IngestKeys::Accepted))
                    .col(big_integer(IngestKeys::CreatedAt))
                    .primary_key(Index::create().col(IngestKeys::ProjectId).col(IngestKeys::Key))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ingest_keys_project_id")
                            .from(IngestKeys::Table, IngestKeys::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CREATED_AT_INDEX)
                    .table(IngestKeys::Table)
                    .col(IngestKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IngestKeys::Table).to_owned()).await
    }
}
