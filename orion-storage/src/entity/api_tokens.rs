//! `api_tokens`: hashed bearer values bound to a project; `hash` is unique.

use sea_orm::entity::prelude::*;

/// One token. `kind` and `permissions` hold the domain's storage names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub kind: String,
    pub hash: String,
    pub display_prefix: String,
    /// Space-separated permission names.
    pub permissions: String,
    pub source_id: Option<i64>,
    pub server_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
