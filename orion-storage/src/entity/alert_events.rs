//! `alert_events`: a project's alert history; `id` is unique, `seq` keeps
//! insertion order. `rule_id` has no foreign key: history outlives rules.

use sea_orm::entity::prelude::*;

/// One event. `kind` holds the domain's wire name, `deliveries` a JSON
/// array of outcomes; `at` is microseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_events")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: i64,
    pub project_id: i64,
    pub rule_id: i64,
    pub rule_name: String,
    pub condition: String,
    pub kind: String,
    pub value: f64,
    pub window_minutes: i64,
    pub at: i64,
    pub deliveries: Json,
    pub silenced: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
