//! `commands`: work queued for an agent; `id` is unique, `seq` keeps
//! insertion order.

use sea_orm::entity::prelude::*;

/// One command. `kind` and `status` hold the domain's wire names; instants
/// are microseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commands")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: i64,
    pub project_id: i64,
    pub server_id: String,
    pub kind: String,
    pub script_name: Option<String>,
    pub payload: Json,
    pub status: String,
    pub output: Option<String>,
    pub created_at: i64,
    pub acked_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
