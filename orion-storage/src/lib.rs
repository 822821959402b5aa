//! # orion-storage
//!
//! Orion's storage on SQLite or PostgreSQL through SeaORM 2.x. It implements
//! every repository trait of [`orion_core::repo`] and hands them over as one
//! [`Repos`]; no ORM type crosses this crate's boundary.
//!
//! ```no_run
//! # async fn run() -> Result<(), orion_storage::StorageError> {
//! // Creates `data/` and the file if missing, then applies pending migrations.
//! let repos = orion_storage::connect("sqlite://data/orion.db").await?;
//! let orion = orion_core::Orion::builder(repos).build();
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - [`connect`], [`migrate`] and [`Storage`] (this file): the entry points.
//! - `connection`: URL → backend, connection options (SQLite WAL, busy
//!   timeout, foreign keys; pool sizes) and the migration runner.
//! - `checkpoint`: SQLite WAL checkpoints in a background task, off the
//!   commit path.
//! - `entity/`: SeaORM entities, one file per table, crate-private.
//! - `migration/`: schema steps, `mYYYYMMDD_NNNNNN_purpose.rs`, backend-neutral.
//! - `repo/`: one file per repository trait, mapping entities ↔ domain types;
//!   `repo/logs/` adds the group-commit writer and the search SQL.
//! - `live/`: live events across instances over PostgreSQL `LISTEN/NOTIFY`
//!   ([`Storage::live_bus`]).
//! - [`bench`]: the raw insert path, for measuring the storage limit.
//! - [`error`]: [`StorageError`] and the one `DbErr` → `RepositoryError` mapping.

#![forbid(unsafe_code)]

use std::sync::Arc;

use orion_core::Repos;
use sea_orm::DatabaseConnection;

mod checkpoint;
mod conflict;
mod connection;
mod entity;
pub mod error;
mod live;
mod migration;
mod repo;

/// The raw storage limit, for benchmarks: the same statements, schema and
/// indexes as ingestion, without the writer queue or anything above it.
///
/// ```no_run
/// # async fn run(storage: &orion_storage::Storage, batches: Vec<Vec<orion_core::model::log::NewLogEntry>>) {
/// let started = std::time::Instant::now();
/// for batch in &batches {
///     orion_storage::bench::raw_insert(storage, batch).await.unwrap();
/// }
/// let rows: usize = batches.iter().map(Vec::len).sum();
/// println!("{:.0} rows/s", rows as f64 / started.elapsed().as_secs_f64());
/// # }
/// ```
pub mod bench {
    use orion_core::error::RepoResult;
    use orion_core::model::log::NewLogEntry;

    use crate::Storage;

    /// Inserts `entries` in one transaction of their own (no queue, no
    /// batching with other callers) and returns their ids.
    pub async fn raw_insert(storage: &Storage, entries: &[NewLogEntry]) -> RepoResult<Vec<i64>> {
        storage.logs.insert_directly(entries).await
    }

    /// What a SQLite database's log store holds, read through a plain
    /// connection of its own (no migration, no writer, no merger), so a
    /// benchmark can watch a running server's file.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct BlockStats {
        /// Blocks.
        pub blocks: u64,
        /// Sorted runs (a block no merge touched counts as one).
        pub runs: u64,
        /// Entries.
        pub entries: u64,
        /// Bytes of the file's pages in use (freed pages excluded).
        pub used_bytes: u64,
    }

    /// Reads [`BlockStats`] of the SQLite database at `url`.
    pub async fn block_stats(url: &str) -> Result<BlockStats, sea_orm::DbErr> {
        use sea_orm::{ConnectionTrait, Database};
        let db = Database::connect(url).await?;
        let one = |sql: &str| sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql.to_owned());
        let int = |row: &Option<sea_orm::QueryResult>, i: usize| -> Result<u64, sea_orm::DbErr> {
            let v: Option<i64> = match row {
                Some(r) => r.try_get_by_index(i)?,
                None => None,
            };
            Ok(v.unwrap_or(0).max(0) as u64)
        };
        let row = db
            .query_one_raw(one(
                "SELECT count(*), count(DISTINCT run) + sum(CASE WHEN run IS NULL THEN 1 ELSE 0 END), \
                 sum(entry_count) FROM log_blocks",
            ))
            .await?;
        let (blocks, runs, entries) = (int(&row, 0)?, int(&row, 1)?, int(&row, 2)?);
        let pages = int(&db.query_one_raw(one("PRAGMA page_count")).await?, 0)?;
        let free = int(&db.query_one_raw(one("PRAGMA freelist_count")).await?, 0)?;
        let size = int(&db.query_one_raw(one("PRAGMA page_size")).await?, 0)?;
        db.close().await?;
        Ok(BlockStats { blocks, runs, entries, used_bytes: pages.saturating_sub(free) * size })
    }
}

pub use connection::Backend;
pub use error::{DatabaseError, StorageError};
pub use live::PgLiveBus;
pub use repo::logs::{CheckReport, Damage, IngestOptions, IngestStats, LogCache};

/// Tuning for [`Storage::open_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageOptions {
    /// The log writer's queue and batch sizes.
    pub ingest: IngestOptions,
    /// Bytes of decoded log parts kept in process.
    pub log_cache: LogCache,
}

/// Opens the database at `url` (`sqlite://PATH`, `sqlite::memory:`,
/// `postgres://…` or `postgresql://…`), applies pending migrations and
/// returns the repositories.
pub async fn connect(url: &str) -> Result<Repos, StorageError> {
    Ok(Storage::open(url).await?.repos())
}

/// Applies pending migrations to the database at `url` (for `orion
/// migrate`) and reports which ones ran.
pub async fn migrate(url: &str) -> Result<MigrationReport, StorageError> {
    let db = connection::open(url).await?;
    let report = connection::migrate(&db).await;
    // Close before returning so a CLI exits with every file handle released.
    let _ = db.close().await;
    report
}

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Names of the migrations applied by this run, oldest first; empty when
    /// the schema was already current.
    pub applied: Vec<String>,
}

/// An open, migrated database: the connection pool behind the repositories,
/// and the log writer task (which stops once this and every [`Repos`] made
/// from it are dropped, after writing what was queued).
#[derive(Debug, Clone)]
pub struct Storage {
    db: DatabaseConnection,
    backend: Backend,
    logs: Arc<repo::logs::LogRepo>,
}

impl Storage {
    /// Opens the database at `url` and applies pending migrations. Must be
    /// called within a Tokio runtime (it starts the log writer task).
    pub async fn open(url: &str) -> Result<Self, StorageError> {
        Self::open_with(url, StorageOptions::default()).await
    }

    /// [`Storage::open`] with explicit tuning.
    pub async fn open_with(url: &str, options: StorageOptions) -> Result<Self, StorageError> {
        let backend = Backend::from_url(url)?;
        let db = connection::open(url).await?;
        connection::migrate(&db).await?;
        let logs = Arc::new(repo::logs::LogRepo::new(db.clone(), options.ingest, options.log_cache));
        if backend == Backend::Sqlite && !connection::is_sqlite_memory(url) {
            // Lives as long as the log repository, which every `Repos`
            // made from this storage holds.
            checkpoint::spawn(db.clone(), logs.alive());
        }
        Ok(Self { db, backend, logs })
    }

    /// Every repository, sharing this pool and this log writer.
    pub fn repos(&self) -> Repos {
        repo::repos(&self.db, self.logs.clone())
    }

    /// What the log writer has done so far: requests, commits (fewer than
    /// requests when group commit batched them), split batches.
    pub fn ingest_stats(&self) -> IngestStats {
        self.logs.stats()
    }

    /// Merges small log blocks now (a background task also does every few
    /// seconds); returns how many blocks were merged away.
    pub async fn merge_logs(&self) -> Result<u64, orion_core::RepositoryError> {
        self.logs.merge_now().await
    }

    /// Verifies every log block (checksums, decoding, counts against the
    /// directory), calling `progress(done, total)` as it goes; damaged
    /// blocks are listed by number in the report.
    pub async fn check_logs(
        &self,
        progress: impl FnMut(u64, u64),
    ) -> Result<CheckReport, orion_core::RepositoryError> {
        self.logs.check(progress).await
    }

    /// The live-event bus for servers on this database: the in-process
    /// bus on SQLite (one instance); on PostgreSQL a [`PgLiveBus`], so a
    /// WebSocket on any instance sees what every instance stores. Each
    /// session may fall `capacity` events behind before it is told
    /// `lagged`. Hand it to `Orion::builder(…).bus(…)`.
    pub async fn live_bus(
        &self,
        capacity: usize,
    ) -> Result<Arc<dyn orion_core::port::LiveBus>, orion_core::RepositoryError> {
        match self.backend {
            Backend::Sqlite => Ok(Arc::new(orion_core::port::BroadcastBus::new(capacity))),
            Backend::Postgres => {
                let resolver = live::Resolver {
                    db: self.db.clone(),
                    logs: self.logs.clone(),
                    projects: self.repos().projects,
                };
                let bus =
                    PgLiveBus::start(self.db.get_postgres_connection_pool(), resolver, capacity).await?;
                Ok(Arc::new(bus))
            }
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(self) {
        // A failure to close cleanly leaves nothing for the caller to do.
        let _ = self.db.close().await;
    }
}
