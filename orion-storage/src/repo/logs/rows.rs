//! Log rows in and out: the multi-row `INSERT` and the decoding of a
//! selected row into a [`LogEntry`].
//!
//! Rows are written with raw multi-row statements rather than SeaORM
//! active models: one prepared statement per chunk of [`CHUNK_ROWS`] keeps
//! per-row work to binding nine values, which is what makes ingestion fast.

use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::log::{Level, LogEntry, NewLogEntry};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};
use serde_json::{Map, Value as Json};

use super::micros;
use super::sql::Sql;
use crate::error::{CorruptRow, repo_err};
use crate::repo::parse_id;

/// Rows per `INSERT`: 9 values each stays far below SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters, and every full chunk reuses one
/// cached prepared statement.
pub(super) const CHUNK_ROWS: usize = 1_000;

/// The selected columns, in the order [`decode`] reads them.
pub(super) const COLUMNS_SQLITE: &str = "l.id, l.project_id, l.timestamp, l.received_at, l.level, l.message, \
     l.metadata, l.tags, l.source, l.server_id";
/// The same for PostgreSQL, where the jsonb columns are read as text.
pub(super) const COLUMNS_POSTGRES: &str = "l.id, l.project_id, l.timestamp, l.received_at, l.level, l.message, \
     l.metadata::text, l.tags::text, l.source, l.server_id";

/// Inserts `entries` (all of them, in chunks) on `db`, which should be a
/// transaction, and returns their ids, in input order.
pub(super) async fn insert<C: ConnectionTrait>(db: &C, entries: &[&NewLogEntry]) -> RepoResult<Vec<i64>> {
    let backend = db.get_database_backend();
    let mut all_ids = Vec::with_capacity(entries.len());
    for chunk in entries.chunks(CHUNK_ROWS) {
        let rows = db.query_all_raw(insert_statement(backend, chunk).build()).await.map_err(repo_err)?;
        let mut ids: Vec<i64> =
            rows.iter().map(|r| r.try_get_by_index(0)).collect::<Result<_, _>>().map_err(repo_err)?;
        if ids.len() != chunk.len() {
            return Err(CorruptRow::in_table("logs", "INSERT returned a different number of ids"));
        }
        // RETURNING order is not promised, but ids are handed out in VALUES
        // order within one statement: sorted, they line up with the input.
        ids.sort_unstable();
        all_ids.append(&mut ids);
    }
    Ok(all_ids)
}

fn insert_statement(backend: DbBackend, chunk: &[&NewLogEntry]) -> Sql {
    let (before, after) = if backend == DbBackend::Postgres { ("CAST(", " AS jsonb)") } else { ("", "") };
    let mut sql = Sql::new(backend);
    sql.push(
        "INSERT INTO logs (project_id, timestamp, received_at, level, message, metadata, tags, source, server_id) \
         VALUES ",
    );
    for (i, e) in chunk.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.bind(e.project_id.get()).push(", ");
        sql.bind(micros(e.timestamp)).push(", ");
        sql.bind(micros(e.received_at)).push(", ");
        sql.bind(e.level.rank()).push(", ");
        sql.bind(e.message.clone()).push(", ");
        sql.push(before).bind(json_text(&e.metadata)).push(after).push(", ");
        sql.push(before).bind(json_text(&e.tags)).push(after).push(", ");
        sql.bind(Value::String(e.source.clone())).push(", ");
        sql.bind(Value::String(e.server_id.clone())).push(")");
    }
    sql.push(" RETURNING id");
    sql
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    // Maps of JSON values and lists of strings always serialise.
    serde_json::to_string(value).unwrap_or_default()
}

/// A selected row (columns as in [`COLUMNS_SQLITE`]) as a domain entry.
pub(super) fn decode(row: &QueryResult) -> RepoResult<LogEntry> {
    let bad = |what: String| CorruptRow::in_table("logs", what);
    let id: i64 = row.try_get_by_index(0).map_err(repo_err)?;
    let project: i64 = row.try_get_by_index(1).map_err(repo_err)?;
    let rank: i16 = row.try_get_by_index(4).map_err(repo_err)?;
    let metadata: String = row.try_get_by_index(6).map_err(repo_err)?;
    let tags: String = row.try_get_by_index(7).map_err(repo_err)?;
    let metadata: Map<String, Json> =
        serde_json::from_str(&metadata).map_err(|e| bad(format!("metadata of log {id}: {e}")))?;
    Ok(LogEntry {
        id,
        entry: NewLogEntry {
            project_id: parse_id("logs", project)?,
            timestamp: instant(id, row.try_get_by_index(2).map_err(repo_err)?)?,
            received_at: instant(id, row.try_get_by_index(3).map_err(repo_err)?)?,
            level: Level::from_rank(rank).ok_or_else(|| bad(format!("level {rank} of log {id}")))?,
            message: row.try_get_by_index(5).map_err(repo_err)?,
            metadata,
            tags: serde_json::from_str(&tags).map_err(|e| bad(format!("tags of log {id}: {e}")))?,
            source: row.try_get_by_index(8).map_err(repo_err)?,
            server_id: row.try_get_by_index(9).map_err(repo_err)?,
        },
    })
}

fn instant(id: i64, micros: i64) -> RepoResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| CorruptRow::in_table("logs", format!("timestamp {micros} of log {id}")))
}
