//! `incident_occurrences`: one row per report grouped into an incident,
//! for `crash_count`.

use sea_orm::entity::prelude::*;

/// One report. `at` is microseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_occurrences")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub incident_id: i64,
    pub project_id: i64,
    pub server_id: Option<String>,
    pub at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
