//! The block engine replaces the row store: `log_blocks` (one row per
//! block: summary columns first, then the filter, head and metadata BLOBs,
//! `bytea` on PostgreSQL) and `log_frames` (the message frames, one row
//! each). Existing rows of `logs` are converted — packed per project in id
//! order into blocks of 1,024, keeping their ids — and then the row store
//! goes with its FTS and tag tables, its triggers and its indexes.
//!
//! New blocks are numbered from the `log_blocks` sequence in
//! `id_sequences`, started past every converted id (`id >> 16`), so ids
//! issued after the conversion are larger than every kept one.

use orion_core::model::log::{Level, LogEntry, NewLogEntry};
use orion_core::model::{ProjectId, ServerId, SourceName};
use sea_orm::{DbBackend, Statement, Value};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum LogBlocks {
    Table,
    Id,
    ProjectId,
    MinTs,
    MaxTs,
    MinId,
    MaxId,
    EntryCount,
    TraceCount,
    DebugCount,
    InfoCount,
    WarnCount,
    ErrorCount,
    FatalCount,
    Source,
    Flags,
    FrameCount,
    MessageBytes,
    Filter,
    Head,
    Metadata,
}

#[derive(DeriveIden)]
enum LogFrames {
    Table,
    BlockId,
    FrameNo,
    Data,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

/// Rows converted per read, and entries per converted block.
const CHUNK: u64 = 1_024;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LogBlocks::Table)
                    .col(big_integer(LogBlocks::Id).primary_key())
                    .col(big_integer(LogBlocks::ProjectId))
                    .col(big_integer(LogBlocks::MinTs))
                    .col(big_integer(LogBlocks::MaxTs))
                    .col(big_integer(LogBlocks::MinId))
                    .col(big_integer(LogBlocks::MaxId))
                    .col(big_integer(LogBlocks::EntryCount))
                    .col(big_integer(LogBlocks::TraceCount))
                    .col(big_integer(LogBlocks::DebugCount))
                    .col(big_integer(LogBlocks::InfoCount))
                    .col(big_integer(LogBlocks::WarnCount))
                    .col(big_integer(LogBlocks::ErrorCount))
                    .col(big_integer(LogBlocks::FatalCount))
                    .col(text_null(LogBlocks::Source))
                    .col(big_integer(LogBlocks::Flags))
                    .col(big_integer(LogBlocks::FrameCount))
                    .col(big_integer(LogBlocks::MessageBytes))
                    .col(blob(LogBlocks::Filter))
                    .col(blob(LogBlocks::Head))
                    .col(blob(LogBlocks::Metadata))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_log_blocks_project_id")
                            .from(LogBlocks::Table, LogBlocks::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A project's directory, newest first (every query); and the
        // oldest blocks of all projects (retention).
        manager
            .create_index(
                Index::create()
                    .name("ix_log_blocks_project_id_max_ts")
                    .table(LogBlocks::Table)
                    .col(LogBlocks::ProjectId)
                    .col(LogBlocks::MaxTs)
                    .col(LogBlocks::MaxId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_log_blocks_min_ts")
                    .table(LogBlocks::Table)
                    .col(LogBlocks::MinTs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LogFrames::Table)
                    .col(big_integer(LogFrames::BlockId))
                    .col(integer(LogFrames::FrameNo))
                    .col(blob(LogFrames::Data))
                    .primary_key(Index::create().col(LogFrames::BlockId).col(LogFrames::FrameNo))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_log_frames_block_id")
                            .from(LogFrames::Table, LogFrames::BlockId)
                            .to(LogBlocks::Table, LogBlocks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        convert(manager).await?;
        drop_row_store(manager).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("the row store cannot be restored from blocks".into()))
    }
}

/// Packs every row of `logs` into blocks, per project, in id order.
async fn convert(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let max_id: Option<i64> = db
        .query_one_raw(Statement::from_string(backend, "SELECT MAX(id) FROM logs"))
        .await?
        .and_then(|row| row.try_get_by_index::<Option<i64>>(0).ok().flatten());
    let mut next_block = max_id.map_or(1, |id| (id >> 16) + 1);
    let (mut project, mut after) = (i64::MIN, i64::MIN);
    loop {
        let sql = match backend {
            DbBackend::Postgres => {
                "SELECT id, project_id, timestamp, received_at, level, message, metadata::text, tags::text, \
                 source, server_id FROM logs WHERE (project_id, id) > ($1, $2) ORDER BY project_id, id LIMIT $3"
            }
            _ => {
                "SELECT id, project_id, timestamp, received_at, level, message, metadata, tags, source, \
                 server_id FROM logs WHERE (project_id, id) > (?, ?) ORDER BY project_id, id LIMIT ?"
            }
        };
        let values: [Value; 3] = [project.into(), after.into(), (CHUNK as i64).into()];
        let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
        if rows.is_empty() {
            break;
        }
        let mut by_project: Vec<(i64, Vec<LogEntry>)> = Vec::new();
        for row in &rows {
            let entry = old_row(row)?;
            let pid = entry.entry.project_id.get();
            (project, after) = (pid, entry.id);
            match by_project.last_mut() {
                Some((p, entries)) if *p == pid => entries.push(entry),
                _ => by_project.push((pid, vec![entry])),
            }
        }
        for (pid, entries) in by_project {
            let block =
                orion_logstore::encode_block(&entries).map_err(|e| DbErr::Migration(e.to_string()))?;
            insert_block(db, backend, pid, next_block, &block).await?;
            next_block += 1;
        }
    }
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO id_sequences (name, last) VALUES ('log_blocks', $1) \
             ON CONFLICT (name) DO UPDATE SET last = excluded.last"
        }
        _ => {
            "INSERT INTO id_sequences (name, last) VALUES ('log_blocks', ?) \
             ON CONFLICT (name) DO UPDATE SET last = excluded.last"
        }
    };
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [(next_block - 1).into()])).await?;
    Ok(())
}

/// One row of the old `logs` table as an entry.
fn old_row(row: &sea_orm::QueryResult) -> Result<LogEntry, DbErr> {
    let bad = |what: &str| DbErr::Migration(format!("log row with a bad {what}"));
    let micros = |i: usize| -> Result<chrono::DateTime<chrono::Utc>, DbErr> {
        let v: i64 = row.try_get_by_index(i)?;
        chrono::DateTime::from_timestamp_micros(v).ok_or_else(|| bad("timestamp"))
    };
    let rank: i16 = row.try_get_by_index(4)?;
    let metadata: String = row.try_get_by_index(6)?;
    let tags: String = row.try_get_by_index(7)?;
    Ok(LogEntry {
        id: row.try_get_by_index(0)?,
        entry: NewLogEntry {
            project_id: ProjectId(row.try_get_by_index(1)?),
            timestamp: micros(2)?,
            received_at: micros(3)?,
            level: Level::from_rank(rank).ok_or_else(|| bad("level"))?,
            message: row.try_get_by_index(5)?,
            metadata: serde_json::from_str(&metadata).map_err(|_| bad("metadata"))?,
            tags: serde_json::from_str(&tags).map_err(|_| bad("tags"))?,
            // The service checked both on ingest; a row that fails now is
            // as damaged as one with a bad level.
            source: row
                .try_get_by_index::<Option<String>>(8)?
                .map(|raw| SourceName::parse(&raw))
                .transpose()
                .map_err(|_| bad("source"))?,
            server_id: row
                .try_get_by_index::<Option<String>>(9)?
                .map(|raw| ServerId::parse(&raw))
                .transpose()
                .map_err(|_| bad("server id"))?,
        },
    })
}

async fn insert_block<C: ConnectionTrait>(
    db: &C,
    backend: DbBackend,
    project: i64,
    id: i64,
    block: &orion_logstore::EncodedBlock,
) -> Result<(), DbErr> {
    let s = &block.summary;
    let mut values: Vec<Value> = vec![id.into(), project.into()];
    values.extend([s.min_ts, s.max_ts, s.min_id, s.max_id, i64::from(s.count)].map(Value::from));
    values.extend(s.level_counts.map(|c| Value::from(i64::from(c))));
    values.push(s.source.clone().into());
    values.extend(
        [
            i64::from(s.flags),
            i64::from(s.frame_count),
            <i64 as TryFrom<u64>>::try_from(s.message_bytes).unwrap_or(i64::MAX),
        ]
        .map(Value::from),
    );
    values.extend([block.filter.clone(), block.head.clone(), block.metadata.clone()].map(Value::from));
    let marks = placeholders(backend, 1, values.len());
    let sql = format!(
        "INSERT INTO log_blocks (id, project_id, min_ts, max_ts, min_id, max_id, entry_count, trace_count, \
         debug_count, info_count, warn_count, error_count, fatal_count, source, flags, frame_count, \
         message_bytes, filter, head, metadata) VALUES ({marks})"
    );
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    for (no, frame) in block.frames.iter().enumerate() {
        let marks = placeholders(backend, 1, 3);
        let sql = format!("INSERT INTO log_frames (block_id, frame_no, data) VALUES ({marks})");
        let values: [Value; 3] = [id.into(), (no as i32).into(), frame.clone().into()];
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    }
    Ok(())
}

fn placeholders(backend: DbBackend, first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| if backend == DbBackend::Postgres { format!("${i}") } else { "?".to_owned() })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Drops `logs` with everything that kept it searchable.
async fn drop_row_store(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let statements: &[&str] = match manager.get_database_backend() {
        DbBackend::Postgres => &["DROP TABLE logs"],
        _ => &[
            "DROP TRIGGER logs_after_insert",
            "DROP TRIGGER logs_after_delete",
            "DROP TABLE logs_fts",
            "DROP TABLE log_tags",
            "DROP TABLE logs",
        ],
    };
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}
