//! `orion migrate`: bring the database schema up to date and exit.

use crate::settings::{MigrateSettings, redacted_url};

/// Applies pending migrations.
pub async fn run(settings: MigrateSettings) -> anyhow::Result<()> {
    let url = settings.database_url.expose();
    orion_storage::migrate(url).await?;
    tracing::info!(database = %redacted_url(url), "database schema is up to date");
    Ok(())
}
