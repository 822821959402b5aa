//! What the log repository does beyond the shared contract: the group-commit
//! writer (batching, per-request atomicity, back-pressure), the search
//! structures kept in step with deletions, and the search strategies for
//! common needles that the contract's small data sets never reach.

mod block_upkeep;
mod damage;
mod differential;
mod export_pages;
mod search_paths;
mod two_instances;
mod writer;

use orion_storage::{IngestOptions, Storage, StorageOptions};
use sea_orm::{
    Database, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Opens a fresh SQLite file with the given writer options; also returns
/// a second, independent connection to the same file.
async fn sqlite_storage(ingest: IngestOptions) -> (tempfile::TempDir, Storage, DatabaseConnection) {
    let (dir, url) = crate::backends::sqlite_url();
    let storage =
        Storage::open_with(&url, StorageOptions { ingest, ..StorageOptions::default() }).await.unwrap();
    let raw = Database::connect(url.as_str()).await.unwrap();
    (dir, storage, raw)
}

/// Takes SQLite's write lock from another connection, so the writer blocks
/// (on its busy timeout) until the returned transaction ends.
async fn hold_write_lock(raw: &DatabaseConnection) -> DatabaseTransaction {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    raw.begin_with_options(options).await.unwrap()
}
