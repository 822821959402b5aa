//! `alert_event_actions`: the commands a firing queued, with their outcome.

use sea_orm::entity::prelude::*;

/// One action of one firing, keyed by its command's id. `kind` and
/// `status` hold the domain's wire names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_event_actions")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub command_id: i64,
    pub event_id: i64,
    pub project_id: i64,
    pub position: i32,
    pub kind: String,
    pub server_id: String,
    pub script_name: String,
    pub status: String,
    pub output: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
