//! Opening a database from a URL, and running migrations.
//!
//! SQLite gets WAL mode (readers never block the writer), a busy timeout
//! (writers queue instead of failing with `SQLITE_BUSY`), foreign keys, no
//! memory map, and automatic WAL checkpoints only as a backstop (the
//! `checkpoint` task runs them off the commit path) on every pooled
//! connection; its file and parent directory are created
//! when missing. Pool sizes suit a small (2-core) machine: SQLite has one
//! writer anyway, and PostgreSQL connections cost memory on the server.
//!
//! An outage must be answered fast (503 within 2 s, never a hang) and the
//! pool must recover by itself once the database is back. On PostgreSQL a
//! request waits at most [`POSTGRES_ACQUIRE_TIMEOUT`] for a connection
//! (opening a new one included; refused connections are retried within
//! that time), every statement is cancelled by the server past
//! [`POSTGRES_STATEMENT_TIMEOUT`], and an idle connection is pinged before
//! it is handed out, so one that died with the server is replaced instead
//! of failing the request. Opening the pool at start-up still waits up to
//! [`STARTUP_WAIT`] for a database that is starting.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::MigrationReport;
use crate::checkpoint::{AUTO_CHECKPOINT_PAGES, WAL_SIZE_LIMIT};
use crate::error::{StorageError, is_unreachable};
use crate::migration::Migrator;

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Readers plus the one writer SQLite allows at a time.
const SQLITE_POOL: u32 = 4;
/// Enough for several concurrent requests without hogging the server.
const POSTGRES_POOL: u32 = 8;
/// Longest a request waits for a PostgreSQL connection before the database
/// counts as unreachable (503): leaves room within the 2 s bound.
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest a PostgreSQL statement may run before the server cancels it
/// (then reported as unreachable, 503). Migrations are exempt.
const POSTGRES_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// SQLite connections are local: waiting for one means waiting for the
/// write lock, which the busy timeout already bounds.
const SQLITE_ACQUIRE_TIMEOUT: Duration = SQLITE_BUSY_TIMEOUT;
/// How long opening a PostgreSQL pool keeps retrying a database that cannot
/// be reached yet (one starting next to Orion).
const STARTUP_WAIT: Duration = Duration::from_secs(10);
/// An arbitrary constant naming Orion's migration lock on PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x6f72_696f_6e00;

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (or memory).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Picks the backend from the URL scheme.
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            other => Err(StorageError::UnsupportedUrl(other.to_owned())),
        }
    }
}

/// Opens a pool on `url` with the options Orion needs.
pub(crate) async fn open(url: &str) -> Result<DatabaseConnection, StorageError> {
    let mut options = ConnectOptions::new(url);
    // Statement logging would flood the server log on the ingest path.
    options.sqlx_logging(false);
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            // No ping before each acquire: a SQLite connection is an open
            // file that nothing outside the process can close, and each
            // ping is one more round trip to the connection's thread.
            options.test_before_acquire(false).acquire_timeout(SQLITE_ACQUIRE_TIMEOUT);
            configure_sqlite(url, &mut options)?;
            Database::connect(options).await.map_err(StorageError::connect)
        }
        Backend::Postgres => {
            // Pinging a pooled connection before use replaces one the
            // server closed (a restart, an idle timeout).
            options
                .test_before_acquire(true)
                .max_connections(POSTGRES_POOL)
                .min_connections(1)
                .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
                .statement_timeout(POSTGRES_STATEMENT_TIMEOUT);
            connect_waiting(options).await
        }
    }
}

/// Opens the pool, retrying for up to [`STARTUP_WAIT`] while the database
/// cannot be reached (the short acquire timeout would otherwise fail a
/// start next to a database that is still starting).
async fn connect_waiting(options: ConnectOptions) -> Result<DatabaseConnection, StorageError> {
    let deadline = tokio::time::Instant::now() + STARTUP_WAIT;
    loop {
        match Database::connect(options.clone()).await {
            Ok(db) => return Ok(db),
            Err(err) if is_unreachable(&err) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(err) => return Err(StorageError::connect(err)),
        }
    }
}

/// Whether a SQLite URL names an in-memory database (no file, no WAL).
pub(crate) fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

fn configure_sqlite(url: &str, options: &mut ConnectOptions) -> Result<(), StorageError> {
    if is_sqlite_memory(url) {
        // The database lives as long as one connection does: keep one open
        // forever so the data does not vanish between requests.
        options.min_connections(1).max_connections(1).idle_timeout(None).max_lifetime(None);
        options.map_sqlx_sqlite_opts(|o| o.foreign_keys(true).busy_timeout(SQLITE_BUSY_TIMEOUT));
        return Ok(());
    }
    create_parent_dir(url)?;
    options.max_connections(SQLITE_POOL).min_connections(1);
    options.map_sqlx_sqlite_opts(|o| {
        o.create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit (and so a 201 for logs) survives a power cut,
            // not only a crash of the process.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true)
            // No memory map (`mmap_size` 0, SQLite's usual default): mapped
            // pages of the file count in the server's RSS (892 MiB after
            // the merges of 10M entries with a 1 GiB map), and measured on
            // a checkpointed 10M store the map made no query or ingest
            // faster, because decoded parts are cached in process
            // (docs/performance.md, "Memory map"). Set, not left to the
            // build's default, so a differently compiled SQLite cannot
            // bring the map back.
            .pragma("mmap_size", "0")
            // Checkpoints run in a background task, off the commit path;
            // a commit checkpoints only past this backstop (`checkpoint`).
            .pragma("wal_autocheckpoint", AUTO_CHECKPOINT_PAGES.to_string())
            .pragma("journal_size_limit", WAL_SIZE_LIMIT.to_string())
    });
    Ok(())
}

/// SQLite creates a missing file but not a missing directory.
fn create_parent_dir(url: &str) -> Result<(), StorageError> {
    // An unparsable URL is reported by the connect that follows, with the
    // driver's own message.
    let Ok(parsed) = SqliteConnectOptions::from_str(url) else { return Ok(()) };
    let Some(dir) = parsed.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|source| StorageError::CreateDir { path: Path::new(dir).to_owned(), source })
}

/// Applies pending migrations, all in one transaction that first takes a
/// lock, because several servers may start at once against one database:
/// the others wait, then find nothing left to do. SQLite's lock is the
/// write lock (`BEGIN IMMEDIATE`, waiting up to the busy timeout);
/// PostgreSQL's is an advisory lock. DDL is transactional on both, so a
/// failed run leaves the schema as it was.
pub(crate) async fn migrate(db: &DatabaseConnection) -> Result<MigrationReport, StorageError> {
    let err = StorageError::migrate;
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(options).await.map_err(err)?;
    if db.get_database_backend() == DbBackend::Postgres {
        // Waiting for another server's migration, or building an index on a
        // big table, may take longer than a request's statement timeout.
        txn.execute_unprepared("SET LOCAL statement_timeout = 0").await.map_err(err)?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
            .await
            .map_err(err)?;
    }
    let applied = pending_names(&txn).await.map_err(err)?;
    Migrator::up(&txn, None).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(MigrationReport { applied })
}

async fn pending_names<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, sea_orm::DbErr> {
    let pending = Migrator::get_pending_migrations(db).await?;
    Ok(pending.iter().map(|m| m.name().to_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PRAGMA name` as three successive queries on a fresh SQLite
    /// file's pool answer it.
    async fn pragma_on_a_fresh_file(name: &str) -> Vec<i64> {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let dir = tempfile::tempdir().unwrap();
        let db = open(&format!("sqlite://{}", dir.path().join("p.db").display())).await.unwrap();
        let mut seen = Vec::new();
        for _ in 0..3 {
            let row = db
                .query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
                .await
                .unwrap()
                .unwrap();
            seen.push(row.try_get_by_index::<i64>(0).unwrap());
        }
        seen
    }

    /// Every pooled connection to a SQLite file commits with
    /// `synchronous=FULL` (2): the durable ack of log ingest relies on it.
    #[tokio::test]
    async fn sqlite_files_commit_with_synchronous_full() {
        assert_eq!(pragma_on_a_fresh_file("synchronous").await, [2; 3]);
    }

    /// Every pooled connection leaves checkpoints to the background task
    /// but for the backstop, and cuts the log back after one.
    #[tokio::test]
    async fn sqlite_files_checkpoint_off_the_commit_path() {
        assert_eq!(pragma_on_a_fresh_file("wal_autocheckpoint").await, [i64::from(AUTO_CHECKPOINT_PAGES); 3]);
        assert_eq!(pragma_on_a_fresh_file("journal_size_limit").await, [WAL_SIZE_LIMIT as i64; 3]);
    }

    /// No pooled connection reads the file through a memory map: mapped
    /// pages would count in the server's RSS (see `configure_sqlite`).
    #[tokio::test]
    async fn sqlite_files_are_read_without_a_memory_map() {
        assert_eq!(pragma_on_a_fresh_file("mmap_size").await, [0; 3]);
    }

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://orion.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
    }

    #[test]
    fn unknown_schemes_are_refused_without_echoing_the_url() {
        let err = Backend::from_url("mysql://root:hunter2@db/orion").unwrap_err();
        assert!(matches!(&err, StorageError::UnsupportedUrl(s) if s == "mysql"));
        assert!(!err.to_string().contains("hunter2"));
    }
}
