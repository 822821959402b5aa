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
//! - `entity/`: SeaORM entities, one file per table, crate-private.
//! - `migration/`: schema steps, `mYYYYMMDD_NNNNNN_purpose.rs`, backend-neutral.
//! - `repo/`: one file per repository trait, mapping entities ↔ domain types.
//! - [`error`]: [`StorageError`] and the one `DbErr` → `RepositoryError` mapping.

#![forbid(unsafe_code)]

use orion_core::Repos;
use sea_orm::DatabaseConnection;

mod connection;
mod entity;
pub mod error;
mod migration;
mod repo;

pub use connection::Backend;
pub use error::StorageError;

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

/// An open, migrated database: the connection pool behind the repositories.
#[derive(Debug, Clone)]
pub struct Storage {
    db: DatabaseConnection,
    backend: Backend,
}

impl Storage {
    /// Opens the database at `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StorageError> {
        let backend = Backend::from_url(url)?;
        let db = connection::open(url).await?;
        connection::migrate(&db).await?;
        Ok(Self { db, backend })
    }

    /// Every repository, sharing this pool.
    pub fn repos(&self) -> Repos {
        repo::repos(&self.db)
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
