//! `log_blocks.run`: which sorted run a merged block belongs to.
//!
//! The merger rewrites blocks that overlap in time into *runs*: blocks
//! sorted by `(timestamp, id)` whose time ranges follow one another, so a
//! newest-first query visits one block per run before it can stop. A run
//! is named by the number of its first block; blocks as the writer made
//! them (and those converted from the row store) have no run (`NULL`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum LogBlocks {
    Table,
    Run,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LogBlocks::Table)
                    .add_column(big_integer_null(LogBlocks::Run))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(LogBlocks::Table).drop_column(LogBlocks::Run).to_owned())
            .await
    }
}
