//! `incidents`: what agents reported going wrong, grouped; `id` is unique,
//! `seq` keeps insertion order.

use sea_orm::entity::prelude::*;

/// One incident. Instants are microseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "incidents")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: i64,
    pub project_id: i64,
    pub server_id: Option<String>,
    pub event: String,
    pub message: String,
    pub script_name: Option<String>,
    pub timestamp: i64,
    pub received_at: i64,
    pub status: String,
    pub count: i64,
    pub last_at: i64,
    pub resolved_at: Option<i64>,
    pub running_since: Option<i64>,
    pub context: Option<Json>,
    /// The group key while open, `NULL` once resolved (unique per project).
    pub open_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
