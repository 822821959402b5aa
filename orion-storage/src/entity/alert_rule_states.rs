//! `alert_rule_states`: each rule's evaluation state, one row per rule.

use sea_orm::entity::prelude::*;

/// One rule's state. Instants are microseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rule_states")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub rule_id: i64,
    pub firing: bool,
    pub since: Option<i64>,
    pub last_notified_at: Option<i64>,
    pub last_value: Option<f64>,
    pub evaluated_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// The rule this is the state of (`list_enabled` joins it).
    #[sea_orm(
        belongs_to = "super::alert_rules::Entity",
        from = "Column::RuleId",
        to = "super::alert_rules::Column::Id"
    )]
    Rule,
}

impl ActiveModelBehavior for ActiveModel {}
