//! `servers`: machines registered by agents, keyed by `(project_id, server_id)`.

use sea_orm::entity::prelude::*;

/// One server. Instants are microseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "servers")]
pub(crate) struct Model {
    /// The integer id (unique); the key is the natural one below.
    pub id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub server_id: String,
    pub display_name: String,
    pub hostname: String,
    pub platform: String,
    pub arch: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
