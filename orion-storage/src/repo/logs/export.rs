//! Exports that keep their place: a k-way merge over the blocks, each
//! block opened (pruned, decoded, scanned) once per export instead of once
//! per page.
//!
//! `page_after` has to find its place again on every call: it lists the
//! directory and scans every block overlapping the cursor, and with sorted
//! runs that overlap in time (every run spans the data's whole time range)
//! each 1,000-entry page scanned one block of every run, about 40 blocks
//! of 4,096 entries at 10M entries. Here an open block holds its matches
//! after the cursor, sorted, and a heap hands them out newest first; a
//! block is opened only once the heap's newest match is no newer than the
//! block's `(max_ts, max_id)`, the same bound `page_after` stops on.
//!
//! Each page reads in its own snapshot, so an export never pins one for
//! minutes. Blocks are immutable under a `(number, entry count)` pair: when
//! the snapshot's directory differs from the last page's, blocks no longer
//! in it (merged away, or rewritten by retention) are dropped with their
//! unread matches, and blocks new to it are opened after the cursor. Their
//! entries past the cursor are exactly the dropped ones that still exist,
//! so no entry is missed or repeated, as with keyset pages.
//!
//! Memory: the open blocks (those overlapping the cursor in time, one per
//! run plus the unmerged ones) with their decoded parts, whatever the
//! export's length.

use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::{EntryRows, LogCursor, LogEntry, LogFilter};
use orion_core::repo::LogPages;
use sea_orm::DatabaseConnection;

use super::cache::DecodedParts;
use super::directory::Directories;
use super::read::{Candidate, Decoded, LentRows, Reader, damaged};
use super::snapshot;
use super::store::Listed;

/// Blocks opened per round trip when nothing is open (the first page, or
/// after a stretch of blocks without a match); doubled up to
/// [`MAX_OPEN_BATCH`] while blocks keep coming up empty.
const FIRST_OPEN_BATCH: usize = 2;
const MAX_OPEN_BATCH: usize = 64;

/// A block as the export knows it: its number and entry count (retention
/// rewrites a block under its number with fewer entries).
type BlockKey = (i64, u32);

fn key_of(listed: &Listed) -> BlockKey {
    (listed.id, listed.summary.count)
}

/// `(ts_us, id, position)` of a block's unread matches, oldest first (so
/// the newest is popped from the end).
type Rest = Vec<(i64, i64, u32)>;

/// An export's place in one project's blocks.
pub(super) struct ExportPages {
    db: DatabaseConnection,
    parts: Arc<DecodedParts>,
    directories: Arc<Directories>,
    project: ProjectId,
    filter: LogFilter,
    /// The cursor this state continues from: the last entry handed out.
    at: Option<LogCursor>,
    /// The directory the state was built against.
    directory: Option<Arc<Vec<Listed>>>,
    /// Blocks opened so far (open, exhausted, or found without a match).
    opened: HashSet<BlockKey>,
    /// Admitted blocks not opened yet, newest first by `(max_ts, max_id)`.
    pending: VecDeque<Listed>,
    /// Open blocks by number: their parts, as far as they were read...
    open: HashMap<i64, (Candidate, Decoded)>,
    /// ...and their matches not handed out yet.
    rest: HashMap<i64, Rest>,
    /// The newest unread match of each open block: `((ts_us, id), block)`.
    heap: BinaryHeap<((i64, i64), i64)>,
}

impl std::fmt::Debug for ExportPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportPages")
            .field("project", &self.project)
            .field("at", &self.at)
            .field("open", &self.open.len())
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl ExportPages {
    pub(super) fn new(
        db: DatabaseConnection,
        (parts, directories): (Arc<DecodedParts>, Arc<Directories>),
        project: ProjectId,
        filter: LogFilter,
    ) -> Self {
        Self {
            db,
            parts,
            directories,
            project,
            filter,
            at: None,
            directory: None,
            opened: HashSet::new(),
            pending: VecDeque::new(),
            open: HashMap::new(),
            rest: HashMap::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Forgets everything: the next page starts from its cursor alone.
    fn reset(&mut self) {
        self.directory = None;
        self.opened.clear();
        self.pending.clear();
        self.open.clear();
        self.rest.clear();
        self.heap.clear();
    }

    /// Brings the state up to `directory` (the snapshot's): drops what is
    /// gone from it and lists what is new in it as pending.
    fn follow<C: sea_orm::ConnectionTrait>(&mut self, reader: &Reader<'_, C>, directory: Arc<Vec<Listed>>) {
        if self.directory.as_ref().is_some_and(|d| Arc::ptr_eq(d, &directory)) {
            return;
        }
        let present: HashSet<BlockKey> = directory.iter().map(key_of).collect();
        self.opened.retain(|k| present.contains(k));
        self.open.retain(|_, (c, _)| present.contains(&key_of(&c.listed)));
        self.rest.retain(|block, _| self.open.contains_key(block));
        self.heap.retain(|(_, block)| self.open.contains_key(block));
        self.pending = directory
            .iter()
            .filter(|b| !self.opened.contains(&key_of(b)) && reader.admits(b))
            .cloned()
            .collect();
        self.directory = Some(directory);
    }

    /// Opens `blocks`: prunes, decodes and scans them, queuing their matches.
    async fn open_blocks<C: sea_orm::ConnectionTrait>(
        &mut self,
        reader: &Reader<'_, C>,
        blocks: &[Listed],
    ) -> RepoResult<()> {
        self.opened.extend(blocks.iter().map(key_of));
        let candidates = reader.candidates(blocks).await?;
        let mut decoded = reader.decode(&candidates, reader.wants_metadata(), false).await?;
        for c in candidates {
            let id = c.listed.id;
            let Some(d) = decoded.remove(&id) else { continue };
            let positions = reader.scan(&c, &d)?.positions().map_err(|e| damaged(id, e))?;
            if positions.is_empty() {
                continue;
            }
            let (ts, ids) = (d.head.timestamps(), d.head.ids());
            let mut rest: Vec<(i64, i64, u32)> =
                positions.into_iter().map(|p| (ts[p as usize], ids[p as usize], p)).collect();
            rest.sort_unstable_by_key(|&(t, i, _)| (t, i));
            let (t, i, _) = rest[rest.len() - 1];
            self.heap.push(((t, i), id));
            self.open.insert(id, (c, d));
            self.rest.insert(id, rest);
        }
        Ok(())
    }

    /// The pending blocks to open before the heap's newest match can be
    /// handed out: those whose bound is at or above it (or, with nothing
    /// open, the next `batch`).
    fn due(&mut self, batch: usize) -> Vec<Listed> {
        let top = self.heap.peek().map(|&(key, _)| key);
        let mut due = Vec::new();
        while let Some(next) = self.pending.front() {
            let bound = (next.summary.max_ts, next.summary.max_id);
            let wanted = match top {
                Some(top) => bound >= top && due.len() < MAX_OPEN_BATCH,
                None => due.len() < batch,
            };
            if !wanted {
                break;
            }
            due.extend(self.pending.pop_front());
        }
        due
    }

    /// Hands out the heap's newest match.
    fn pop(&mut self) -> Option<(i64, i64, i64, u32)> {
        let (_, block) = self.heap.pop()?;
        let rest = self.rest.get_mut(&block)?;
        let (ts, id, pos) = rest.pop()?;
        if let Some(&(t, i, _)) = rest.last() {
            self.heap.push(((t, i), block));
        }
        Some((ts, id, block, pos))
    }
}

#[async_trait]
impl LogPages for ExportPages {
    async fn next_page(&mut self, after: Option<LogCursor>, limit: u32) -> RepoResult<Vec<LogEntry>> {
        self.next::<Owned>(after, limit).await
    }

    async fn next_rows(&mut self, after: Option<LogCursor>, limit: u32) -> RepoResult<Box<dyn EntryRows>> {
        Ok(Box::new(self.next::<Lent>(after, limit).await?))
    }
}

/// How a page is handed out: [`Owned`] entries, or [`Lent`] in place.
trait Shape {
    type Page: EntryRows + Default;

    /// The page of the `chosen` matches of blocks in `open`.
    fn build<C: sea_orm::ConnectionTrait>(
        reader: &Reader<'_, C>,
        chosen: &[(i64, i64, i64, u32)],
        open: &mut HashMap<i64, (Candidate, Decoded)>,
    ) -> impl Future<Output = RepoResult<Self::Page>> + Send;
}

/// Pages of owned entries ([`LogPages::next_page`]).
struct Owned;

impl Shape for Owned {
    type Page = Vec<LogEntry>;

    async fn build<C: sea_orm::ConnectionTrait>(
        reader: &Reader<'_, C>,
        chosen: &[(i64, i64, i64, u32)],
        open: &mut HashMap<i64, (Candidate, Decoded)>,
    ) -> RepoResult<Self::Page> {
        reader.materialize(chosen, open).await
    }
}

/// Pages lent in place ([`LogPages::next_rows`]).
struct Lent;

impl Shape for Lent {
    type Page = LentRows;

    async fn build<C: sea_orm::ConnectionTrait>(
        reader: &Reader<'_, C>,
        chosen: &[(i64, i64, i64, u32)],
        open: &mut HashMap<i64, (Candidate, Decoded)>,
    ) -> RepoResult<Self::Page> {
        reader.lend(chosen, open).await
    }
}

impl ExportPages {
    /// The page after `after`, keeping the state's place.
    async fn next<S: Shape>(&mut self, after: Option<LogCursor>, limit: u32) -> RepoResult<S::Page> {
        if after != self.at {
            self.reset();
        }
        self.at = after;
        if limit == 0 {
            return Ok(S::Page::default());
        }
        match self.read_page::<S>(after, limit as usize).await {
            Ok(page) => {
                self.at = page.last_cursor().or(after);
                Ok(page)
            }
            Err(e) => {
                // Matches may have left the heap for a page that never
                // came: start over from the cursor next time.
                self.reset();
                Err(e)
            }
        }
    }

    /// The next `limit` matches after `after` (the state's own cursor).
    async fn read_page<S: Shape>(&mut self, after: Option<LogCursor>, limit: usize) -> RepoResult<S::Page> {
        let txn = snapshot(&self.db).await?;
        let (parts, directories) = (self.parts.clone(), self.directories.clone());
        let reader = Reader::new(&txn, (&parts, &directories), self.project, &self.filter, after);
        let directory = reader.directory().await?;
        self.follow(&reader, directory);
        let mut chosen = Vec::with_capacity(limit);
        let mut batch = FIRST_OPEN_BATCH;
        while chosen.len() < limit {
            let due = self.due(batch);
            if !due.is_empty() {
                if self.heap.is_empty() {
                    batch = (batch * 2).min(MAX_OPEN_BATCH);
                }
                self.open_blocks(&reader, &due).await?;
                continue;
            }
            match self.pop() {
                Some(hit) => chosen.push(hit),
                None => break,
            }
        }
        let page = S::build(&reader, &chosen, &mut self.open).await?;
        // Exhausted blocks go: the state holds only blocks still open.
        self.rest.retain(|_, rest| !rest.is_empty());
        self.open.retain(|block, _| self.rest.contains_key(block));
        Ok(page)
    }
}
