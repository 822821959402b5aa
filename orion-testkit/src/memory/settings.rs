//! [`SettingsRepository`] in memory.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::repo::SettingsRepository;

use super::Db;

pub(super) struct Settings(pub(super) Db);

#[async_trait]
impl SettingsRepository for Settings {
    async fn get_or_insert(&self, key: &str, value: &str) -> RepoResult<String> {
        let mut store = self.0.lock();
        Ok(store.settings.entry(key.to_owned()).or_insert_with(|| value.to_owned()).clone())
    }
}
