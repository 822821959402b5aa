//! [`IncidentRepository`] over `incidents` and `incident_occurrences`.
//!
//! Grouping is decided by the database: a report first tries `UPDATE …
//! WHERE project_id = ? AND open_key = ?` (the open incident of its key);
//! when that touches nothing it inserts a new incident carrying the key,
//! and the unique index on `(project_id, open_key)` refuses the second of
//! two racing inserts, whose transaction then starts over and finds the
//! winner's row with its `UPDATE`. Resolving sets `open_key` to `NULL`, so
//! the next report of the key opens a new incident.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::{ConflictKey, RepoResult, RepositoryError};
use orion_core::model::{
    ContextLine, ContextMetrics, CrashContext, Incident, IncidentChange, IncidentId, IncidentStatus, Metrics,
    OutputStream, ProjectId, ServerId, Usage, Window,
};
use orion_core::repo::IncidentRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, PaginatorTrait,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::{instant, micros, micros_bound, parse_id};
use crate::entity::incident_occurrences as occurrences;
use crate::entity::incidents::{self, Column, Entity};
use crate::error::{CorruptRow, parent_err, repo_err};

const TABLE: &str = "incidents";
/// Attempts of a report that keeps losing the race for a new key (each
/// loss means another report just opened it, so the next try updates).
const ATTEMPTS: usize = 3;

/// Incidents stored through SeaORM.
#[derive(Debug)]
pub(crate) struct IncidentRepo(pub(crate) DatabaseConnection);

/// The `context` column: the storage's own shape, so the stored JSON does
/// not change when the domain type does.
#[derive(Serialize, Deserialize)]
struct StoredContext {
    lines: Vec<StoredLine>,
    metrics: Option<StoredMetrics>,
    exit_code: Option<i32>,
    signal: Option<i32>,
    restarts: Option<u32>,
}

#[derive(Serialize, Deserialize)]
struct StoredLine {
    at: i64,
    stream: String,
    line: String,
}

#[derive(Serialize, Deserialize)]
struct StoredMetrics {
    at: Option<i64>,
    uptime: Option<f64>,
    cpu_percent: Option<f64>,
    cpu_cores: Option<u32>,
    ram: [Option<f64>; 3],
    disk: [Option<f64>; 3],
    rx: Option<f64>,
    tx: Option<f64>,
    load: Option<[f64; 3]>,
}

fn context_json(context: &CrashContext) -> RepoResult<Json> {
    let usage = |u: &Usage| [u.used, u.total, u.percent];
    let stored = StoredContext {
        lines: context
            .lines
            .iter()
            .map(|l| StoredLine {
                at: micros(l.timestamp),
                stream: l.stream.as_str().to_owned(),
                line: l.line.clone(),
            })
            .collect(),
        metrics: context.metrics.as_ref().map(|m| StoredMetrics {
            at: m.timestamp.map(micros),
            uptime: m.metrics.uptime_seconds,
            cpu_percent: m.metrics.cpu_percent,
            cpu_cores: m.metrics.cpu_cores,
            ram: usage(&m.metrics.ram),
            disk: usage(&m.metrics.disk),
            rx: m.metrics.net_rx_bytes_per_sec,
            tx: m.metrics.net_tx_bytes_per_sec,
            load: m.metrics.load_average,
        }),
        exit_code: context.exit_code,
        signal: context.signal,
        restarts: context.restarts,
    };
    serde_json::to_value(stored).map_err(|e| CorruptRow::in_table(TABLE, format!("context: {e}")))
}

fn context_domain(json: Json) -> RepoResult<CrashContext> {
    let bad = |what: String| CorruptRow::in_table(TABLE, what);
    let stored: StoredContext = serde_json::from_value(json).map_err(|e| bad(format!("context ({e})")))?;
    let usage = |u: [Option<f64>; 3]| Usage { used: u[0], total: u[1], percent: u[2] };
    let mut lines = Vec::with_capacity(stored.lines.len());
    for l in stored.lines {
        let stream = OutputStream::parse(&l.stream).ok_or_else(|| bad(format!("stream `{}`", l.stream)))?;
        lines.push(ContextLine { timestamp: instant(TABLE, l.at)?, stream, line: l.line });
    }
    let metrics = match stored.metrics {
        None => None,
        Some(m) => Some(ContextMetrics {
            timestamp: m.at.map(|at| instant(TABLE, at)).transpose()?,
            metrics: Metrics {
                uptime_seconds: m.uptime,
                cpu_percent: m.cpu_percent,
                cpu_cores: m.cpu_cores,
                ram: usage(m.ram),
                disk: usage(m.disk),
                net_rx_bytes_per_sec: m.rx,
                net_tx_bytes_per_sec: m.tx,
                load_average: m.load,
            },
        }),
    };
    Ok(CrashContext {
        lines,
        metrics,
        exit_code: stored.exit_code,
        signal: stored.signal,
        restarts: stored.restarts,
    })
}

impl IncidentRepo {
    /// One attempt at [`IncidentRepository::record`]: `Conflict` when a
    /// racing report opened the key first (the transaction is dropped,
    /// so rolled back).
    async fn record_once(&self, report: &Incident) -> RepoResult<(Incident, bool)> {
        let key = report.group_key();
        let context = report.context.as_ref().map(context_json).transpose()?;
        let txn = self.0.begin().await.map_err(repo_err)?;
        let of_key = Condition::all()
            .add(Column::ProjectId.eq(report.project_id.get()))
            .add(Column::OpenKey.eq(key.as_str()));
        let updated = Entity::update_many()
            .col_expr(Column::Count, Expr::col(Column::Count).add(1))
            .col_expr(Column::LastAt, Expr::value(micros(report.last_at)))
            .col_expr(Column::Message, Expr::value(report.message.clone()))
            .col_expr(Column::Context, Expr::value(context.clone()))
            .col_expr(Column::RunningSince, Expr::value(Option::<i64>::None))
            .filter(of_key.clone())
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        let opened = updated.rows_affected == 0;
        if opened {
            let row = incidents::ActiveModel {
                seq: NotSet,
                id: Set(report.id.get()),
                project_id: Set(report.project_id.get()),
                server_id: Set(report.server_id.as_ref().map(|s| s.as_str().to_owned())),
                event: Set(report.event.clone()),
                message: Set(report.message.clone()),
                script_name: Set(report.script_name.clone()),
                timestamp: Set(micros(report.timestamp)),
                received_at: Set(micros(report.received_at)),
                status: Set(IncidentStatus::Open.as_str().to_owned()),
                count: Set(1),
                last_at: Set(micros(report.last_at)),
                resolved_at: Set(None),
                running_since: Set(None),
                context: Set(context),
                open_key: Set(Some(key.clone())),
            };
            // An unknown project is `NotFound`; a key opened meanwhile is
            // `Conflict` (the caller tries again).
            Entity::insert(row).exec_without_returning(&txn).await.map_err(parent_err)?;
        }
        let row = Entity::find()
            .filter(of_key)
            .one(&txn)
            .await
            .map_err(repo_err)?
            .ok_or(RepositoryError::NotFound)?;
        let incident = to_domain(row)?;
        occurrences::Entity::insert(occurrences::ActiveModel {
            seq: NotSet,
            incident_id: Set(incident.id.get()),
            project_id: Set(incident.project_id.get()),
            server_id: Set(incident.server_id.as_ref().map(|s| s.as_str().to_owned())),
            at: Set(micros(report.last_at)),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(repo_err)?;
        let change = if opened { IncidentChange::Opened } else { IncidentChange::Repeated };
        announce(&txn, &incident, change).await?;
        txn.commit().await.map_err(repo_err)?;
        Ok((incident, opened))
    }
}

async fn announce(txn: &DatabaseTransaction, incident: &Incident, change: IncidentChange) -> RepoResult<()> {
    let pointer = crate::live::Pointer::Incident {
        project: incident.project_id.get(),
        id: incident.id.get(),
        change: change.into(),
    };
    crate::live::announce(txn, &[pointer]).await
}

/// The incident `id` of `project`.
fn of_project(project: ProjectId, id: IncidentId) -> Condition {
    Condition::all().add(Column::ProjectId.eq(project.get())).add(Column::Id.eq(id.get()))
}

#[async_trait]
impl IncidentRepository for IncidentRepo {
    async fn record(&self, report: &Incident) -> RepoResult<(Incident, bool)> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.record_once(report).await {
                Err(RepositoryError::Conflict(ConflictKey::OpenKey)) if attempt < ATTEMPTS => {}
                other => return other,
            }
        }
    }

    async fn find(&self, project: ProjectId, id: IncidentId) -> RepoResult<Option<Incident>> {
        let row = Entity::find().filter(of_project(project, id)).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn open_of_server(&self, project: ProjectId, server: &ServerId) -> RepoResult<Vec<Incident>> {
        let rows = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .filter(Column::Status.eq(IncidentStatus::Open.as_str()))
            .filter(Column::ServerId.eq(server.as_str()))
            .order_by_asc(Column::Seq)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn set_running_since(
        &self,
        project: ProjectId,
        id: IncidentId,
        since: Option<DateTime<Utc>>,
    ) -> RepoResult<()> {
        Entity::update_many()
            .col_expr(Column::RunningSince, Expr::value(since.map(micros)))
            .filter(of_project(project, id))
            .filter(Column::Status.eq(IncidentStatus::Open.as_str()))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        Ok(())
    }

    async fn resolve(
        &self,
        project: ProjectId,
        id: IncidentId,
        at: DateTime<Utc>,
    ) -> RepoResult<(Incident, bool)> {
        let txn = self.0.begin().await.map_err(repo_err)?;
        // Conditional: of two racing resolutions, one changes the row.
        let done = Entity::update_many()
            .col_expr(Column::Status, Expr::value(IncidentStatus::Resolved.as_str()))
            .col_expr(Column::ResolvedAt, Expr::value(Some(micros(at))))
            .col_expr(Column::RunningSince, Expr::value(Option::<i64>::None))
            .col_expr(Column::OpenKey, Expr::value(Option::<String>::None))
            .filter(of_project(project, id))
            .filter(Column::Status.eq(IncidentStatus::Open.as_str()))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        let row = Entity::find()
            .filter(of_project(project, id))
            .one(&txn)
            .await
            .map_err(repo_err)?
            .ok_or(RepositoryError::NotFound)?;
        let incident = to_domain(row)?;
        let changed = done.rows_affected == 1;
        if changed {
            announce(&txn, &incident, IncidentChange::Resolved).await?;
        }
        txn.commit().await.map_err(repo_err)?;
        Ok((incident, changed))
    }

    async fn count(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<u64> {
        // The (project_id, at) index bounds the scan; a server is checked
        // on the rows in range (reports are few).
        let mut query = occurrences::Entity::find()
            .filter(occurrences::Column::ProjectId.eq(project.get()))
            .filter(occurrences::Column::At.gte(micros_bound(from)))
            .filter(occurrences::Column::At.lt(micros_bound(to)));
        if let Some(server) = server {
            query = query.filter(occurrences::Column::ServerId.eq(server.as_str()));
        }
        query.count(&self.0).await.map_err(repo_err)
    }

    async fn list(
        &self,
        project: ProjectId,
        status: Option<IncidentStatus>,
        window: Window,
    ) -> RepoResult<Vec<Incident>> {
        let mut query = Entity::find().filter(Column::ProjectId.eq(project.get()));
        if let Some(status) = status {
            query = query.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(from) = window.from() {
            query = query.filter(Column::LastAt.gte(micros_bound(from)));
        }
        if let Some(to) = window.to() {
            query = query.filter(Column::LastAt.lt(micros_bound(to)));
        }
        let rows = query
            .order_by_desc(Column::LastAt)
            .order_by_desc(Column::Seq)
            .limit(u64::from(window.limit()))
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        // As for logs: `project_id IN (projects)` lets the
        // (project_id, last_at) index find expired rows. Occurrences go
        // with their incident (foreign key, and explicitly below in case
        // a backend runs without foreign keys).
        let expired = Condition::all()
            .add(Column::ProjectId.in_subquery(super::all_projects()))
            .add(Column::LastAt.lt(micros_bound(cutoff)));
        let picked: Vec<i64> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(expired)
            .limit(u64::from(batch))
            .into_tuple()
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        if picked.is_empty() {
            return Ok(0);
        }
        let txn = self.0.begin().await.map_err(repo_err)?;
        occurrences::Entity::delete_many()
            .filter(occurrences::Column::IncidentId.is_in(picked.clone()))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        let done =
            Entity::delete_many().filter(Column::Id.is_in(picked)).exec(&txn).await.map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok(done.rows_affected)
    }
}

fn to_domain(row: incidents::Model) -> RepoResult<Incident> {
    let bad = |what: String| CorruptRow::in_table(TABLE, what);
    let at = |micros: Option<i64>| micros.map(|m| instant(TABLE, m)).transpose();
    Ok(Incident {
        id: parse_id(TABLE, row.id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        server_id: row.server_id.as_deref().map(ServerId::parse).transpose().map_err(|e| bad(e.message))?,
        event: row.event,
        message: row.message,
        script_name: row.script_name,
        timestamp: instant(TABLE, row.timestamp)?,
        received_at: instant(TABLE, row.received_at)?,
        status: IncidentStatus::parse(&row.status).ok_or_else(|| bad(format!("status `{}`", row.status)))?,
        count: u64::try_from(row.count).map_err(|_| bad(format!("count {}", row.count)))?,
        last_at: instant(TABLE, row.last_at)?,
        resolved_at: at(row.resolved_at)?,
        running_since: at(row.running_since)?,
        context: row.context.map(context_domain).transpose()?,
    })
}

/// The incident with this id, if it is still there (live events read back
/// on another instance).
pub(crate) async fn by_id(db: &DatabaseConnection, id: i64) -> RepoResult<Option<Incident>> {
    Entity::find().filter(Column::Id.eq(id)).one(db).await.map_err(repo_err)?.map(to_domain).transpose()
}
