//! Schema migrations, one file per step named `mYYYYMMDD_NNNNNN_purpose.rs`.
//!
//! Rules: written in backend-neutral SeaQuery; foreign keys are declared in
//! `CREATE TABLE` (SQLite cannot add them later); one change per `ALTER` on
//! SQLite; a released migration is never edited — add a new step instead.
//! Unique indexes are named `ux_<table>_<columns>` because conflict errors
//! report that name (see `crate::error`). Helpers the steps share live in
//! `schema`, frozen with them.

use sea_orm_migration::prelude::*;

mod m20261127_000001_create_accounts;
mod m20261127_000002_create_projects;
mod m20261127_000003_create_logs;
mod m20261127_000004_create_agents;
mod m20261127_000005_create_alerts;
mod m20261127_000006_index_logs_by_source;
mod m20261127_000007_create_ingest_keys;
mod m20261201_000008_log_blocks;
mod m20261202_000009_incidents_lifecycle;
mod m20261202_000010_saved_searches;
mod m20261202_000011_alert_rule_filters;
mod m20261202_000012_alert_silences;
mod m20261202_000013_alert_actions;
mod m20261202_000014_log_block_runs;
mod schema;

/// Every migration, oldest first.
#[derive(Debug)]
pub(crate) struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_accounts::Migration),
            Box::new(m20261127_000002_create_projects::Migration),
            Box::new(m20261127_000003_create_logs::Migration),
            Box::new(m20261127_000004_create_agents::Migration),
            Box::new(m20261127_000005_create_alerts::Migration),
            Box::new(m20261127_000006_index_logs_by_source::Migration),
            Box::new(m20261127_000007_create_ingest_keys::Migration),
            Box::new(m20261201_000008_log_blocks::Migration),
            Box::new(m20261202_000009_incidents_lifecycle::Migration),
            Box::new(m20261202_000010_saved_searches::Migration),
            Box::new(m20261202_000011_alert_rule_filters::Migration),
            Box::new(m20261202_000012_alert_silences::Migration),
            Box::new(m20261202_000013_alert_actions::Migration),
            Box::new(m20261202_000014_log_block_runs::Migration),
        ]
    }
}
