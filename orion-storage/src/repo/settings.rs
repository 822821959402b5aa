//! [`SettingsRepository`] over the `settings` table.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::repo::SettingsRepository;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection};

use crate::entity::settings::{self, Column, Entity};
use crate::error::{CorruptRow, repo_err};

/// Settings stored through SeaORM.
#[derive(Debug)]
pub(crate) struct SettingsRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl SettingsRepository for SettingsRepo {
    async fn get_or_insert(&self, key: &str, value: &str) -> RepoResult<String> {
        // INSERT .. ON CONFLICT DO NOTHING, then read: whichever instance
        // inserted first wins, and every caller reads that same value.
        let row = settings::ActiveModel { key: Set(key.to_owned()), value: Set(value.to_owned()) };
        Entity::insert(row)
            .on_conflict_do_nothing_on([Column::Key])
            .exec_without_returning(&self.0)
            .await
            .map_err(repo_err)?;
        let stored = Entity::find_by_id(key.to_owned()).one(&self.0).await.map_err(repo_err)?;
        stored.map(|row| row.value).ok_or_else(|| {
            CorruptRow::in_table("settings", format!("`{key}` vanished right after its insert"))
        })
    }
}
