//! Packing a transaction's entries into blocks: grouped by project (in
//! arrival order), cut into blocks of at most [`BLOCK_ENTRIES`], given ids
//! `block << 16 | ordinal` from block numbers drawn inside the
//! transaction, encoded on a blocking thread (zstd and the filters are CPU
//! work the async threads should not do), and stored.

use std::collections::BTreeMap;

use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::log::{LogEntry, NewLogEntry};
use orion_logstore::{EncodedBlock, encode_block};
use sea_orm::ConnectionTrait;

use super::store::{self, ORDINAL_BITS};

/// Entries per block at ingest (merges make bigger ones).
pub(super) const BLOCK_ENTRIES: usize = 1_024;

/// Stores `entries` as blocks inside `db`'s transaction; returns their ids,
/// in input order.
pub(super) async fn insert<C: ConnectionTrait>(db: &C, entries: &[&NewLogEntry]) -> RepoResult<Vec<i64>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    // Input positions per project, in arrival order.
    let mut by_project: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_project.entry(e.project_id.get()).or_default().push(i);
    }
    let blocks: Vec<(i64, &[usize])> = by_project
        .iter()
        .flat_map(|(project, positions)| positions.chunks(BLOCK_ENTRIES).map(move |c| (*project, c)))
        .collect();
    let first = store::allocate(db, blocks.len() as i64).await?;
    let mut ids = vec![0i64; entries.len()];
    let mut work: Vec<(i64, i64, Vec<LogEntry>)> = Vec::with_capacity(blocks.len());
    for (n, (project, positions)) in blocks.iter().enumerate() {
        let block = first + n as i64;
        let mut members = Vec::with_capacity(positions.len());
        for (ordinal, &i) in positions.iter().enumerate() {
            let id = (block << ORDINAL_BITS) | ordinal as i64;
            ids[i] = id;
            members.push(LogEntry { id, entry: entries[i].clone() });
        }
        work.push((*project, block, members));
    }
    let encoded = encode_all(work).await?;
    for (project, block, encoded) in &encoded {
        store::insert(db, *project, *block, encoded).await?;
    }
    Ok(ids)
}

/// Encodes every block on a blocking thread.
async fn encode_all(work: Vec<(i64, i64, Vec<LogEntry>)>) -> RepoResult<Vec<(i64, i64, EncodedBlock)>> {
    tokio::task::spawn_blocking(move || {
        work.into_iter()
            .map(|(project, block, entries)| {
                encode_block(&entries).map(|e| (project, block, e)).map_err(RepositoryError::unavailable)
            })
            .collect::<RepoResult<Vec<_>>>()
    })
    .await
    .map_err(RepositoryError::unavailable)?
}
