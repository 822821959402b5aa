//! Merging blocks into sorted runs, size-tiered.
//!
//! The writer makes one block per commit and project, sorted by nothing
//! in particular: a shipper's batch may span an hour, and then every block
//! overlaps every other in time, so a newest-first page has to look into
//! all of them. The merger rewrites blocks into **runs**: a run's entries
//! are sorted by `(timestamp, id)` and cut into blocks of up to 4,096
//! entries numbered in that order, so its blocks follow one another in
//! time and a newest-first query meets one block per run before it can
//! stop. A run is named by its first block's number (`log_blocks.run`); a
//! block as the writer made it is a run of its own.
//!
//! Runs are merged by size tier, as log-structured stores do: tier 0 holds
//! runs below 8,192 entries, each tier above eight times as much; when a
//! tier holds [`FANOUT`] runs, they are merged (a k-way merge, one block
//! per run decoded at a time) into one run of the next tier. Runs of
//! [`FINAL_RUN`] (262,144) entries or more are left alone, so an entry is
//! rewritten a handful of times, and one merge takes at most
//! [`MAX_MERGE`] entries (a full tier of large runs merges a few at a
//! time), so it holds at most ~25 MB of encoded output. Quiet projects (blocks of a few entries) merge as
//! soon as four small blocks wait.
//!
//! A merge reads and encodes inside a read snapshot, without the write
//! lock, then writes in one short transaction: each input block is deleted
//! only if it is still there with the same entry count (retention or
//! another instance may have changed it — then nothing is written), the
//! outputs get fresh numbers, and the project's directory version is
//! bumped. A reader (one snapshot per query) sees either all inputs or all
//! outputs. Ids never change. On PostgreSQL a transaction-scoped advisory
//! lock per project, held from the read to the commit, keeps a second
//! instance from doing the same work; on SQLite the write lock serialises.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::LogEntry;
use orion_logstore::{EncodeOptions, EncodedBlock, MERGED_BLOCK_ENTRIES, encode_block_with, to_micros};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use super::pack::BLOCK_ENTRIES;
use super::read::whole_block;
use super::sql::Sql;
use super::store::{self, Listed};
use crate::error::repo_err;

/// A block with fewer entries than this is small (a quiet project's).
pub(super) const SMALL_BLOCK: u32 = 512;

/// Runs of one tier merged together.
pub(super) const FANOUT: usize = 8;

/// Small blocks of a quiet project merged together.
const SMALL_FANOUT: usize = 4;

/// Runs this large are never merged again.
pub(super) const FINAL_RUN: u64 = (BLOCK_ENTRIES * FANOUT * FANOUT * FANOUT / 2) as u64;

/// Entries one merge takes at most: its encoded output (~25 MB at this
/// size) is held in memory until the write, so a full tier of large runs
/// is merged a few runs at a time rather than all at once.
pub(super) const MAX_MERGE: u64 = 2 * FINAL_RUN;

/// Merges one tier of one project at a time, until no tier of any project
/// is full (or `max_merges` merges ran); returns how many blocks were
/// merged away. `one_at_a_time` is the repository's merge lock: the
/// background merger and an explicit merge never race each other in one
/// process (across instances, the advisory lock and the unchanged-input
/// check do).
pub(super) async fn merge_all(
    db: &DatabaseConnection,
    one_at_a_time: &tokio::sync::Mutex<()>,
    max_merges: usize,
) -> RepoResult<u64> {
    let _turn = one_at_a_time.lock().await;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT project_id FROM log_blocks GROUP BY project_id HAVING count(*) >= ")
        .bind(SMALL_FANOUT as i64);
    let rows = db.query_all_raw(sql.build()).await.map_err(repo_err)?;
    let mut merged = 0;
    let mut merges = 0;
    for row in rows {
        let project: i64 = row.try_get_by_index(0).map_err(repo_err)?;
        let mut conflicts = 0;
        while merges < max_merges {
            match merge_project(db, ProjectId(project)).await? {
                Merged::Nothing => break,
                // Another instance or retention changed an input: look
                // again, a few times, then leave it to the next round.
                Merged::Conflict if conflicts < 3 => conflicts += 1,
                Merged::Conflict => break,
                Merged::Blocks(gone) => {
                    merged += gone;
                    merges += 1;
                }
            }
        }
    }
    Ok(merged)
}

/// What one merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Merged {
    /// No tier was due (or another instance holds the project's lock).
    Nothing,
    /// An input changed before the write; nothing was written.
    Conflict,
    /// This many blocks were merged away.
    Blocks(u64),
}

/// A run as the directory lists it: its blocks in number order (which is
/// time order for a merged run) and its size.
#[derive(Debug)]
struct Run {
    blocks: Vec<Listed>,
    entries: u64,
    min_ts: i64,
}

/// The size tier of a run of `entries`.
fn tier(entries: u64) -> u32 {
    let mut cap = (BLOCK_ENTRIES * FANOUT) as u64;
    let mut tier = 0;
    while entries >= cap {
        tier += 1;
        cap = cap.saturating_mul(FANOUT as u64);
    }
    tier
}

/// The runs of a project's directory.
fn runs(listed: Vec<Listed>) -> Vec<Run> {
    let mut named: HashMap<i64, Vec<Listed>> = HashMap::new();
    let mut out = Vec::new();
    for block in listed {
        match block.run {
            Some(run) => named.entry(run).or_default().push(block),
            None => out.push(vec![block]),
        }
    }
    out.extend(named.into_values());
    out.into_iter()
        .map(|mut blocks| {
            blocks.sort_by_key(|b| b.id);
            let entries = blocks.iter().map(|b| u64::from(b.summary.count)).sum();
            let min_ts = blocks.iter().map(|b| b.summary.min_ts).min().unwrap_or(0);
            Run { blocks, entries, min_ts }
        })
        .collect()
}

/// The runs to merge next, oldest first: the lowest tier holding
/// [`FANOUT`] runs below [`FINAL_RUN`], or a quiet project's small blocks.
fn plan(listed: Vec<Listed>) -> Vec<Run> {
    let mut by_tier: Vec<Vec<Run>> = Vec::new();
    for run in runs(listed).into_iter().filter(|r| r.entries < FINAL_RUN) {
        let t = tier(run.entries) as usize;
        if by_tier.len() <= t {
            by_tier.resize_with(t + 1, Vec::new);
        }
        by_tier[t].push(run);
    }
    for (t, mut runs) in by_tier.into_iter().enumerate() {
        runs.sort_by_key(|r| (r.min_ts, r.blocks[0].id));
        let small =
            t == 0 && runs.iter().filter(|r| r.entries < u64::from(SMALL_BLOCK)).count() >= SMALL_FANOUT;
        if runs.len() >= FANOUT {
            runs.truncate(FANOUT);
            // Oldest first, as many as one merge may hold (at least two
            // fit: every run here is below FINAL_RUN).
            let mut size = 0;
            runs.retain(|r| {
                size += r.entries;
                size <= MAX_MERGE
            });
            return runs;
        }
        if small {
            // Small runs first, up to a merged block's worth.
            runs.sort_by_key(|r| (r.entries, r.min_ts));
            let mut size = 0;
            runs.retain(|r| {
                size += r.entries;
                size <= MERGED_BLOCK_ENTRIES as u64
            });
            if runs.len() >= 2 {
                return runs;
            }
        }
    }
    Vec::new()
}

/// Encoding of merged blocks: the final tier compresses harder (it is
/// where the data stays); the tiers below stay at ingest speed. The final
/// tier's frames are zstd 7 and end at 1,024 entries or 64 KiB of text,
/// whichever comes first: more context packs short lines smaller (peer
/// workload 25.3 -> 24.3 bytes/entry against 512-entry frames), while
/// the byte cap keeps the text a query decodes and searches per frame no
/// larger than 512 entries of ~140 bytes (docs/performance.md: 1,024
/// entries without the cap made a common word's first page 70% slower).
fn options_for(entries: u64) -> EncodeOptions {
    if entries >= FINAL_RUN {
        EncodeOptions { zstd_level: 7, frame_entries: 1024, frame_bytes: 64 << 10, ..EncodeOptions::merged() }
    } else {
        EncodeOptions { zstd_level: 1, ..EncodeOptions::merged() }
    }
}

/// Merges the next full tier of one project.
pub(super) async fn merge_project(db: &DatabaseConnection, project: ProjectId) -> RepoResult<Merged> {
    let backend = db.get_database_backend();
    let read = if backend == DbBackend::Postgres {
        let txn = db
            .begin_with_config(Some(sea_orm::IsolationLevel::RepeatableRead), None)
            .await
            .map_err(repo_err)?;
        if !advisory_lock(&txn, project).await? {
            return Ok(Merged::Nothing);
        }
        txn
    } else {
        db.begin().await.map_err(repo_err)?
    };
    let inputs = plan(store::directory(&read, project.get(), None, None).await?);
    if inputs.is_empty() {
        return Ok(Merged::Nothing);
    }
    let total: u64 = inputs.iter().map(|r| r.entries).sum();
    let options = options_for(total);
    let doomed: Vec<(i64, u32)> =
        inputs.iter().flat_map(|r| r.blocks.iter().map(|b| (b.id, b.summary.count))).collect();
    let outputs = merge_runs(&read, project, inputs, options).await?;
    // SQLite: a connection of its own for the write (an in-memory
    // database has one). PostgreSQL: the read keeps the merge lock until
    // the write commits.
    let read = if backend == DbBackend::Sqlite {
        drop(read);
        None
    } else {
        Some(read)
    };

    let write = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: (backend == DbBackend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .map_err(repo_err)?;
    // Numbers first, then the directory version (which deleting bumps):
    // the writer takes the two rows in that order too, and the opposite
    // order deadlocks against it on PostgreSQL. A conflict below only
    // leaves a gap in the numbers.
    let first = store::allocate(&write, outputs.len() as i64).await?;
    for &(id, count) in &doomed {
        if !store::delete_unchanged(&write, project.get(), id, count).await? {
            // Changed meanwhile: roll back (dropping the transaction).
            return Ok(Merged::Conflict);
        }
    }
    for (n, block) in outputs.iter().enumerate() {
        store::insert(&write, project.get(), first + n as i64, block, Some(first)).await?;
    }
    write.commit().await.map_err(repo_err)?;
    drop(read);
    Ok(Merged::Blocks(doomed.len() as u64))
}

/// Takes the project's merge lock for the transaction (PostgreSQL); false
/// when another instance holds it.
async fn advisory_lock(txn: &DatabaseTransaction, project: ProjectId) -> RepoResult<bool> {
    let mut sql = Sql::new(DbBackend::Postgres);
    // The second key tells merges apart from other advisory locks.
    sql.push("SELECT pg_try_advisory_xact_lock(").bind(project.get() as i32).push(", 1869768045)");
    let row = txn.query_one_raw(sql.build()).await.map_err(repo_err)?;
    row.map_or(Ok(false), |r| r.try_get_by_index(0)).map_err(repo_err)
}

/// One input run being read: its blocks still to decode and the entries
/// of the current one, sorted by `(timestamp, id)`.
struct Cursor {
    blocks: VecDeque<i64>,
    entries: std::vec::IntoIter<LogEntry>,
}

impl Cursor {
    async fn next<C: ConnectionTrait>(&mut self, db: &C, project: ProjectId) -> RepoResult<Option<LogEntry>> {
        loop {
            if let Some(e) = self.entries.next() {
                return Ok(Some(e));
            }
            let Some(id) = self.blocks.pop_front() else { return Ok(None) };
            let mut entries = whole_block(db, project, id).await?;
            // A writer's block is in arrival order; a merged one is sorted
            // already (and sorting it again costs one pass).
            entries.sort_by_key(order);
            self.entries = entries.into_iter();
        }
    }
}

/// An output block being encoded on a blocking thread.
type Encoding = tokio::task::JoinHandle<orion_logstore::Result<EncodedBlock>>;

async fn encoded(encoding: Encoding) -> RepoResult<EncodedBlock> {
    encoding.await.map_err(RepositoryError::unavailable)?.map_err(RepositoryError::unavailable)
}

fn order(e: &LogEntry) -> (i64, i64) {
    (to_micros(e.entry.timestamp), e.id)
}

/// The k-way merge of `inputs` into encoded blocks in `(timestamp, id)`
/// order, decoding one block per run at a time and encoding each output
/// block on a blocking thread.
async fn merge_runs<C: ConnectionTrait>(
    db: &C,
    project: ProjectId,
    inputs: Vec<Run>,
    options: EncodeOptions,
) -> RepoResult<Vec<EncodedBlock>> {
    let mut cursors: Vec<Cursor> = inputs
        .into_iter()
        .map(|r| Cursor { blocks: r.blocks.iter().map(|b| b.id).collect(), entries: Vec::new().into_iter() })
        .collect();
    let mut heads: Vec<Option<LogEntry>> = Vec::with_capacity(cursors.len());
    let mut heap = BinaryHeap::new();
    for (i, cursor) in cursors.iter_mut().enumerate() {
        let head = cursor.next(db, project).await?;
        if let Some(e) = &head {
            heap.push(Reverse((order(e), i)));
        }
        heads.push(head);
    }
    let options = std::sync::Arc::new(options);
    let mut pending: Option<Encoding> = None;
    let mut outputs = Vec::new();
    let mut buffer = Vec::with_capacity(MERGED_BLOCK_ENTRIES);
    while let Some(Reverse((_, i))) = heap.pop() {
        if let Some(e) = heads[i].take() {
            buffer.push(e);
        }
        heads[i] = cursors[i].next(db, project).await?;
        if let Some(e) = &heads[i] {
            heap.push(Reverse((order(e), i)));
        }
        if buffer.len() == MERGED_BLOCK_ENTRIES || (heap.is_empty() && !buffer.is_empty()) {
            // One block encoding while the next is gathered, no more: a
            // merge takes about one core beside ingest, and the entries
            // waiting to be encoded stay one block's worth (queueing them
            // all held a whole run of decoded entries in memory).
            if let Some(previous) = pending.take() {
                outputs.push(encoded(previous).await?);
            }
            let block = std::mem::replace(&mut buffer, Vec::with_capacity(MERGED_BLOCK_ENTRIES));
            let options = options.clone();
            pending = Some(tokio::task::spawn_blocking(move || encode_block_with(&block, &options)));
        }
    }
    if let Some(last) = pending {
        outputs.push(encoded(last).await?);
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use orion_logstore::BlockSummary;

    fn listed(id: i64, count: u32, run: Option<i64>, min_ts: i64) -> Listed {
        Listed {
            id,
            summary: BlockSummary { count, min_ts, max_ts: min_ts + 10, ..BlockSummary::default() },
            run,
        }
    }

    #[test]
    fn tiers_grow_by_the_fanout() {
        assert_eq!(tier(1), 0);
        assert_eq!(tier(8_191), 0);
        assert_eq!(tier(8_192), 1);
        assert_eq!(tier(65_535), 1);
        assert_eq!(tier(65_536), 2);
        assert_eq!(FINAL_RUN, 262_144);
    }

    #[test]
    fn a_full_tier_is_merged_oldest_first_and_the_final_tier_never() {
        // Seven fresh blocks: not yet.
        let fresh: Vec<Listed> = (1..=7).map(|i| listed(i, 1_024, None, 100 - i)).collect();
        assert!(plan(fresh.clone()).is_empty());
        // The eighth fills tier 0; the ninth waits for the next merge.
        let mut more = fresh.clone();
        more.extend([listed(8, 1_024, None, 1), listed(9, 1_024, None, 200)]);
        let chosen = plan(more);
        assert_eq!(chosen.len(), FANOUT);
        assert!(chosen.iter().all(|r| r.blocks[0].id != 9), "the newest waits");
        // A merged run (blocks 20..=21 as one run) counts once, by its size.
        let mut with_run = fresh;
        with_run.extend([listed(20, 4_096, Some(20), 5), listed(21, 4_096, Some(20), 50)]);
        assert!(plan(with_run).is_empty(), "seven fresh blocks and one tier-1 run make no full tier");
        // Final runs are left alone however many there are.
        let finals: Vec<Listed> =
            (0..10).map(|r| listed(100 + r, FINAL_RUN as u32, Some(100 + r), r)).collect();
        assert!(plan(finals).is_empty());
    }

    #[test]
    fn a_merge_never_holds_more_than_its_cap() {
        // Eight runs of tier 2, each just below final: merged a few at a
        // time, oldest first, never more than MAX_MERGE entries.
        let big = (FINAL_RUN - 1) as u32;
        let runs: Vec<Listed> =
            (0..8).map(|r| listed(10 * (r + 1), big, Some(10 * (r + 1)), 100 - r)).collect();
        let chosen = plan(runs);
        assert_eq!(chosen.len(), 2);
        assert!(chosen.iter().map(|r| r.entries).sum::<u64>() <= MAX_MERGE);
        assert_eq!(chosen[0].blocks[0].id, 80, "the oldest run first");
        // Small tier-2 runs still merge eight at a time.
        let small: Vec<Listed> =
            (0..8).map(|r| listed(10 * (r + 1), 65_536, Some(10 * (r + 1)), r)).collect();
        assert_eq!(plan(small).len(), 8);
    }

    #[test]
    fn a_quiet_projects_small_blocks_merge_four_at_a_time() {
        let small: Vec<Listed> = (1..=3).map(|i| listed(i, 5, None, i)).collect();
        assert!(plan(small.clone()).is_empty());
        let mut four = small;
        four.push(listed(4, 5, None, 4));
        assert_eq!(plan(four).len(), 4);
    }
}
