//! The head BLOB: every column of a block except message text and
//! metadata, column-encoded and compressed with zstd.
//!
//! Decompressed body:
//!
//! ```text
//! varint count · u8 flags (1 sorted, 2 has metadata, 4 ids split,
//!   8 no message lengths)
//! varint frames · ints(entries per frame)
//! ids (see [`crate::idcol`]) · ints(timestamp µs)
//! u8 received mode · ints(received_at µs) (see [`crate::received`])
//! count × u8 level rank
//! strings(sources) · ints(source index + 1, 0 = none)
//! strings(server ids) · ints(server index + 1, 0 = none)
//! strings(tags) · varint lists · lists × (varint len · len × varint tag index)
//!   · ints(tag list of each entry)
//! [without flag 8: ints(message length in bytes)]
//! ```
//!
//! Message lengths are no longer written: the frames' separators already
//! say where each message ends, and the frame's entry count, position and
//! checksum are checked against the head. Older heads keep theirs, and
//! their frames are still checked against them.
//!
//! `ints(..)` is an [integer column](crate::intcol).

use std::ops::Range;

use orion_core::model::log::Level;

use crate::columns::Columns;
use crate::dict::read_strings;
use crate::envelope::{begin, compress_into, decompress, open, seal};
use crate::error::{BlockError, Part, Result};
use crate::idcol::{put_ids, read_ids};
use crate::intcol::{put_ints, put_uints, read_ints, read_uints};
use crate::received::{put_received, read_received};
use crate::time::from_micros;
use crate::wire::{Reader, put_len};
use crate::{MAX_BLOCK_ENTRIES, MAX_FRAME_BYTES, MAX_HEAD_BYTES};

const HEAD_SORTED: u8 = 1;
const HEAD_HAS_METADATA: u8 = 2;
/// The id column is split in two ([`crate::idcol`]).
const HEAD_IDS_SPLIT: u8 = 4;
/// No message lengths follow: the frames' separators give them. Heads
/// written before this flag stored them, and are still checked against
/// their frames.
const HEAD_NO_MESSAGE_LENGTHS: u8 = 8;
const HEAD_FLAGS: u8 = HEAD_SORTED | HEAD_HAS_METADATA | HEAD_IDS_SPLIT | HEAD_NO_MESSAGE_LENGTHS;

/// The decoded head of a block: ids, times, levels, sources, server ids
/// and tags of every entry (and message lengths, in older heads), in
/// storage order, and which frame holds which entries.
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
    pub(crate) tag_lists: Vec<Vec<u32>>,
    pub(crate) list_refs: Vec<u32>,
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
        &self.tag_lists[self.list_refs[i] as usize]
    }

    /// Entry `i`'s tags, in its order.
    pub fn tags(&self, i: usize) -> impl Iterator<Item = &str> {
        self.tag_indexes(i).iter().map(|&t| self.tag_dict[t as usize].as_str())
    }

    /// The byte length of entry `i`'s message, if the head records it
    /// (heads written before message lengths were left to the frames).
    pub fn message_len(&self, i: usize) -> Option<usize> {
        self.message_lens.get(i).map(|&l| l as usize)
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

    /// The index of a server id in this block's server dictionary (+1, like sources).
    pub(crate) fn server_index(&self, server: &str) -> Option<u32> {
        self.server_dict.iter().position(|s| s == server).map(|i| i as u32 + 1)
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

/// Encodes the head from a block's columns; its frames start at
/// `frame_starts` (ending with the entry count).
pub(crate) fn encode_head(
    c: &Columns<'_>,
    frame_starts: &[u32],
    flags: HeadFlags,
    tag: u32,
    level: i32,
) -> Result<Vec<u8>> {
    let n = c.ids.len();
    let mut body = Vec::with_capacity(64 + n * 8);
    put_len(&mut body, n);
    let mut f = 0u8;
    if flags.sorted {
        f |= HEAD_SORTED;
    }
    if flags.has_metadata {
        f |= HEAD_HAS_METADATA;
    }
    let flags_at = body.len();
    body.push(f | HEAD_NO_MESSAGE_LENGTHS);
    put_len(&mut body, frame_starts.len() - 1);
    put_uints(&mut body, frame_starts.windows(2).map(|w| u64::from(w[1] - w[0])));
    if put_ids(&mut body, &c.ids) {
        body[flags_at] |= HEAD_IDS_SPLIT;
    }
    put_ints(&mut body, &c.timestamps);
    put_received(&mut body, &c.ids, &c.timestamps, &c.received);
    body.extend_from_slice(&c.levels);
    c.sources.write(&mut body);
    put_uints(&mut body, c.source_refs.iter().copied());
    c.servers.write(&mut body);
    put_uints(&mut body, c.server_refs.iter().copied());
    c.tags.write(&mut body);
    put_len(&mut body, c.tag_lists.len());
    for list in &c.tag_lists {
        put_len(&mut body, list.len());
        for &t in list {
            put_len(&mut body, t as usize);
        }
    }
    put_uints(&mut body, c.list_refs.iter().copied());

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
    if flags & !HEAD_FLAGS != 0 {
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
    let ids = read_ids(&mut r, n, flags & HEAD_IDS_SPLIT != 0)?;
    let timestamps = read_ints(&mut r, n)?;
    let received = read_received(&mut r, &ids, &timestamps)?;
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
    let nlists = r.len(n)?;
    let mut tag_lists = Vec::with_capacity(nlists);
    for _ in 0..nlists {
        let len = r.len(r.remaining())?;
        let mut list = Vec::with_capacity(len);
        for _ in 0..len {
            list.push(r.len(tag_dict.len().saturating_sub(1))? as u32);
        }
        if !list.is_empty() && tag_dict.is_empty() {
            return Err(r.err("tag reference without a tag dictionary"));
        }
        tag_lists.push(list);
    }
    if nlists == 0 {
        return Err(r.err("no tag lists"));
    }
    let list_refs = read_uints(&mut r, n, nlists as u64 - 1)?;
    let message_lens = if flags & HEAD_NO_MESSAGE_LENGTHS != 0 {
        Vec::new()
    } else {
        read_uints(&mut r, n, MAX_FRAME_BYTES as u64)?
    };
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
        tag_lists,
        list_refs,
        message_lens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::entry;

    fn head_of(entries: &[orion_core::model::log::LogEntry], frame_starts: &[u32]) -> Head {
        let columns = Columns::new(entries);
        let flags = HeadFlags { sorted: columns.summary.is_sorted(), has_metadata: false };
        decode_head(&encode_head(&columns, frame_starts, flags, 7, 1).unwrap()).unwrap()
    }

    #[test]
    fn columns_round_trip_with_dictionaries() {
        let entries = [
            entry(10, "a", Level::Info, &["x", "y"], Some("app")),
            entry(11, "bb", Level::Error, &[], None),
            entry(12, "ccc", Level::Trace, &["y", "y"], Some("app")),
            entry(13, "", Level::Fatal, &["x", "y"], Some("other")),
        ];
        let head = head_of(&entries, &[0, 3, 4]);
        assert_eq!(head.len(), 4);
        assert_eq!(head.block_tag(), 7);
        assert!(head.is_sorted());
        assert_eq!(head.ids(), [10, 11, 12, 13]);
        assert_eq!(head.level(1), Level::Error);
        assert_eq!((head.source(0), head.source(1), head.source(3)), (Some("app"), None, Some("other")));
        assert_eq!(head.tags(2).collect::<Vec<_>>(), ["y", "y"]);
        assert_eq!(head.tag_indexes(0), head.tag_indexes(3));
        assert_eq!(head.message_len(2), None, "the frames give the lengths");
        assert_eq!(head.frame_count(), 2);
        assert_eq!((head.frame_of(2), head.frame_of(3)), (0, 1));
        assert_eq!(head.frame_range(1), 3..4);
    }

    /// The head of `entries` as written before message lengths were
    /// left to the frames: flag 8 clear, the lengths last.
    fn head_with_lengths(entries: &[orion_core::model::log::LogEntry], frame_starts: &[u32]) -> Vec<u8> {
        let columns = Columns::new(entries);
        let flags = HeadFlags { sorted: columns.summary.is_sorted(), has_metadata: false };
        let new = encode_head(&columns, frame_starts, flags, 7, 1).unwrap();
        let (tag, compressed) = open(&new, Part::Head).unwrap();
        let mut body = decompress(&mut Reader::new(compressed, Part::Head), MAX_HEAD_BYTES).unwrap();
        let n = entries.len();
        let flags_at = if n < 128 { 1 } else { 2 };
        body[flags_at] &= !HEAD_NO_MESSAGE_LENGTHS;
        put_uints(&mut body, entries.iter().map(|e| e.entry.message.len() as u64));
        let mut out = begin(Part::Head, tag, body.len());
        compress_into(&mut out, &body, 1).unwrap();
        seal(out)
    }

    #[test]
    fn older_heads_with_message_lengths_still_decode_and_are_checked_against_their_frames() {
        let entries = [entry(10, "a", Level::Info, &[], None), entry(11, "bbb", Level::Warn, &["t"], None)];
        let old = decode_head(&head_with_lengths(&entries, &[0, 2])).unwrap();
        assert_eq!((old.message_len(0), old.message_len(1)), (Some(1), Some(3)));
        assert_eq!(old.ids(), [10, 11]);
        let block = crate::encode_block(&entries).unwrap();
        let frames: Vec<crate::Frame> =
            block.frames.iter().map(|f| crate::decode_frame(f).unwrap()).collect();
        let mut tagged = old.clone();
        tagged.tag = frames[0].block_tag();
        assert!(crate::materialize::FrameSet::new(&tagged, &frames).is_ok());
        // A frame whose messages disagree with the recorded lengths is refused.
        tagged.message_lens[1] = 4;
        assert!(crate::materialize::FrameSet::new(&tagged, &frames).is_err());
    }

    #[test]
    fn frames_must_cover_the_entries() {
        let entries = [entry(1, "a", Level::Info, &[], None)];
        let columns = Columns::new(&entries);
        let flags = || HeadFlags { sorted: true, has_metadata: false };
        // A frame layout that does not add up is refused on decode.
        let bad = encode_head(&columns, &[0, 2], flags(), 1, 1).unwrap();
        assert!(decode_head(&bad).is_err());
        assert!(decode_head(&encode_head(&columns, &[0, 1], flags(), 1, 1).unwrap()).is_ok());
    }
}
