//! [`HeartbeatRepository`] over the `heartbeats` table (and the server's
//! `last_seen_at`, updated with each insert).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::{
    Heartbeat, HeartbeatAverages, HeartbeatBucket, Metrics, ProjectId, ScriptState, ScriptStatus, ServerId,
    Usage, Window,
};
use orion_core::repo::HeartbeatRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::{instant, micros, micros_bound, parse_id};
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
    restarts: Option<u32>,
    last_exit_code: Option<i32>,
    uptime_seconds: Option<f64>,
}

impl From<&ScriptStatus> for StoredScript {
    fn from(s: &ScriptStatus) -> Self {
        Self {
            name: s.name.clone(),
            state: s.state.as_str().to_owned(),
            pid: s.pid,
            restarts: s.restarts,
            last_exit_code: s.last_exit_code,
            uptime_seconds: s.uptime_seconds,
        }
    }
}

impl StoredScript {
    fn into_domain(self, id: i64) -> RepoResult<ScriptStatus> {
        let state = ScriptState::parse(&self.state)
            .ok_or_else(|| CorruptRow::in_table(TABLE, format!("script state `{}` of {id}", self.state)))?;
        Ok(ScriptStatus {
            name: self.name,
            state,
            pid: self.pid,
            restarts: self.restarts,
            last_exit_code: self.last_exit_code,
            uptime_seconds: self.uptime_seconds,
        })
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
        let row = Entity::insert(row).exec(&txn).await.map_err(repo_err)?.last_insert_id;
        let pointer = crate::live::Pointer::Heartbeat { project: heartbeat.project_id.get(), row };
        crate::live::announce(&txn, &[pointer]).await?;
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
            Some((cpu_percent, ram_percent, disk_percent, samples)) if samples > 0 => {
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

    async fn buckets(
        &self,
        project: ProjectId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step: chrono::Duration,
    ) -> RepoResult<Vec<HeartbeatBucket>> {
        let step_us = Ord::max(step.num_microseconds().unwrap_or(i64::MAX), 1);
        // Offsets from a step boundary at or before `from`: never
        // negative, so SQL's truncating division is a floor on both backends.
        let origin = micros_bound(from).div_euclid(step_us) * step_us;
        type Row = (String, i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>, Option<f64>, i64);
        let rows: Vec<Row> = buckets_query(project, from, to, origin, step_us)
            .into_tuple()
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter()
            .map(|(server, bucket, cpu, ram, disk, rx, tx, samples)| {
                let start = bucket
                    .checked_mul(step_us)
                    .and_then(|offset| origin.checked_add(offset))
                    .ok_or_else(|| CorruptRow::in_table(TABLE, format!("step {bucket} out of range")))?;
                Ok(HeartbeatBucket {
                    server_id: ServerId::parse(&server)
                        .map_err(|e| CorruptRow::in_table(TABLE, e.message))?,
                    start: instant(TABLE, start)?,
                    cpu_percent: cpu,
                    ram_percent: ram,
                    disk_percent: disk,
                    net_rx_bytes_per_sec: rx,
                    net_tx_bytes_per_sec: tx,
                    samples: u64::try_from(samples).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn list(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        window: Window,
    ) -> RepoResult<Vec<Heartbeat>> {
        let mut query = Entity::find().filter(of_server(project, server_id));
        if let Some(from) = window.from() {
            query = query.filter(Column::Timestamp.gte(micros_bound(from)));
        }
        if let Some(to) = window.to() {
            query = query.filter(Column::Timestamp.lt(micros_bound(to)));
        }
        let rows = query
            .order_by_desc(Column::Timestamp)
            .order_by_desc(Column::Id)
            .limit(u64::from(window.limit()))
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
        .column_as(Expr::cust(avg_percent("ram_percent", "ram_used_mb", "ram_total_mb")), "ram")
        .column_as(Expr::cust(avg_percent("disk_percent", "disk_used_gb", "disk_total_gb")), "disk")
        .column_as(Expr::cust("count(*)"), "samples")
        .filter(Column::ProjectId.eq(project.get()))
        .filter(Column::Timestamp.gte(micros_bound(from)))
        .filter(Column::Timestamp.lt(micros_bound(to)));
    match server {
        Some(server) => query.filter(Column::ServerId.eq(server.as_str())),
        None => query,
    }
}

/// `(server, step, avg cpu, avg ram %, avg disk %, avg rx, avg tx, count)`
/// per server and step of `step_us` microseconds counted from `origin`.
fn buckets_query(
    project: ProjectId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    origin: i64,
    step_us: i64,
) -> sea_orm::Select<Entity> {
    let step = Expr::col(Column::Timestamp).sub(origin).div(step_us);
    Entity::find()
        .select_only()
        .column(Column::ServerId)
        .column_as(step, "step")
        .column_as(Expr::cust("avg(cpu_percent)"), "cpu")
        .column_as(Expr::cust(avg_percent("ram_percent", "ram_used_mb", "ram_total_mb")), "ram")
        .column_as(Expr::cust(avg_percent("disk_percent", "disk_used_gb", "disk_total_gb")), "disk")
        .column_as(Expr::cust("avg(net_rx_bytes_per_sec)"), "rx")
        .column_as(Expr::cust("avg(net_tx_bytes_per_sec)"), "tx")
        .column_as(Expr::cust("count(*)"), "samples")
        .filter(Column::ProjectId.eq(project.get()))
        .filter(Column::Timestamp.gte(micros_bound(from)))
        .filter(Column::Timestamp.lt(micros_bound(to)))
        // By the alias: repeating the expression would bind its values
        // again, and PostgreSQL cannot tell the two copies are one.
        .group_by(Column::ServerId)
        .group_by(Expr::cust("step"))
        .order_by_asc(Column::ServerId)
        .order_by_asc(Expr::cust("step"))
}

/// The SQL mean of each row's effective percent, exactly as
/// `Usage::effective_percent` computes it: the percent as sent, else `used`
/// as a percentage of a positive `total` (capped at 100), else NULL (which `avg` skips, so
/// a window where no heartbeat carried the figure averages to NULL). The
/// columns are in the covering index, so the table itself is never read.
fn avg_percent(percent: &str, used: &str, total: &str) -> String {
    format!(
        "avg(CASE WHEN {percent} IS NOT NULL THEN {percent} \
         WHEN {used} > {total} AND {total} > 0 THEN 100.0 \
         WHEN {used} IS NOT NULL AND {total} > 0 THEN {used} * 100.0 / {total} END)"
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
        uptime_seconds: Set(m.uptime_seconds),
        cpu_percent: Set(m.cpu_percent),
        cpu_cores: Set(m.cpu_cores.map(|c| i32::try_from(c).unwrap_or(i32::MAX))),
        ram_used_mb: Set(m.ram.used),
        ram_total_mb: Set(m.ram.total),
        ram_percent: Set(m.ram.percent),
        disk_used_gb: Set(m.disk.used),
        disk_total_gb: Set(m.disk.total),
        disk_percent: Set(m.disk.percent),
        net_rx_bytes_per_sec: Set(m.net_rx_bytes_per_sec),
        net_tx_bytes_per_sec: Set(m.net_tx_bytes_per_sec),
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
            uptime_seconds: row.uptime_seconds,
            cpu_percent: row.cpu_percent,
            cpu_cores: row
                .cpu_cores
                .map(|c| {
                    u32::try_from(c)
                        .map_err(|_| CorruptRow::in_table(TABLE, format!("cpu cores {c} of {id}")))
                })
                .transpose()?,
            ram: Usage { used: row.ram_used_mb, total: row.ram_total_mb, percent: row.ram_percent },
            disk: Usage { used: row.disk_used_gb, total: row.disk_total_gb, percent: row.disk_percent },
            net_rx_bytes_per_sec: row.net_rx_bytes_per_sec,
            net_tx_bytes_per_sec: row.net_tx_bytes_per_sec,
            load_average,
        },
        scripts: scripts.into_iter().map(|s| s.into_domain(id)).collect::<RepoResult<_>>()?,
    })
}

/// The heartbeat stored in row `row`, if it is still there (live events
/// read back on another instance).
pub(crate) async fn by_row(db: &DatabaseConnection, row: i64) -> RepoResult<Option<Heartbeat>> {
    Entity::find_by_id(row).one(db).await.map_err(repo_err)?.map(to_domain).transpose()
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
