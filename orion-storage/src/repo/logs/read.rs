//! Queries over the block store: pages newest first, capped counts,
//! histograms and level counts.
//!
//! Every query walks the project's directory (summaries only, newest first
//! by `(max_ts, max_id)`), drops blocks on their summary, then in batches
//! reads the filters it needs, prunes, and reads only the heads, metadata
//! and frames of the blocks (and frames) that can still match. Each block
//! is then scanned by `orion-logstore` with exactly `LogFilter::matches`.
//! Counts, histograms and level counts of blocks wholly inside a filter
//! without a needle, tags or metadata come from the summary alone.
//!
//! A page stops reading once it holds `offset + limit` matches and no
//! unread block can hold a newer one: a block's entries are all at or
//! below its `(max_ts, max_id)`, and blocks are visited in that order.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::log::{
    EntryRows, EntryView, HistogramCount, Interval, LogCursor, LogEntry, LogFilter,
};
use orion_logstore::{
    BlockError, BlockFilter, BlockRows, BlockScan, Frame, Head, Metadata, Prune, Query, ceil_micros,
    count_without_scan, decode_filter, decode_frame, decode_head, decode_metadata, histogram_without_scan,
    level_counts_without_scan, may_match, needles_settled, prune,
};
use sea_orm::ConnectionTrait;

use super::cache::DecodedParts;
use super::directory::Directories;
use super::store::{self, Listed};

/// Blocks whose filters (and parts) are fetched per round trip: a few at
/// first (a page or a capped count often ends within the newest blocks),
/// doubling up to [`MAX_BATCH`] for queries that walk far.
const FIRST_BATCH: usize = 2;
const MAX_BATCH: usize = 64;

/// `listed` cut into batches of growing size.
fn batches<T>(listed: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = listed;
    let mut size = FIRST_BATCH;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (head, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        size = (size * 2).min(MAX_BATCH);
        Some(head)
    })
}

/// Keeps the `need` newest of `hits` (by `(timestamp, id)`), the last of
/// them (`hits[need - 1]`) the oldest kept: a selection, not a sort, since an export's page
/// near its cursor collects every older entry of each run's block (a
/// hundred thousand hits for a page of a thousand).
fn keep_newest(hits: &mut Vec<(i64, i64, i64, u32)>, need: usize) {
    if need == 0 || hits.len() < need {
        return;
    }
    hits.select_nth_unstable_by_key(need - 1, |h| std::cmp::Reverse((h.0, h.1)));
    hits.truncate(need);
}

/// A damaged block: logged once with its id, and failing the query that
/// touched it (never a silently incomplete answer).
#[derive(Debug, thiserror::Error)]
#[error("log block {block} is damaged: {source}")]
pub(crate) struct DamagedBlock {
    /// The block's number.
    pub(crate) block: i64,
    /// What decoding found.
    #[source]
    pub(crate) source: BlockError,
}

/// The error for a damaged `block`, logged where it is found.
pub(super) fn damaged(block: i64, source: BlockError) -> RepositoryError {
    tracing::error!(block, error = %source, "damaged log block; queries that touch it fail until it is repaired");
    RepositoryError::unavailable(DamagedBlock { block, source })
}

/// A compiled query over one project.
pub(super) struct Reader<'a, C> {
    db: &'a C,
    /// Decoded parts shared by every query of the repository.
    parts: &'a DecodedParts,
    /// Directories shared likewise.
    directories: &'a Directories,
    project: ProjectId,
    query: Query,
    /// Whether pruning needs the filter BLOB (positive needles, tags,
    /// metadata pairs, sources or servers; negated terms never prune).
    wants_filter: bool,
    /// The query without its positive needles, for blocks whose common
    /// words settle them (counted from heads, no frame read).
    unneedled: Query,
}

/// A block surviving its summary and filter: which frames can match.
pub(super) struct Candidate {
    pub(super) listed: Listed,
    filter: Option<Arc<BlockFilter>>,
    frames: Vec<u32>,
}

/// A block's head and metadata as the cache held them (either may be
/// absent).
type CachedParts = (Option<Arc<Head>>, Option<Arc<Metadata>>);

/// A decoded block: its head, metadata when read, and the frames read.
pub(super) struct Decoded {
    pub(super) head: Arc<Head>,
    metadata: Option<Arc<Metadata>>,
    frames: Vec<Arc<Frame>>,
}

impl<'a, C: ConnectionTrait> Reader<'a, C> {
    pub(super) fn new(
        db: &'a C,
        (parts, directories): (&'a DecodedParts, &'a Directories),
        project: ProjectId,
        filter: &LogFilter,
        after: Option<LogCursor>,
    ) -> Self {
        let mut query = Query::new(filter);
        if let Some(cursor) = after {
            query = query.after(cursor);
        }
        let wants_filter = query.wants_filter();
        let unneedled = query.without_needles();
        Self { db, parts, directories, project, query, wants_filter, unneedled }
    }

    /// The project's directory as this reader's snapshot sees it.
    pub(super) async fn directory(&self) -> RepoResult<Arc<Vec<Listed>>> {
        self.directories.get(self.db, self.project.get()).await
    }

    /// Whether scans need the blocks' metadata (the filter has pairs).
    pub(super) fn wants_metadata(&self) -> bool {
        self.query.has_metadata_filter()
    }

    /// Whether a block can hold a match, by its summary and the time range.
    pub(super) fn admits(&self, block: &Listed) -> bool {
        let f = self.query.filter();
        let (from, to) = (f.from.map(ceil_micros), f.to.map(ceil_micros));
        from.is_none_or(|from| block.summary.max_ts >= from)
            && to.is_none_or(|to| block.summary.min_ts < to)
            && may_match(&block.summary, &self.query)
    }

    /// `directory` (newest first) narrowed by the time range and the
    /// summaries: borrowed, since a query over 10M entries lists
    /// thousands of blocks and cloning each summary (its source is a
    /// `String`) cost an allocation apiece.
    fn admitted<'d>(&self, directory: &'d [Listed]) -> Vec<&'d Listed> {
        directory.iter().filter(|b| self.admits(b)).collect()
    }

    /// Prunes a batch of listed blocks with their filters.
    pub(super) async fn candidates(&self, batch: &[impl Borrow<Listed>]) -> RepoResult<Vec<Candidate>> {
        self.candidates_with(batch, self.wants_filter).await
    }

    /// [`Self::candidates`], reading the filters also when pruning needs
    /// none (`with_filters`: a histogram counts merged blocks by their
    /// filters' minute counts).
    async fn candidates_with(
        &self,
        batch: &[impl Borrow<Listed>],
        with_filters: bool,
    ) -> RepoResult<Vec<Candidate>> {
        if !with_filters {
            return Ok(batch
                .iter()
                .map(Borrow::borrow)
                .map(|l: &Listed| Candidate {
                    listed: l.clone(),
                    filter: None,
                    frames: (0..l.summary.frame_count).collect(),
                })
                .collect());
        }
        // Cached filters are taken (not just looked at) before the rest
        // is fetched: the cache may evict one meanwhile, and a filter
        // looked up twice could then be neither cached nor fetched.
        let mut cached: HashMap<i64, Arc<BlockFilter>> = HashMap::with_capacity(batch.len());
        let mut missing = Vec::new();
        for l in batch.iter().map(Borrow::borrow) {
            match self.parts.filter(l.id, l.summary.count) {
                Some(filter) => {
                    cached.insert(l.id, filter);
                }
                None => missing.push(l.id),
            }
        }
        let mut blobs = store::filters(self.db, &missing).await?;
        let mut out = Vec::new();
        for listed in batch.iter().map(Borrow::borrow) {
            let filter = match cached.remove(&listed.id) {
                Some(filter) => filter,
                None => {
                    let bytes = blobs.remove(&listed.id).ok_or_else(|| {
                        damaged(
                            listed.id,
                            BlockError::Missing { part: orion_logstore::Part::Filter, index: 0 },
                        )
                    })?;
                    let filter = Arc::new(decode_filter(&bytes).map_err(|e| damaged(listed.id, e))?);
                    self.parts.put_filter(listed.id, listed.summary.count, filter.clone());
                    filter
                }
            };
            match prune(&listed.summary, &filter, &self.query).map_err(|e| damaged(listed.id, e))? {
                Prune::Skip => {}
                Prune::Scan { frames } => {
                    out.push(Candidate { listed: listed.clone(), filter: Some(filter), frames })
                }
            }
        }
        Ok(out)
    }

    /// Reads and decodes the parts a scan of `candidates` needs: heads,
    /// metadata when `metadata`, and the candidate frames when the query
    /// has a needle (or `all_frames`).
    pub(super) async fn decode(
        &self,
        candidates: &[Candidate],
        metadata: bool,
        all_frames: bool,
    ) -> RepoResult<HashMap<i64, Decoded>> {
        // Heads (and metadata) not cached yet, in one round trip. Cached
        // ones are taken first, so an eviction meanwhile cannot leave a
        // part neither cached nor fetched.
        let mut cached: HashMap<i64, CachedParts> = HashMap::with_capacity(candidates.len());
        let mut missing = Vec::new();
        for c in candidates {
            let (id, count) = (c.listed.id, c.listed.summary.count);
            let head = self.parts.head(id, count);
            let meta = if metadata { self.parts.metadata(id, count) } else { None };
            if head.is_none() || (metadata && meta.is_none()) {
                missing.push(id);
            }
            cached.insert(id, (head, meta));
        }
        let mut heads = store::heads(self.db, &missing, metadata).await?;
        let mut out = HashMap::with_capacity(candidates.len());
        for c in candidates {
            let (id, count) = (c.listed.id, c.listed.summary.count);
            let fetched = heads.remove(&id);
            let (cached_head, cached_meta) = cached.remove(&id).unwrap_or((None, None));
            let missing = |part| damaged(id, BlockError::Missing { part, index: 0 });
            let head = match cached_head {
                Some(head) => head,
                None => {
                    let (bytes, _) = fetched.as_ref().ok_or_else(|| missing(orion_logstore::Part::Head))?;
                    let head = Arc::new(decode_head(bytes).map_err(|e| damaged(id, e))?);
                    self.parts.put_head(id, count, head.clone());
                    head
                }
            };
            let metadata = if !metadata {
                None
            } else if let Some(cached) = cached_meta {
                Some(cached)
            } else {
                match fetched.as_ref().and_then(|(_, m)| m.as_ref()) {
                    Some(bytes) => {
                        let meta = Arc::new(decode_metadata(bytes).map_err(|e| damaged(id, e))?);
                        self.parts.put_metadata(id, count, meta.clone());
                        Some(meta)
                    }
                    None => return Err(missing(orion_logstore::Part::Metadata)),
                }
            };
            let frames = if self.query.has_needle() || all_frames {
                let wanted: Vec<u32> =
                    if all_frames { (0..c.listed.summary.frame_count).collect() } else { c.frames.clone() };
                self.frames(&c.listed, &wanted).await?
            } else {
                Vec::new()
            };
            out.insert(id, Decoded { head, metadata, frames });
        }
        Ok(out)
    }

    /// Frames `wanted` of a block, decoded, from the cache where it has
    /// them and in one round trip for the rest.
    async fn frames(&self, listed: &Listed, wanted: &[u32]) -> RepoResult<Vec<Arc<Frame>>> {
        let (id, count) = (listed.id, listed.summary.count);
        let mut frames = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for &index in wanted {
            match self.parts.frame(id, count, index) {
                Some(frame) => frames.push(frame),
                None => missing.push(index),
            }
        }
        if !missing.is_empty() {
            for raw in store::frames(self.db, id, Some(&missing)).await? {
                let frame = Arc::new(decode_frame(&raw).map_err(|e| damaged(id, e))?);
                self.parts.put_frame(id, count, frame.index(), frame.clone());
                frames.push(frame);
            }
        }
        Ok(frames)
    }

    pub(super) fn scan<'d>(&'d self, c: &Candidate, d: &'d Decoded) -> RepoResult<BlockScan<'d>> {
        BlockScan::new(&self.query, &d.head, d.metadata.as_deref(), &d.frames, &c.frames)
            .map_err(|e| damaged(c.listed.id, e))
    }

    /// Up to `limit` matches after skipping `offset`, newest first.
    pub(super) async fn page(&self, offset: usize, limit: usize) -> RepoResult<Vec<LogEntry>> {
        let need = offset.saturating_add(limit);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let directory = self.directory().await?;
        let listed = self.admitted(&directory);
        // (ts_us, id, block, position) of every match found so far.
        let mut hits: Vec<(i64, i64, i64, u32)> = Vec::new();
        let mut kept: HashMap<i64, (Candidate, Decoded)> = HashMap::new();
        for batch in batches(&listed) {
            if hits.len() >= need {
                keep_newest(&mut hits, need);
                let (ts, id) = (hits[need - 1].0, hits[need - 1].1);
                let next = &batch[0].summary;
                if (next.max_ts, next.max_id) < (ts, id) {
                    break;
                }
            }
            let mut candidates = self.candidates(batch).await?;
            if hits.len() >= need {
                // Only entries newer than the page's current last one can
                // still enter it: blocks overlapping in time are narrowed
                // to the frames holding such entries before any frame is
                // read or searched.
                let last = (hits[need - 1].0, hits[need - 1].1);
                candidates = self.newer_than(candidates, last).await?;
            }
            let mut decoded = self.decode(&candidates, self.query.has_metadata_filter(), false).await?;
            for c in candidates {
                let Some(d) = decoded.remove(&c.listed.id) else { continue };
                let positions = self.scan(&c, &d)?.newest(need).map_err(|e| damaged(c.listed.id, e))?;
                if positions.is_empty() {
                    continue;
                }
                for p in positions {
                    let i = p as usize;
                    hits.push((d.head.timestamps()[i], d.head.ids()[i], c.listed.id, p));
                }
                kept.insert(c.listed.id, (c, d));
            }
        }
        hits.sort_unstable_by_key(|h| std::cmp::Reverse((h.0, h.1)));
        let chosen: Vec<(i64, i64, i64, u32)> = hits.into_iter().skip(offset).take(limit).collect();
        self.materialize(&chosen, &mut kept).await
    }

    /// The decoded heads of `candidates`, from the cache where it has them
    /// and in one round trip for the rest.
    async fn heads(&self, candidates: &[Candidate]) -> RepoResult<HashMap<i64, Arc<Head>>> {
        let mut out = HashMap::with_capacity(candidates.len());
        let mut missing = Vec::new();
        for c in candidates {
            match self.parts.head(c.listed.id, c.listed.summary.count) {
                Some(head) => {
                    out.insert(c.listed.id, head);
                }
                None => missing.push(c.listed.id),
            }
        }
        let mut fetched = store::heads(self.db, &missing, false).await?;
        for c in candidates.iter().filter(|c| missing.contains(&c.listed.id)) {
            let id = c.listed.id;
            let (bytes, _) = fetched.remove(&id).ok_or_else(|| {
                damaged(id, BlockError::Missing { part: orion_logstore::Part::Head, index: 0 })
            })?;
            let head = Arc::new(decode_head(&bytes).map_err(|e| damaged(id, e))?);
            self.parts.put_head(id, c.listed.summary.count, head.clone());
            out.insert(id, head);
        }
        Ok(out)
    }

    /// `candidates` narrowed to the frames holding an entry after `last`
    /// in newest-first order (`(timestamp, id)` above it); a block with
    /// none is dropped. Reads only heads (cached ones are not re-read).
    async fn newer_than(&self, candidates: Vec<Candidate>, last: (i64, i64)) -> RepoResult<Vec<Candidate>> {
        let heads = self.heads(&candidates).await?;
        let mut out = Vec::with_capacity(candidates.len());
        for mut c in candidates {
            let Some(head) = heads.get(&c.listed.id) else { continue };
            let (ts, ids) = (head.timestamps(), head.ids());
            let newer = |f: &u32| {
                let range = head.frame_range(*f as usize);
                ts[range.clone()].iter().zip(&ids[range]).any(|(&t, &i)| (t, i) > last)
            };
            c.frames.retain(newer);
            if !c.frames.is_empty() {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Rebuilds the chosen matches, reading the metadata and the frames
    /// that hold them.
    /// The frames and metadata read stay in `kept` (an export reads on
    /// from the same blocks).
    pub(super) async fn materialize(
        &self,
        chosen: &[(i64, i64, i64, u32)],
        kept: &mut HashMap<i64, (Candidate, Decoded)>,
    ) -> RepoResult<Vec<LogEntry>> {
        let per_block = self.complete(chosen, kept).await?;
        let mut rebuilt: HashMap<(i64, u32), LogEntry> = HashMap::with_capacity(chosen.len());
        for (block, positions) in per_block {
            let Some((c, d)) = kept.get(&block) else { continue };
            let scan = BlockScan::new(&self.query, &d.head, d.metadata.as_deref(), &d.frames, &c.frames)
                .map_err(|e| damaged(block, e))?;
            let entries = scan.entries(&positions, self.project).map_err(|e| damaged(block, e))?;
            for (p, e) in positions.into_iter().zip(entries) {
                rebuilt.insert((block, p), e);
            }
        }
        chosen
            .iter()
            .map(|&(_, _, block, pos)| {
                rebuilt.remove(&(block, pos)).ok_or_else(|| {
                    damaged(block, BlockError::Missing { part: orion_logstore::Part::Head, index: pos })
                })
            })
            .collect()
    }

    /// The chosen matches lent in place, in order: the blocks' decoded
    /// parts are shared with the rows, nothing is copied out (exports).
    /// The frames and metadata read stay in `kept`, as for
    /// [`Self::materialize`].
    pub(super) async fn lend(
        &self,
        chosen: &[(i64, i64, i64, u32)],
        kept: &mut HashMap<i64, (Candidate, Decoded)>,
    ) -> RepoResult<LentRows> {
        let per_block = self.complete(chosen, kept).await?;
        let mut rows = BlockRows::new();
        let mut numbers = Vec::with_capacity(per_block.len());
        let mut index: HashMap<i64, u32> = HashMap::with_capacity(per_block.len());
        for block in per_block.into_keys() {
            let Some((_, d)) = kept.get(&block) else { continue };
            let i = rows
                .add_block(d.head.clone(), d.metadata.clone(), &d.frames)
                .map_err(|e| damaged(block, e))?;
            index.insert(block, i);
            numbers.push(block);
        }
        for &(_, _, block, pos) in chosen {
            let missing = || BlockError::Missing { part: orion_logstore::Part::Head, index: pos };
            let i = *index.get(&block).ok_or_else(|| damaged(block, missing()))?;
            rows.push(i, pos).map_err(|e| damaged(block, e))?;
        }
        Ok(LentRows { rows, numbers })
    }

    /// Reads what rebuilding the chosen matches needs and `kept` lacks:
    /// the frames holding them and the metadata; answers their positions
    /// by block.
    async fn complete(
        &self,
        chosen: &[(i64, i64, i64, u32)],
        kept: &mut HashMap<i64, (Candidate, Decoded)>,
    ) -> RepoResult<BTreeMap<i64, Vec<u32>>> {
        let mut per_block: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
        for &(_, _, block, pos) in chosen {
            per_block.entry(block).or_default().push(pos);
        }
        for (&block, positions) in &per_block {
            let Some((c, d)) = kept.get_mut(&block) else { continue };
            let mut frames: Vec<u32> =
                positions.iter().map(|&p| d.head.frame_of(p as usize) as u32).collect();
            frames.sort_unstable();
            frames.dedup();
            let have: Vec<u32> = d.frames.iter().map(|f| f.index()).collect();
            let missing: Vec<u32> = frames.iter().copied().filter(|f| !have.contains(f)).collect();
            if !missing.is_empty() {
                d.frames.extend(self.frames(&c.listed, &missing).await?);
            }
            if d.metadata.is_none() && d.head.has_metadata() {
                let count = c.listed.summary.count;
                d.metadata = Some(match self.parts.metadata(block, count) {
                    Some(meta) => meta,
                    None => {
                        // Only the metadata: the head was decoded already.
                        let raw = store::metadata(self.db, block).await?.ok_or_else(|| {
                            damaged(
                                block,
                                BlockError::Missing { part: orion_logstore::Part::Metadata, index: 0 },
                            )
                        })?;
                        let meta = Arc::new(decode_metadata(&raw).map_err(|e| damaged(block, e))?);
                        self.parts.put_metadata(block, count, meta.clone());
                        meta
                    }
                });
            }
        }
        Ok(per_block)
    }

    /// `to_scan` split into the blocks whose common words settle the
    /// query's needles (scanned with their heads only) and the others.
    fn split_settled(&self, to_scan: Vec<Candidate>) -> (Vec<Candidate>, Vec<Candidate>) {
        to_scan.into_iter().partition(|c| needles_settled(c.filter.as_deref(), &self.query))
    }

    /// Scans of `settled` blocks with the needle-less query, from their
    /// heads alone, handed to `each`.
    async fn scan_settled(
        &self,
        settled: &[Candidate],
        mut each: impl FnMut(&Candidate, BlockScan<'_>) -> RepoResult<()>,
    ) -> RepoResult<()> {
        if settled.is_empty() {
            return Ok(());
        }
        let heads = self.heads(settled).await?;
        for c in settled {
            let Some(head) = heads.get(&c.listed.id) else { continue };
            let scan = BlockScan::new(&self.unneedled, head, None, &[] as &[Frame], &c.frames)
                .map_err(|e| damaged(c.listed.id, e))?;
            each(c, scan)?;
        }
        Ok(())
    }

    /// Matches, counted no further than `cap`.
    pub(super) async fn count(&self, cap: u64) -> RepoResult<u64> {
        let mut total = 0u64;
        let directory = self.directory().await?;
        for batch in batches(&self.admitted(&directory)) {
            if total >= cap {
                break;
            }
            let mut to_scan = Vec::new();
            for c in self.candidates(batch).await? {
                match count_without_scan(&c.listed.summary, c.filter.as_deref(), &self.query) {
                    Some(n) => total += n,
                    None => to_scan.push(c),
                }
            }
            if total >= cap || to_scan.is_empty() {
                continue;
            }
            let (settled, to_scan) = self.split_settled(to_scan);
            self.scan_settled(&settled, |c, scan| {
                total += scan.count(cap.saturating_sub(total)).map_err(|e| damaged(c.listed.id, e))?;
                Ok(())
            })
            .await?;
            let mut decoded = self.decode(&to_scan, self.query.has_metadata_filter(), false).await?;
            for c in &to_scan {
                if total >= cap {
                    break;
                }
                let Some(d) = decoded.remove(&c.listed.id) else { continue };
                total += self.scan(c, &d)?.count(cap - total).map_err(|e| damaged(c.listed.id, e))?;
            }
        }
        Ok(total.min(cap))
    }

    /// Matches per level (index = rank).
    pub(super) async fn level_counts(&self) -> RepoResult<[u64; 6]> {
        let mut counts = [0u64; 6];
        let add =
            |counts: &mut [u64; 6], more: [u64; 6]| counts.iter_mut().zip(more).for_each(|(c, m)| *c += m);
        let directory = self.directory().await?;
        for batch in batches(&self.admitted(&directory)) {
            let mut to_scan = Vec::new();
            for c in self.candidates(batch).await? {
                match level_counts_without_scan(&c.listed.summary, c.filter.as_deref(), &self.query) {
                    Some(more) => add(&mut counts, more),
                    None => to_scan.push(c),
                }
            }
            let (settled, to_scan) = self.split_settled(to_scan);
            self.scan_settled(&settled, |c, scan| {
                add(&mut counts, scan.level_counts().map_err(|e| damaged(c.listed.id, e))?);
                Ok(())
            })
            .await?;
            let mut decoded = self.decode(&to_scan, self.query.has_metadata_filter(), false).await?;
            for c in &to_scan {
                let Some(d) = decoded.remove(&c.listed.id) else { continue };
                add(&mut counts, self.scan(c, &d)?.level_counts().map_err(|e| damaged(c.listed.id, e))?);
            }
        }
        Ok(counts)
    }

    /// Matches per bucket and level, sorted by bucket then level.
    pub(super) async fn histogram(&self, interval: Interval) -> RepoResult<Vec<HistogramCount>> {
        let mut buckets: BTreeMap<(chrono::DateTime<chrono::Utc>, orion_core::model::Level), u64> =
            BTreeMap::new();
        let mut add = |counts: Vec<HistogramCount>| {
            for h in counts {
                *buckets.entry((h.bucket, h.level)).or_default() += h.count;
            }
        };
        let directory = self.directory().await?;
        for batch in batches(&self.admitted(&directory)) {
            let mut to_scan = Vec::new();
            // Merged blocks' filters count entries per minute: with them a
            // block straddling its buckets needs no head.
            let with_filters = self.wants_filter || batch.iter().any(|l| l.summary.is_sorted());
            for c in self.candidates_with(batch, with_filters).await? {
                match histogram_without_scan(&c.listed.summary, c.filter.as_deref(), &self.query, interval) {
                    Some(counts) => add(counts),
                    None => to_scan.push(c),
                }
            }
            let (settled, to_scan) = self.split_settled(to_scan);
            self.scan_settled(&settled, |c, scan| {
                add(scan.histogram(interval).map_err(|e| damaged(c.listed.id, e))?);
                Ok(())
            })
            .await?;
            let mut decoded = self.decode(&to_scan, self.query.has_metadata_filter(), false).await?;
            for c in &to_scan {
                let Some(d) = decoded.remove(&c.listed.id) else { continue };
                add(self.scan(c, &d)?.histogram(interval).map_err(|e| damaged(c.listed.id, e))?);
            }
        }
        Ok(buckets
            .into_iter()
            .map(|((bucket, level), count)| HistogramCount { bucket, level, count })
            .collect())
    }
}

/// Every entry of block `id` (all parts read), in storage order.
pub(super) async fn whole_block<C: ConnectionTrait>(
    db: &C,
    project: ProjectId,
    id: i64,
) -> RepoResult<Vec<LogEntry>> {
    let mut heads = store::heads(db, &[id], true).await?;
    let (head, metadata) = heads
        .remove(&id)
        .ok_or_else(|| damaged(id, BlockError::Missing { part: orion_logstore::Part::Head, index: 0 }))?;
    let frames = store::frames(db, id, None).await?;
    orion_logstore::decode_block(&head, &metadata.unwrap_or_default(), &frames, project)
        .map_err(|e| damaged(id, e))
}

/// The project's entries with ids `first..=last`, by id, expecting
/// `expected` of them (live events read back on another instance). Looks
/// where fresh entries are first, then — if a merge moved some — in every
/// block whose id span overlaps; fewer come back if retention took some.
pub(super) async fn id_range<C: ConnectionTrait>(
    db: &C,
    project: ProjectId,
    first: i64,
    last: i64,
    expected: usize,
) -> RepoResult<Vec<LogEntry>> {
    let mut found = Vec::new();
    for by_number in [true, false] {
        found.clear();
        for block in store::blocks_holding(db, project.get(), first, last, by_number).await? {
            let entries = whole_block(db, project, block).await?;
            found.extend(entries.into_iter().filter(|e| (first..=last).contains(&e.id)));
        }
        if found.len() >= expected {
            break;
        }
    }
    found.sort_unstable_by_key(|e| e.id);
    found.dedup_by_key(|e| e.id);
    Ok(found)
}

/// Matches lent in place ([`Reader::lend`]), as core's rows: a damaged
/// entry fails the visit with its block's number, like any other read.
#[derive(Default)]
pub(super) struct LentRows {
    rows: BlockRows,
    /// Block numbers by the rows' block index.
    numbers: Vec<i64>,
}

impl EntryRows for LentRows {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn last_cursor(&self) -> Option<LogCursor> {
        let (ts, id) = self.rows.last()?;
        Some(LogCursor { timestamp: orion_logstore::from_micros(ts)?, id })
    }

    fn visit(&self, each: &mut dyn FnMut(&EntryView<'_>)) -> RepoResult<()> {
        self.rows.visit(each).map_err(|(i, e)| damaged(self.numbers[i as usize], e))
    }
}
