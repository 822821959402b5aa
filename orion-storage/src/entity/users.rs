//! `users`: accounts with their password hash and TOTP state.

use sea_orm::entity::prelude::*;

/// One user row. `pseudo_key` is the lower-cased pseudo, unique, so pseudos
/// collide case-insensitively on every backend.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub pseudo: String,
    pub pseudo_key: String,
    pub email: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    /// JSON array of SHA-256 hex strings.
    pub recovery_code_hashes: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
