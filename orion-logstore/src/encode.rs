//! Turning entries into a block: summary, filter, head, metadata, frames.

use std::collections::{BinaryHeap, HashMap};

use orion_core::model::log::{LogEntry, NewLogEntry};

use crate::bloom::{Bloom, MAX_K};
use crate::dict::DictBuilder;
use crate::error::{BlockError, Part, Result};
use crate::filter::{BlockFilter, encode_filter, frame_bloom, pair_bloom};
use crate::frame::{encode_frame, join};
use crate::head::{HeadFlags, encode_head};
use crate::metadata::encode_metadata;
use crate::summary::{BlockSummary, FLAG_HAS_METADATA, FLAG_HAS_TAGS, FLAG_SORTED};
use crate::time::to_micros;
use crate::{MAX_BLOCK_ENTRIES, MAX_FRAME_BYTES};

/// How blocks are encoded. The format records every choice, so blocks
/// written with different options decode and prune alike.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeOptions {
    /// zstd level for every compressed part.
    pub zstd_level: i32,
    /// Entries per message frame (the last frame may hold fewer).
    pub frame_entries: usize,
    /// A frame also ends once its text reaches this many bytes.
    pub frame_bytes: usize,
    /// n-gram length of the message filters: 3 or 4.
    pub gram_len: u8,
    /// Bloom hash functions per n-gram.
    pub gram_hashes: u8,
    /// Target Bloom bits per distinct n-gram of a frame.
    pub gram_bits: f64,
    /// Bloom hash functions per metadata pair.
    pub pair_hashes: u8,
    /// Target Bloom bits per distinct metadata pair.
    pub pair_bits: f64,
    /// The filter's Bloom bits may take at most this fraction of the
    /// block's compressed size (head + metadata + frames); larger filters
    /// are folded (halved) until they fit.
    pub filter_budget: f64,
    /// A Bloom filter with more than this share of bits set is dropped
    /// (stored as "no information").
    pub max_fill: f64,
}

impl EncodeOptions {
    /// Blocks written at ingest: zstd level 1.
    pub fn ingest() -> Self {
        Self {
            zstd_level: 1,
            frame_entries: 256,
            frame_bytes: 1 << 20,
            gram_len: 4,
            gram_hashes: 2,
            gram_bits: 8.0,
            pair_hashes: 3,
            pair_bits: 10.0,
            filter_budget: 0.2,
            max_fill: 0.95,
        }
    }

    /// Blocks written by merges: stronger compression.
    pub fn merged() -> Self {
        Self { zstd_level: 9, ..Self::ingest() }
    }
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self::ingest()
    }
}

/// A block ready to be stored: the SQL column values and the BLOBs.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedBlock {
    /// The plain column values.
    pub summary: BlockSummary,
    /// The filter BLOB ([`decode_filter`](crate::decode_filter)).
    pub filter: Vec<u8>,
    /// The head BLOB ([`decode_head`](crate::decode_head)).
    pub head: Vec<u8>,
    /// The metadata BLOB ([`decode_metadata`](crate::decode_metadata)).
    pub metadata: Vec<u8>,
    /// The message frames, by index ([`decode_frame`](crate::decode_frame)).
    pub frames: Vec<Vec<u8>>,
}

impl EncodedBlock {
    /// Bytes of all BLOBs together.
    pub fn stored_bytes(&self) -> usize {
        self.filter.len()
            + self.head.len()
            + self.metadata.len()
            + self.frames.iter().map(Vec::len).sum::<usize>()
    }
}

/// Encodes a block of one project's entries (ids already allocated, in
/// any order of time) with [`EncodeOptions::ingest`].
pub fn encode_block(entries: &[LogEntry]) -> Result<EncodedBlock> {
    encode_block_with(entries, &EncodeOptions::ingest())
}

/// Encodes a block with the given options. Entries keep their order;
/// decoding gives them back in it.
pub fn encode_block_with(entries: &[LogEntry], options: &EncodeOptions) -> Result<EncodedBlock> {
    if entries.is_empty() {
        return Err(BlockError::Empty);
    }
    if entries.len() > MAX_BLOCK_ENTRIES {
        return Err(BlockError::TooManyEntries { count: entries.len(), max: MAX_BLOCK_ENTRIES });
    }
    let gram_len = options.gram_len.clamp(1, 4);
    let mut summary = summarize(entries);
    let frame_starts = frame_starts(entries, options)?;
    summary.frame_count = (frame_starts.len() - 1) as u32;
    let tag = summary.block_tag();
    let level = options.zstd_level;

    let (metadata, pairs, has_metadata) = encode_metadata(entries, tag, level)?;
    if has_metadata {
        summary.flags |= FLAG_HAS_METADATA;
    }
    let head = encode_head(
        entries,
        &frame_starts,
        HeadFlags { sorted: summary.is_sorted(), has_metadata },
        tag,
        level,
    )?;

    let mut frames = Vec::with_capacity(frame_starts.len() - 1);
    let mut blooms = Vec::with_capacity(frame_starts.len() - 1);
    let mut raw = Vec::new();
    let mut scratch = Vec::new();
    let k = options.gram_hashes.clamp(1, MAX_K);
    for (index, w) in frame_starts.windows(2).enumerate() {
        let slice = &entries[w[0] as usize..w[1] as usize];
        let messages = slice.iter().map(|e| e.entry.message.as_str());
        raw.clear();
        join(messages.clone(), &mut raw);
        let frame = encode_frame(&raw, index as u32, w[0], w[1] - w[0], tag, level)?;
        // Build no larger than 4x this frame's share of the byte budget:
        // a smaller array stays in cache, and the budget folds it anyway.
        let share = (frame.len() as f64 * options.filter_budget * 8.0 * 4.0).max(1024.0);
        let max_log2 = Bloom::log2_for(share, 1.0);
        frames.push(frame);
        blooms.push(frame_bloom(
            messages,
            usize::from(gram_len),
            k,
            options.gram_bits,
            max_log2,
            &mut scratch,
        ));
    }
    let mut pair_filter = pair_bloom(pairs, options.pair_hashes.clamp(1, MAX_K), options.pair_bits);

    let data_bytes = head.len() + metadata.len() + frames.iter().map(Vec::len).sum::<usize>();
    fit_budget(&mut blooms, &mut pair_filter, (data_bytes as f64 * options.filter_budget) as usize);
    for b in &mut blooms {
        b.drop_if_saturated(options.max_fill);
    }
    pair_filter.drop_if_saturated(options.max_fill);

    let filter = encode_filter(&dictionaries(entries, tag, gram_len, blooms, pair_filter));
    Ok(EncodedBlock { summary, filter, head, metadata, frames })
}

/// Folds the largest Bloom filter until all fit in `budget` bytes (or
/// every one is at its minimum size).
fn fit_budget(frames: &mut [Bloom], pairs: &mut Bloom, budget: usize) {
    let mut all: Vec<&mut Bloom> = frames.iter_mut().chain(std::iter::once(pairs)).collect();
    let mut total: usize = all.iter().map(|b| b.stored_len()).sum();
    let mut heap: BinaryHeap<(usize, usize)> =
        all.iter().enumerate().map(|(i, b)| (b.stored_len(), i)).collect();
    while total > budget {
        let Some((_, i)) = heap.pop() else { return };
        let b = &mut all[i];
        if b.log2() <= crate::bloom::MIN_LOG2 {
            // At its minimum (or "no information"): drop it from the heap.
            continue;
        }
        let before = b.stored_len();
        let to = b.log2() - 1;
        b.fold_to(to);
        total = total - before + b.stored_len();
        heap.push((b.stored_len(), i));
    }
}

/// Time range, ids, level counts, uniform source and flags.
fn summarize(entries: &[LogEntry]) -> BlockSummary {
    let mut level_counts = [0u32; 6];
    let (mut min_ts, mut max_ts, mut min_id, mut max_id) = (i64::MAX, i64::MIN, i64::MAX, i64::MIN);
    let mut sorted = true;
    let mut prev: Option<(i64, i64)> = None;
    let mut has_tags = false;
    let mut message_bytes = 0u64;
    let first_source = entries.first().and_then(|e| e.entry.source.as_deref());
    let mut uniform = first_source.is_some();
    for e in entries {
        let ts = to_micros(e.entry.timestamp);
        min_ts = min_ts.min(ts);
        max_ts = max_ts.max(ts);
        min_id = min_id.min(e.id);
        max_id = max_id.max(e.id);
        level_counts[e.entry.level.rank() as usize] += 1;
        if prev.is_some_and(|p| p > (ts, e.id)) {
            sorted = false;
        }
        prev = Some((ts, e.id));
        has_tags |= !e.entry.tags.is_empty();
        message_bytes += e.entry.message.len() as u64;
        uniform &= e.entry.source.as_deref() == first_source;
    }
    let mut flags = 0;
    if sorted {
        flags |= FLAG_SORTED;
    }
    if has_tags {
        flags |= FLAG_HAS_TAGS;
    }
    BlockSummary {
        min_ts,
        max_ts,
        min_id,
        max_id,
        count: entries.len() as u32,
        level_counts,
        source: if uniform { first_source.map(str::to_owned) } else { None },
        frame_count: 0,
        flags,
        message_bytes,
    }
}

/// Splits entries into frames of at most `frame_entries` entries and about
/// `frame_bytes` bytes; returns the start of each frame and, last, the
/// entry count.
fn frame_starts(entries: &[LogEntry], options: &EncodeOptions) -> Result<Vec<u32>> {
    let per_frame = options.frame_entries.max(1);
    let mut starts = vec![0u32];
    let (mut in_frame, mut bytes) = (0usize, 0usize);
    for (i, e) in entries.iter().enumerate() {
        let len = e.entry.message.len() + 1;
        if len > MAX_FRAME_BYTES / 2 {
            return Err(BlockError::TooLarge { part: Part::Frame, size: len, cap: MAX_FRAME_BYTES / 2 });
        }
        if in_frame == per_frame
            || (in_frame > 0 && bytes + len > options.frame_bytes.min(MAX_FRAME_BYTES / 2))
        {
            starts.push(i as u32);
            in_frame = 0;
            bytes = 0;
        }
        in_frame += 1;
        bytes += len;
    }
    starts.push(entries.len() as u32);
    Ok(starts)
}

/// The filter's dictionaries: tags with counts, sources, server ids.
fn dictionaries(
    entries: &[LogEntry],
    tag: u32,
    gram_len: u8,
    frames: Vec<Bloom>,
    metadata: Bloom,
) -> BlockFilter {
    let mut tags: Vec<(String, u32)> = Vec::new();
    let mut tag_index: HashMap<&str, usize> = HashMap::new();
    let mut sources = DictBuilder::default();
    let mut servers = DictBuilder::default();
    let (mut unsourced, mut no_server) = (false, false);
    for NewLogEntry { tags: entry_tags, source, server_id, .. } in entries.iter().map(|e| &e.entry) {
        for (i, t) in entry_tags.iter().enumerate() {
            if entry_tags[..i].contains(t) {
                continue;
            }
            let at = *tag_index.entry(t).or_insert_with(|| {
                tags.push((t.clone(), 0));
                tags.len() - 1
            });
            tags[at].1 += 1;
        }
        match source {
            Some(s) => _ = sources.index(s),
            None => unsourced = true,
        }
        match server_id {
            Some(s) => _ = servers.index(s),
            None => no_server = true,
        }
    }
    let owned = |d: &DictBuilder<'_>| d.strings().iter().map(|s| (*s).to_owned()).collect();
    BlockFilter {
        tag,
        count: entries.len() as u32,
        gram_len,
        frames,
        metadata,
        tags,
        unsourced,
        sources: owned(&sources),
        no_server,
        servers: owned(&servers),
    }
}
