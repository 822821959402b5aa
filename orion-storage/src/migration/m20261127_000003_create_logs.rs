//! Log entries: the `logs` table, its time indexes, and the search
//! structures each backend needs.
//!
//! The table and its B-tree indexes are SeaQuery. What SeaQuery cannot say
//! is native SQL, branched on the backend:
//! - SQLite: `logs_fts`, an external-content FTS5 table with the trigram
//!   tokenizer (case-insensitive substring search), and `log_tags`, one row
//!   per (project, tag, timestamp, log) so a tag filter walks an index in
//!   newest-first order. Both are kept in sync by triggers on `logs`, so
//!   every insert and delete — including the cascade from a deleted project
//!   — updates them in the same transaction.
//! - PostgreSQL: `pg_trgm` and a GIN index on `lower(message)` for search,
//!   and a GIN index on the `tags` jsonb for `tags @> '[..]'`.
//!
//! Timestamps are stored as microseconds since the Unix epoch (`BIGINT`) on
//! both backends: 8 bytes that compare as integers (SQLite would otherwise
//! store and compare text), and histogram buckets become integer division.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Logs {
    Table,
    Id,
    ProjectId,
    Timestamp,
    ReceivedAt,
    Level,
    Message,
    Metadata,
    Tags,
    Source,
    ServerId,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

/// SQLite's search and tag structures, and the triggers that keep them in
/// step with `logs`. `INSERT OR IGNORE … DISTINCT` tolerates an entry that
/// repeats a tag.
const SQLITE_SEARCH: &[&str] = &[
    "CREATE VIRTUAL TABLE logs_fts USING fts5(message, content='logs', content_rowid='id', \
     tokenize='trigram case_sensitive 0')",
    "CREATE TABLE log_tags (project_id INTEGER NOT NULL, tag TEXT NOT NULL, timestamp INTEGER NOT NULL, \
     log_id INTEGER NOT NULL, PRIMARY KEY (project_id, tag, timestamp, log_id)) WITHOUT ROWID",
    "CREATE TRIGGER logs_after_insert AFTER INSERT ON logs BEGIN \
       INSERT INTO logs_fts (rowid, message) VALUES (new.id, new.message); \
       INSERT OR IGNORE INTO log_tags (project_id, tag, timestamp, log_id) \
         SELECT DISTINCT new.project_id, value, new.timestamp, new.id FROM json_each(new.tags); \
     END",
    "CREATE TRIGGER logs_after_delete AFTER DELETE ON logs BEGIN \
       INSERT INTO logs_fts (logs_fts, rowid, message) VALUES ('delete', old.id, old.message); \
       DELETE FROM log_tags WHERE project_id = old.project_id \
         AND tag IN (SELECT value FROM json_each(old.tags)) \
         AND timestamp = old.timestamp AND log_id = old.id; \
     END",
];

const POSTGRES_SEARCH: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_logs_message_trgm ON logs USING gin (lower(message) gin_trgm_ops)",
    "CREATE INDEX ix_logs_tags ON logs USING gin (tags jsonb_path_ops)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Logs::Table)
                    .col(big_pk_auto(Logs::Id))
                    .col(big_integer(Logs::ProjectId))
                    .col(big_integer(Logs::Timestamp))
                    .col(big_integer(Logs::ReceivedAt))
                    .col(small_integer(Logs::Level))
                    .col(text(Logs::Message))
                    .col(json_binary(Logs::Metadata))
                    .col(json_binary(Logs::Tags))
                    .col(text_null(Logs::Source))
                    .col(text_null(Logs::ServerId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_logs_project_id")
                            .from(Logs::Table, Logs::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Every list query: one project, newest first, id breaking ties.
        manager
            .create_index(
                Index::create()
                    .name("ix_logs_project_id_timestamp_id")
                    .table(Logs::Table)
                    .col(Logs::ProjectId)
                    .col((Logs::Timestamp, IndexOrder::Desc))
                    .col((Logs::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        // Level filters: totals are counted from this index alone, and one
        // level reads in time order.
        manager
            .create_index(
                Index::create()
                    .name("ix_logs_project_id_level_timestamp")
                    .table(Logs::Table)
                    .col(Logs::ProjectId)
                    .col(Logs::Level)
                    .col((Logs::Timestamp, IndexOrder::Desc))
                    .col((Logs::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        let native = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_SEARCH,
            _ => SQLITE_SEARCH,
        };
        let db = manager.get_connection();
        for sql in native {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            let db = manager.get_connection();
            for sql in ["DROP TABLE logs_fts", "DROP TABLE log_tags"] {
                db.execute_unprepared(sql).await?;
            }
        }
        manager.drop_table(Table::drop().table(Logs::Table).to_owned()).await
    }
}
