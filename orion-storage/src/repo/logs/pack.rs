//! Packing a transaction's entries into blocks: grouped by project (in
//! arrival order), cut into blocks of at most [`BLOCK_ENTRIES`], given ids
//! `block << 16 | ordinal` from consecutive block numbers, encoded (zstd
//! and the filters: CPU work the async threads should not do, so on
//! blocking threads, the blocks of a batch spread over the cores), and
//! stored.
//!
//! Two ways in:
//!
//! - [`insert_at`] encodes inside the caller's transaction, with the block
//!   numbers it drew: the simple path (one-off writes, retries).
//! - [`pack`] encodes *before* the transaction, with block numbers the
//!   writer predicts, and [`store_packed`] stores the result once the
//!   transaction has drawn the same numbers (see `writer`, which overlaps
//!   the encoding of one batch with the commit of the one before).

use std::collections::BTreeMap;

use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::log::{LogEntry, NewLogEntry};
use orion_logstore::{EncodedBlock, encode_block};
use sea_orm::ConnectionTrait;

use super::store::{self, ORDINAL_BITS};

/// Entries per block at ingest (merges make bigger ones).
pub(super) const BLOCK_ENTRIES: usize = 1_024;

/// A batch encoded as blocks numbered from `first`.
pub(super) struct Packed {
    /// The first block number; the blocks are numbered consecutively.
    pub(super) first: i64,
    /// Each block's project and encoding, in number order.
    pub(super) blocks: Vec<(i64, EncodedBlock)>,
    /// The entries' ids, in input order.
    pub(super) ids: Vec<i64>,
}

/// How many blocks `entries` make (what the writer must draw numbers for).
/// Counts per project only: it runs on every commit, before the blocks
/// (already encoded ahead, usually) are stored.
pub(super) fn block_count(entries: &[&NewLogEntry]) -> usize {
    let mut per_project: BTreeMap<i64, usize> = BTreeMap::new();
    for e in entries {
        *per_project.entry(e.project_id.get()).or_default() += 1;
    }
    per_project.values().map(|n| n.div_ceil(BLOCK_ENTRIES)).sum()
}

/// Encodes and stores `entries` as blocks numbered from `first` (numbers
/// the caller drew in `db`'s transaction); returns their ids.
pub(super) async fn insert_at<C: ConnectionTrait>(
    db: &C,
    entries: &[&NewLogEntry],
    first: i64,
) -> RepoResult<Vec<i64>> {
    let (ids, work) = assign(entries, first);
    let blocks = tokio::task::spawn_blocking(move || encode_all(&work))
        .await
        .map_err(RepositoryError::unavailable)??;
    let packed = Packed { first, blocks, ids };
    store_packed(db, &packed).await?;
    Ok(packed.ids)
}

/// Stores blocks [`pack`] made, under the numbers they were made with.
pub(super) async fn store_packed<C: ConnectionTrait>(db: &C, packed: &Packed) -> RepoResult<()> {
    for (n, (project, block)) in packed.blocks.iter().enumerate() {
        store::insert(db, *project, packed.first + n as i64, block, None).await?;
    }
    Ok(())
}

/// Encodes `entries` as blocks numbered from `first` (blocking: CPU work),
/// giving them back, in order, with the result. The entries are moved
/// into the encoder's input and back rather than copied.
pub(super) fn pack(entries: Vec<NewLogEntry>, first: i64) -> (Vec<NewLogEntry>, RepoResult<Packed>) {
    let plan = {
        let refs: Vec<&NewLogEntry> = entries.iter().collect();
        plan(&refs)
    };
    let mut slots: Vec<Option<NewLogEntry>> = entries.into_iter().map(Some).collect();
    let mut ids = vec![0i64; slots.len()];
    let mut work = Vec::with_capacity(plan.len());
    for (n, (project, positions)) in plan.iter().enumerate() {
        let block = first + n as i64;
        let mut members = Vec::with_capacity(positions.len());
        for (ordinal, &i) in positions.iter().enumerate() {
            let id = (block << ORDINAL_BITS) | ordinal as i64;
            ids[i] = id;
            if let Some(entry) = slots[i].take() {
                members.push(LogEntry { id, entry });
            }
        }
        work.push((*project, members));
    }
    let blocks = encode_all(&work);
    // Every position is in exactly one block: each slot is filled again.
    for ((_, positions), (_, members)) in plan.iter().zip(work) {
        for (&i, member) in positions.iter().zip(members) {
            slots[i] = Some(member.entry);
        }
    }
    let entries = slots.into_iter().flatten().collect();
    (entries, blocks.map(|blocks| Packed { first, blocks, ids }))
}

/// The entries' ids (in input order) and each block's project and
/// members, for blocks numbered from `first`.
fn assign(entries: &[&NewLogEntry], first: i64) -> (Vec<i64>, Vec<(i64, Vec<LogEntry>)>) {
    let mut ids = vec![0i64; entries.len()];
    let mut work = Vec::new();
    for (n, (project, positions)) in plan(entries).into_iter().enumerate() {
        let block = first + n as i64;
        let mut members = Vec::with_capacity(positions.len());
        for (ordinal, i) in positions.into_iter().enumerate() {
            let id = (block << ORDINAL_BITS) | ordinal as i64;
            ids[i] = id;
            members.push(LogEntry { id, entry: entries[i].clone() });
        }
        work.push((project, members));
    }
    (ids, work)
}

/// Encodes every block (blocking), spread over the machine's cores: block
/// n on thread n % threads, the results back in block order.
fn encode_all(work: &[(i64, Vec<LogEntry>)]) -> RepoResult<Vec<(i64, EncodedBlock)>> {
    let encode = |(project, members): &(i64, Vec<LogEntry>)| {
        encode_block(members).map(|b| (*project, b)).map_err(RepositoryError::unavailable)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(work.len());
    if threads <= 1 {
        return work.iter().map(encode).collect();
    }
    let mut slots: Vec<Option<RepoResult<(i64, EncodedBlock)>>> = (0..work.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (work, encode) = (&work, &encode);
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..work.len()).step_by(threads).map(|n| (n, encode(&work[n]))).collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            // A panicking encoder leaves its slots empty: an error below.
            for (n, result) in worker.join().unwrap_or_default() {
                slots[n] = Some(result);
            }
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| {
                Err(RepositoryError::unavailable(std::io::Error::other("a block encoder panicked")))
            })
        })
        .collect()
}

/// The blocks `entries` make: each block's project and its entries'
/// input positions, projects in id order, each project's entries in
/// arrival order.
fn plan(entries: &[&NewLogEntry]) -> Vec<(i64, Vec<usize>)> {
    let mut by_project: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_project.entry(e.project_id.get()).or_default().push(i);
    }
    by_project
        .into_iter()
        .flat_map(|(project, positions)| {
            positions.chunks(BLOCK_ENTRIES).map(|c| (project, c.to_vec())).collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use orion_core::model::ProjectId;
    use orion_core::model::log::Level;

    use super::*;

    fn entry(project: i64) -> NewLogEntry {
        NewLogEntry {
            project_id: ProjectId(project),
            timestamp: Utc::now(),
            received_at: Utc::now(),
            level: Level::Info,
            message: "m".into(),
            metadata: Default::default(),
            tags: Vec::new(),
            source: None,
            server_id: None,
        }
    }

    #[test]
    fn the_counted_blocks_are_the_planned_ones_and_packing_gives_the_entries_back_in_order() {
        // Interleaved projects, one past a block's size.
        let entries: Vec<NewLogEntry> =
            (0..2 * BLOCK_ENTRIES + 7).map(|i| entry(1 + (i % 3) as i64)).collect();
        let refs: Vec<&NewLogEntry> = entries.iter().collect();
        assert_eq!(block_count(&refs), plan(&refs).len());
        assert_eq!(block_count(&refs[..BLOCK_ENTRIES + 1]), 3);
        let tagged: Vec<NewLogEntry> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| NewLogEntry { message: format!("entry {i}"), ..e.clone() })
            .collect();
        let (back, packed) = pack(tagged.clone(), 40);
        assert_eq!(back, tagged);
        let packed = packed.unwrap();
        assert_eq!(packed.blocks.len(), block_count(&refs));
        assert!(packed.ids.iter().all(|id| id >> ORDINAL_BITS >= 40));
    }
}
