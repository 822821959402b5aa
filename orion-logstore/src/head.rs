//! The head BLOB: every column of a block except message text and
//! metadata, column-encoded and compressed with zstd.
//!
//! Decompressed body:
//!
//! ```text
//! varint count · u8 flags (1 sorted, 2 has metadata)
//! varint frames · ints(entries per frame)
//! ints(id) · ints(timestamp µs)
//! u8 received mode (0 as is, 1 minus timestamp) · ints(received_at µs)
//! count × u8 level rank
//! strings(sources) · ints(source index + 1, 0 = none)
//! strings(server ids) · ints(server index + 1, 0 = none)
//! strings(tags) · ints(tags per entry) · varint refs · ints(tag index)
//! ints(message length in bytes)
//! ```
//!
//! `ints(..)` is an [integer column](crate::intcol).

use std::ops::Range;

use orion_core::model::log::{Level, LogEntry};

use crate::dict::{DictBuilder, read_strings};
use crate::envelope::{begin, compress_into, decompress, open, seal};
use crate::error::{BlockError, Part, Result};
use crate::intcol::{put_ints, put_uints, read_ints, read_uints};
use crate::time::{from_micros, to_micros};
use crate::wire::{Reader, put_len};
use crate::{MAX_BLOCK_ENTRIES, MAX_FRAME_BYTES, MAX_HEAD_BYTES, MAX_TAG_REFS};

const HEAD_SORTED: u8 = 1;
const HEAD_HAS_METADATA: u8 = 2;

/// The decoded head of a block: ids, times, levels, sources, server ids,
/// tags and message lengths of every entry, in storage order, and which
/// frame holds which entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub(crate) tag: u32,
    pub(crate) sorted: bool,
    pub(crate) has_metadata: bool,
    pub(crate) frame_starts: Vec<u32>,
    pub(crate) ids: Vec<i64>,
    pub(crate) timestamps: Vec<i64>,
    pub(crate) received: Vec<i64>,
    pub(crate) levels: Vec<u8>,
    pub(crate) source_dict: Vec<String>,
    pub(crate) sources: Vec<u32>,
    pub(crate) server_dict: Vec<String>,
    pub(crate) servers: Vec<u32>,
    pub(crate) tag_dict: Vec<String>,
    pub(crate) tag_starts: Vec<u32>,
    pub(crate) tag_refs: Vec<u32>,
    pub(crate) message_lens: Vec<u32>,
}

impl Head {
    /// Entries in the block.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Always `false`: a block has at least one entry.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The block tag (see [`BlockSummary::block_tag`](crate::BlockSummary::block_tag)).
    pub fn block_tag(&self) -> u32 {
        self.tag
    }

    /// Whether entries are stored in ascending `(timestamp, id)` order.
    pub fn is_sorted(&self) -> bool {
        self.sorted
    }

    /// Whether any entry has metadata (if not, the metadata BLOB need not
    /// be read to rebuild entries).
    pub fn has_metadata(&self) -> bool {
        self.has_metadata
    }

    /// Ids in storage order.
    pub fn ids(&self) -> &[i64] {
        &self.ids
    }

    /// Timestamps (µs since the epoch) in storage order.
    pub fn timestamps(&self) -> &[i64] {
        &self.timestamps
    }

    /// `received_at` (µs since the epoch) in storage order.
    pub fn received_at(&self) -> &[i64] {
        &self.received
    }

    /// The level of entry `i`.
    pub fn level(&self, i: usize) -> Level {
        Level::from_rank(i16::from(self.levels[i])).unwrap_or(Level::Fatal)
    }

    /// Level ranks in storage order (each 0..=5).
    pub fn level_ranks(&self) -> &[u8] {
        &self.levels
    }

    /// The source of entry `i`.
    pub fn source(&self, i: usize) -> Option<&str> {
        lookup(&self.source_dict, self.sources[i])
    }

    /// The server id of entry `i`.
    pub fn server_id(&self, i: usize) -> Option<&str> {
        lookup(&self.server_dict, self.servers[i])
    }

    /// The distinct tags of the block.
    pub fn tag_dictionary(&self) -> &[String] {
        &self.tag_dict
    }

    /// The dictionary indexes of entry `i`'s tags, in its order.
    pub fn tag_indexes(&self, i: usize) -> &[u32] {
        let (s, e) = (self.tag_starts[i] as usize, self.tag_starts[i + 1] as usize);
        &self.tag_refs[s..e]
    }

    /// Entry `i`'s tags, in its order.
    pub fn tags(&self, i: usize) -> impl Iterator<Item = &str> {
        self.tag_indexes(i).iter().map(|&t| self.tag_dict[t as usize].as_str())
    }

    /// The byte length of entry `i`'s message.
    pub fn message_len(&self, i: usize) -> usize {
        self.message_lens[i] as usize
    }

    /// How many frames the block's messages are in.
    pub fn frame_count(&self) -> usize {
        self.frame_starts.len() - 1
    }

    /// The entries (positions) of frame `f`.
    pub fn frame_range(&self, f: usize) -> Range<usize> {
        self.frame_starts[f] as usize..self.frame_starts[f + 1] as usize
    }

    /// The frame holding entry `i`.
    pub fn frame_of(&self, i: usize) -> usize {
        self.frame_starts.partition_point(|&s| s as usize <= i) - 1
    }

    /// The index of a source in this block's source dictionary.
    pub(crate) fn source_index(&self, source: &str) -> Option<u32> {
        self.source_dict.iter().position(|s| s == source).map(|i| i as u32 + 1)
    }

    /// The index of a tag in this block's tag dictionary.
    pub(crate) fn tag_index(&self, tag: &str) -> Option<u32> {
        self.tag_dict.iter().position(|t| t == tag).map(|i| i as u32)
    }
}

fn lookup(dict: &[String], index: u32) -> Option<&str> {
    index.checked_sub(1).and_then(|i| dict.get(i as usize)).map(String::as_str)
}

/// Flags of the head body.
pub(crate) struct HeadFlags {
    pub(crate) sorted: bool,
    pub(crate) has_metadata: bool,
}

/// Encodes the head of `entries`, whose frames start at `frame_starts`
/// (ending with `entries.len()`).
pub(crate) fn encode_head(
    entries: &[LogEntry],
    frame_starts: &[u32],
    flags: HeadFlags,
    tag: u32,
    level: i32,
) -> Result<Vec<u8>> {
    let n = entries.len();
    let mut body = Vec::with_capacity(64 + n * 8);
    put_len(&mut body, n);
    let mut f = 0u8;
    if flags.sorted {
        f |= HEAD_SORTED;
    }
    if flags.has_metadata {
        f |= HEAD_HAS_METADATA;
    }
    body.push(f);
    put_len(&mut body, frame_starts.len() - 1);
    put_uints(&mut body, frame_starts.windows(2).map(|w| u64::from(w[1] - w[0])));

    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    put_ints(&mut body, &ids);
    let ts: Vec<i64> = entries.iter().map(|e| to_micros(e.entry.timestamp)).collect();
    put_ints(&mut body, &ts);
    let received: Vec<i64> = entries.iter().map(|e| to_micros(e.entry.received_at)).collect();
    let relative: Vec<i64> = received.iter().zip(&ts).map(|(r, t)| r.wrapping_sub(*t)).collect();
    let mut as_is = Vec::new();
    put_ints(&mut as_is, &received);
    let mut minus = Vec::new();
    put_ints(&mut minus, &relative);
    if minus.len() < as_is.len() {
        body.push(1);
        body.extend_from_slice(&minus);
    } else {
        body.push(0);
        body.extend_from_slice(&as_is);
    }
    body.extend(entries.iter().map(|e| e.entry.level.rank() as u8));

    let mut sources = DictBuilder::default();
    let source_refs: Vec<u64> = entries
        .iter()
        .map(|e| e.entry.source.as_deref().map_or(0, |s| u64::from(sources.index(s)) + 1))
        .collect();
    sources.write(&mut body);
    put_uints(&mut body, source_refs.into_iter());

    let mut servers = DictBuilder::default();
    let server_refs: Vec<u64> = entries
        .iter()
        .map(|e| e.entry.server_id.as_deref().map_or(0, |s| u64::from(servers.index(s)) + 1))
        .collect();
    servers.write(&mut body);
    put_uints(&mut body, server_refs.into_iter());

    let mut tags = DictBuilder::default();
    let mut tag_refs = Vec::new();
    for e in entries {
        tag_refs.extend(e.entry.tags.iter().map(|t| u64::from(tags.index(t))));
    }
    if tag_refs.len() > MAX_TAG_REFS {
        return Err(BlockError::TooLarge { part: Part::Head, size: tag_refs.len(), cap: MAX_TAG_REFS });
    }
    tags.write(&mut body);
    put_uints(&mut body, entries.iter().map(|e| e.entry.tags.len() as u64));
    put_len(&mut body, tag_refs.len());
    put_uints(&mut body, tag_refs.into_iter());
    put_uints(&mut body, entries.iter().map(|e| e.entry.message.len() as u64));

    if body.len() > MAX_HEAD_BYTES {
        return Err(BlockError::TooLarge { part: Part::Head, size: body.len(), cap: MAX_HEAD_BYTES });
    }
    let mut out = begin(Part::Head, tag, body.len() / 2);
    compress_into(&mut out, &body, level)?;
    Ok(seal(out))
}

/// Decodes a head BLOB.
pub fn decode_head(bytes: &[u8]) -> Result<Head> {
    let (tag, compressed) = open(bytes, Part::Head)?;
    let raw = decompress(&mut Reader::new(compressed, Part::Head), MAX_HEAD_BYTES)?;
    let mut r = Reader::new(&raw, Part::Head);
    let n = r.len(MAX_BLOCK_ENTRIES)?;
    if n == 0 {
        return Err(r.err("no entries"));
    }
    let flags = r.u8()?;
    if flags & !(HEAD_SORTED | HEAD_HAS_METADATA) != 0 {
        return Err(r.err("unknown head flags"));
    }
    let frames = r.len(n)?;
    let mut frame_starts = Vec::with_capacity(frames + 1);
    frame_starts.push(0u32);
    for size in read_uints(&mut r, frames, n as u64)? {
        if size == 0 {
            return Err(r.err("empty frame"));
        }
        let last = frame_starts.last().copied().unwrap_or(0);
        frame_starts.push(last.saturating_add(size));
    }
    if frames == 0 || frame_starts.last().copied() != Some(n as u32) {
        return Err(r.err("frame sizes do not add up to the entry count"));
    }
    let ids = read_ints(&mut r, n)?;
    let timestamps = read_ints(&mut r, n)?;
    let received_mode = r.u8()?;
    let mut received = read_ints(&mut r, n)?;
    match received_mode {
        0 => {}
        1 => received.iter_mut().zip(&timestamps).for_each(|(r, t)| *r = r.wrapping_add(*t)),
        _ => return Err(r.err("unknown received_at mode")),
    }
    for column in [&timestamps, &received] {
        let lo = column.iter().copied().min().unwrap_or(0);
        let hi = column.iter().copied().max().unwrap_or(0);
        if from_micros(lo).is_none() || from_micros(hi).is_none() {
            return Err(r.err("timestamp out of range"));
        }
    }
    let levels = r.bytes(n)?.to_vec();
    if levels.iter().any(|&l| l > 5) {
        return Err(r.err("level rank out of range"));
    }
    let source_dict = read_strings(&mut r)?;
    let sources = read_uints(&mut r, n, source_dict.len() as u64)?;
    let server_dict = read_strings(&mut r)?;
    let servers = read_uints(&mut r, n, server_dict.len() as u64)?;
    let tag_dict = read_strings(&mut r)?;
    let per_entry = read_uints(&mut r, n, MAX_TAG_REFS as u64)?;
    let refs = r.len(MAX_TAG_REFS)?;
    let mut tag_starts = Vec::with_capacity(n + 1);
    let mut total = 0u64;
    tag_starts.push(0u32);
    for c in per_entry {
        total += u64::from(c);
        if total > refs as u64 {
            return Err(r.err("tag counts exceed the tag references"));
        }
        tag_starts.push(total as u32);
    }
    if total != refs as u64 {
        return Err(r.err("tag counts do not add up"));
    }
    let tag_refs = read_uints(&mut r, refs, (tag_dict.len() as u64).saturating_sub(1))?;
    if refs > 0 && tag_dict.is_empty() {
        return Err(r.err("tag reference without a tag dictionary"));
    }
    let message_lens = read_uints(&mut r, n, MAX_FRAME_BYTES as u64)?;
    r.finish()?;
    Ok(Head {
        tag,
        sorted: flags & HEAD_SORTED != 0,
        has_metadata: flags & HEAD_HAS_METADATA != 0,
        frame_starts,
        ids,
        timestamps,
        received,
        levels,
        source_dict,
        sources,
        server_dict,
        servers,
        tag_dict,
        tag_starts,
        tag_refs,
        message_lens,
    })
}
