//! Alert rule filters: `alert_rules` gains `filter`, the rule's `q=` query
//! string as given (`NULL`: no filter). It narrows every log metric of the
//! rule; rules stored before this step have none.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum AlertRules {
    Table,
    Filter,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(AlertRules::Table).add_column(text_null(AlertRules::Filter)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(AlertRules::Table).drop_column(AlertRules::Filter).to_owned())
            .await
    }
}
