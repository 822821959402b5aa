//! `alert_rules`: a project's alert rules; `id` is unique, `seq` keeps
//! insertion order.

use sea_orm::entity::prelude::*;

/// One rule. `condition` is its text (parsed on read), `channels` a JSON
/// array of wire forms; instants are microseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rules")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub condition: String,
    pub window_minutes: i64,
    pub channels: Json,
    pub enabled: bool,
    pub source: Option<String>,
    pub filter: Option<String>,
    pub server_id: Option<String>,
    pub repeat_minutes: i64,
    pub actions: Option<Json>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
