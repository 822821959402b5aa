//! `login_failures`: one row per failed login, for throttling.

use sea_orm::entity::prelude::*;

/// One failed attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
