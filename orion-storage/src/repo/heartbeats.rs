//! [`HeartbeatRepository`] over the `heartbeats` table (and the server's
//! `last_seen_at`, updated with each insert).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::{Heartbeat, HeartbeatAverages, Metrics, ProjectId, ScriptStatus, ServerId};
use orion_core::repo::HeartbeatRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::{from_bigint, instant, micros, micros_bound, parse_id, to_bigint};
use crate::entity::heartbeats::{self, Column, Entity};
use crate::entity::servers;
use crate::error::{CorruptRow, repo_err};

const TABLE: &str = "heartbeats";

/// Heartbeats stored through SeaORM.
#[derive(Debug)]
pub(crate) struct HeartbeatRepo(pub(crate) DatabaseConnection);

/// One element of the `scripts` JSON column. The storage's own shape, so
/// the stored JSON does not change when the domain type does.
#[derive(Serialize, Deserialize)]
struct StoredScript {
    name: String,
    state: String,
    pid: Option<u32>,
    restarts: u32,
    last_exit_code: Option<i32>,
}

impl From<&ScriptStatus> for StoredScript {
    fn from(s: &ScriptStatus) -> Self {
        Self {
            name: s.name.clone(),
            state: s.state.clone(),
            pid: s.pid,
            restarts: s.restarts,
            last_exit_code: s.last_exit_code,
        }
    }
}

impl From<StoredScript> for ScriptStatus {
    fn from(s: StoredScript) -> Self {
        Self {
            name: s.name,
            state: s.state,
            pid: s.pid,
            restarts: s.restarts,
            last_exit_code: s.last_exit_code,
        }
    }
}

/// The rows of `server_id` in `project`.
fn of_server(project: ProjectId, server_id: &ServerId) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::ProjectId.eq(project.get()))
        .add(Column::ServerId.eq(server_id.as_str()))
}

#[async_trait]
impl HeartbeatRepository for HeartbeatRepo {
    async fn insert(&self, heartbeat: &Heartbeat) -> RepoResult<()> {
        let row = to_row(heartbeat)?;
        // Touching the server first both proves it exists in this project
        // and, on PostgreSQL, locks its row until the heartbeat is in: the
        // two writes land together or not at all (dropping `txn` on an
        // early return rolls back).
        let txn = self.0.begin().await.map_err(repo_err)?;
        let touched = servers::Entity::update_many()
            .col_expr(servers::Column::LastSeenAt, Expr::value(Some(micros(heartbeat.received_at))))
            .filter(servers::Column::ProjectId.eq(heartbeat.project_id.get()))
            .filter(servers::Column::ServerId.eq(heartbeat.server_id.as_str()))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        if touched.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Entity::insert(row).exec_without_returning(&txn).await.map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)
    }

    async fn latest(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Option<Heartbeat>> {
        let row = Entity::find()
            .filter(of_server(project, server_id))
            .order_by_desc(Column::Timestamp)
            .order_by_desc(Column::Id)
            .one(&self.0)
            .await
            .map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn averages(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<Option<HeartbeatAverages>> {
        let row: Option<(Option<f64>, Option<f64>, Option<f64>, i64)> =
            averages_query(project, server, from, to).into_tuple().one(&self.0).await.map_err(repo_err)?;
        Ok(match row {
            Some((Some(cpu_percent), Some(ram_percent), Some(disk_percent), samples)) if samples > 0 => {
                Some(HeartbeatAverages {
                    cpu_percent,
                    ram_percent,
                    disk_percent,
                    samples: u64::try_from(samples).unwrap_or(0),
                })
            }
            _ => None,
        })
    }

    async fn list(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> RepoResult<Vec<Heartbeat>> {
        let mut query = Entity::find().filter(of_server(project, server_id));
        if let Some(from) = from {
            query = query.filter(Column::Timestamp.gte(micros_bound(from)));
        }
        if let Some(to) = to {
            query = query.filter(Column::Timestamp.lt(micros_bound(to)));
        }
        let rows = query
            .order_by_desc(Column::Timestamp)
            .order_by_desc(Column::Id)
            .limit(u64::from(limit))
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        // `project_id IN (projects)` covers every row (the foreign key) and
        // lets the (project_id, timestamp) index find expired rows.
        let expired = Condition::all()
            .add(Column::ProjectId.in_subquery(super::all_projects()))
            .add(Column::Timestamp.lt(micros_bound(cutoff)));
        super::delete_batch::<Entity>(&self.0, Column::Id, expired, batch).await
    }
}

/// `(avg cpu, avg ram %, avg disk %, count)` of the window's heartbeats.
fn averages_query(
    project: ProjectId,
    server: Option<&ServerId>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sea_orm::Select<Entity> {
    let query = Entity::find()
        .select_only()
        .column_as(Expr::cust("avg(cpu_percent)"), "cpu")
        .column_as(Expr::cust(avg_percent("ram_used_bytes", "ram_total_bytes")), "ram")
        .column_as(Expr::cust(avg_percent("disk_used_bytes", "disk_total_bytes")), "disk")
        .column_as(Expr::cust("count(*)"), "samples")
        .filter(Column::ProjectId.eq(project.get()))
        .filter(Column::Timestamp.gte(micros_bound(from)))
        .filter(Column::Timestamp.lt(micros_bound(to)));
    match server {
        Some(server) => query.filter(Column::ServerId.eq(server.as_str())),
        None => query,
    }
}

/// The SQL mean of each row's `used` as a percentage of `total`, a row
/// with an unknown (0) total counting as 0 — as `Metrics::ram_percent`
/// computes it, in double precision on both backends (PostgreSQL would
/// otherwise compute `bigint * 100.0` in exact `numeric`). The columns are
/// in the covering index, so the table itself is never read.
fn avg_percent(used: &str, total: &str) -> String {
    format!(
        "avg(CASE WHEN {total} = 0 THEN CAST(0 AS DOUBLE PRECISION) \
         ELSE CAST({used} AS DOUBLE PRECISION) * 100.0 / CAST({total} AS DOUBLE PRECISION) END)"
    )
}

fn to_row(h: &Heartbeat) -> RepoResult<heartbeats::ActiveModel> {
    let m = &h.metrics;
    let scripts: Vec<StoredScript> = h.scripts.iter().map(StoredScript::from).collect();
    let json = |what: &str, e: serde_json::Error| CorruptRow::in_table(TABLE, format!("{what}: {e}"));
    Ok(heartbeats::ActiveModel {
        id: NotSet,
        project_id: Set(h.project_id.get()),
        server_id: Set(h.server_id.as_str().to_owned()),
        timestamp: Set(micros(h.timestamp)),
        received_at: Set(micros(h.received_at)),
        cpu_percent: Set(m.cpu_percent),
        ram_used_bytes: Set(to_bigint(m.ram_used_bytes)),
        ram_total_bytes: Set(to_bigint(m.ram_total_bytes)),
        disk_used_bytes: Set(to_bigint(m.disk_used_bytes)),
        disk_total_bytes: Set(to_bigint(m.disk_total_bytes)),
        net_rx_bytes_per_sec: Set(m.net_rx_bytes_per_sec),
        net_tx_bytes_per_sec: Set(m.net_tx_bytes_per_sec),
        uptime_seconds: Set(to_bigint(m.uptime_seconds)),
        load_average: Set(m
            .load_average
            .map(|l| serde_json::to_value(l).map_err(|e| json("load average", e)))
            .transpose()?),
        scripts: Set(serde_json::to_value(scripts).map_err(|e| json("scripts", e))?),
    })
}

fn to_domain(row: heartbeats::Model) -> RepoResult<Heartbeat> {
    let id = row.id;
    let json = |what: &str, e: serde_json::Error| CorruptRow::in_table(TABLE, format!("{what} of {id}: {e}"));
    let bytes = |column: &str, value: i64| from_bigint(TABLE, column, value);
    let load_average = match row.load_average {
        None | Some(Json::Null) => None,
        Some(value) => Some(serde_json::from_value(value).map_err(|e| json("load average", e))?),
    };
    let scripts: Vec<StoredScript> = serde_json::from_value(row.scripts).map_err(|e| json("scripts", e))?;
    Ok(Heartbeat {
        project_id: parse_id(TABLE, row.project_id)?,
        server_id: ServerId::parse(&row.server_id).map_err(|e| CorruptRow::in_table(TABLE, e.message))?,
        timestamp: instant(TABLE, row.timestamp)?,
        received_at: instant(TABLE, row.received_at)?,
        metrics: Metrics {
            cpu_percent: row.cpu_percent,
            ram_used_bytes: bytes("ram_used_bytes", row.ram_used_bytes)?,
            ram_total_bytes: bytes("ram_total_bytes", row.ram_total_bytes)?,
            disk_used_bytes: bytes("disk_used_bytes", row.disk_used_bytes)?,
            disk_total_bytes: bytes("disk_total_bytes", row.disk_total_bytes)?,
            net_rx_bytes_per_sec: row.net_rx_bytes_per_sec,
            net_tx_bytes_per_sec: row.net_tx_bytes_per_sec,
            uptime_seconds: bytes("uptime_seconds", row.uptime_seconds)?,
            load_average,
        },
        scripts: scripts.into_iter().map(ScriptStatus::from).collect(),
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, QueryTrait};

    use super::*;

    #[tokio::test]
    async fn window_averages_never_read_the_table_on_sqlite() {
        let (from, to) =
            (DateTime::from_timestamp(1_000, 0).unwrap(), DateTime::from_timestamp(2_000, 0).unwrap());
        let project = ProjectId(7);
        let all = averages_query(project, None, from, to).build(DbBackend::Sqlite);
        let steps = super::super::sqlite_plan(all).await;
        assert!(
            steps.iter().any(|s| s.contains("USING COVERING INDEX ix_heartbeats_project_id_timestamp")),
            "{steps:?}"
        );
        // One server's window: either index, but never a full scan.
        let server = ServerId::parse("alpha").unwrap();
        let one = averages_query(project, Some(&server), from, to).build(DbBackend::Sqlite);
        let steps = super::super::sqlite_plan(one).await;
        assert!(steps.iter().all(|s| s.starts_with("SEARCH")), "{steps:?}");
    }
}
