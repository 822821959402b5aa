//! `heartbeats`: one row per heartbeat, figures as real columns so alert
//! rules can average them in SQL.

use sea_orm::entity::prelude::*;

/// One heartbeat. Instants are microseconds since the Unix epoch; byte
/// counts and uptime are `BIGINT`s; `scripts` is a JSON array.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "heartbeats")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub server_id: String,
    pub timestamp: i64,
    pub received_at: i64,
    pub uptime_seconds: Option<f64>,
    pub cpu_percent: Option<f64>,
    pub cpu_cores: Option<i32>,
    pub ram_used_mb: Option<f64>,
    pub ram_total_mb: Option<f64>,
    pub ram_percent: Option<f64>,
    pub disk_used_gb: Option<f64>,
    pub disk_total_gb: Option<f64>,
    pub disk_percent: Option<f64>,
    pub net_rx_bytes_per_sec: Option<f64>,
    pub net_tx_bytes_per_sec: Option<f64>,
    pub load_average: Option<Json>,
    pub scripts: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
