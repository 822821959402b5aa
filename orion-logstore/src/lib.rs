//! The on-disk block format of Orion's log store.
//!
//! A *block* holds up to [`MAX_BLOCK_ENTRIES`] entries of one project
//! (~1,024 at ingest, ~4,096 after a merge) as a few BLOBs plus a
//! [`BlockSummary`] of plain values for SQL columns. This crate encodes
//! and decodes blocks, prunes them for a [`LogFilter`] and scans them with
//! exactly [`LogFilter::matches`]' answers. It does no I/O: persisting the
//! parts (SQLite/PostgreSQL rows) is another crate's job.
//!
//! ```text
//! encode_block(&entries) -> EncodedBlock { summary, filter, head, metadata, frames }
//! Query::new(&filter)  → may_match(summary) → prune(summary, filter) → Prune::Scan { frames }
//!                      → BlockScan::new(query, head, metadata, frames, candidates)
//!                      → positions() / count(cap) / histogram() / page() / entries()
//! merge(blocks' entries) -> sorted, re-encoded blocks (ids unchanged)
//! ```
//!
//! # Layout
//!
//! Files, one job each:
//!
//! | file | job |
//! |---|---|
//! | `error.rs` | [`BlockError`], [`Part`] |
//! | `wire.rs` | varints, zig-zag, strings, the bounds-checked reader |
//! | `envelope.rs` | the BLOB envelope (version, kind, block tag, CRC-32) and capped zstd |
//! | `intcol.rs` | integer columns: offset or delta, gcd scale, bit-packing |
//! | `dict.rs` | string dictionaries |
//! | `idcol.rs` | the head's id column, whole or split in two |
//! | `received.rs` | the head's `received_at` column and its three modes |
//! | `columns.rs` | one pass over the entries into compact columns |
//! | `time.rs` | microsecond timestamps |
//! | `bloom.rs` | foldable Bloom filters |
//! | `grams.rs` | lower-casing, n-gram and metadata-pair hashes |
//! | `testutil.rs` | fixed entries for unit tests |
//! | `summary.rs` | [`BlockSummary`] (SQL columns) and the block tag |
//! | `head.rs`, `metadata.rs`, `frame.rs`, `filter.rs` | one BLOB kind each |
//! | `encode.rs` | [`encode_block`], [`EncodeOptions`], filter budget |
//! | `decode.rs`, `materialize.rs` | [`decode_block`], rebuilding entries |
//! | `rows.rs` | [`BlockRows`]: a page's entries lent in place (exports) |
//! | `query.rs` | [`Query`]: a compiled filter (+ keyset cursor) |
//! | `prune.rs` | [`may_match`], [`prune`], counts without a scan |
//! | `scan.rs` | [`BlockScan`]: matches, counts, histograms, pages |
//! | `merge.rs` | [`merge`] |
//! | `size.rs` | in-memory sizes of decoded parts (for byte-capped caches) |
//!
//! ## Every BLOB
//!
//! ```text
//! u8 format version (1) · u8 kind ('F' filter, 'H' head, 'M' metadata, 'T' frame)
//! · u32 LE block tag · body · u32 LE CRC-32 (IEEE) of all bytes before it
//! ```
//!
//! The block tag is the CRC-32 of the summary's count, id range and time
//! range, so parts of different blocks are never combined silently
//! ([`BlockError::Mismatch`]). Decoding checks version, kind and checksum
//! first, then parses with bounds checks only: damaged bytes give
//! [`BlockError::Corrupt`], never a panic. A compressed body is
//! `varint length · one zstd frame`; the length is checked against the
//! part's cap ([`MAX_HEAD_BYTES`], [`MAX_METADATA_PART_BYTES`],
//! [`MAX_FRAME_BYTES`]) before anything is allocated, and the frame must
//! expand to exactly that length.
//!
//! ## The parts
//!
//! - **head** (zstd): ids (whole, or split into high and low bits when a
//!   merge shuffled composite ids), timestamps (µs), `received_at` (as
//!   is, minus the timestamp, or in id order), level ranks, source and
//!   server-id dictionaries with per-entry indexes, the tag dictionary
//!   with the distinct tag lists and a list index per entry, and the
//!   entries per frame (message lengths only in older heads: the frames'
//!   separators give them). Integer columns store
//!   offsets from the minimum or deltas from the previous value, divided
//!   by their gcd, bit-packed (a sequential id column takes 0 bits per
//!   entry, millisecond timestamps lose their ×1000).
//! - **metadata** (zstd): each entry's object, stored by key: the
//!   distinct key lists ("shapes") once, a shape per entry, then one
//!   column per key with its kind chosen from the values: lower-case hex
//!   strings of one length as bytes, integers bit-packed, few distinct
//!   strings as a dictionary, other strings as UTF-8, booleans, nulls, and
//!   anything else (floats, u64 above i64, arrays, objects, mixed types)
//!   as serde_json's compact JSON text. Decoding rebuilds exactly the
//!   `Map` that was encoded (keys and their order, integer vs float,
//!   float bits — `float_roundtrip` is on). Against one compact JSON text
//!   per entry this measured 31% smaller on the bench workload (random
//!   hex request ids) and lets metadata filters compare without parsing.
//! - **frames** (zstd, one BLOB each): the messages of a run of
//!   consecutive entries ([`EncodeOptions::frame_entries`]: 256 at ingest;
//!   in the storage crate's final merge tier up to 1,024 and
//!   [`EncodeOptions::frame_bytes`] of 64 KiB) joined by 0xFF, which UTF-8 never contains: a needle never
//!   matches across messages, and a frame decodes on its own.
//! - **filter** (raw): per frame a Bloom filter of the byte n-grams (4 by
//!   default; 3 selectable) of the `str::to_lowercase`d messages, a Bloom
//!   filter of metadata `key=value` pairs as `metadata_equals` compares
//!   them, the tag dictionary with per-tag entry counts, the distinct
//!   tag sets of the entries (at most 64; a combination of tags no entry
//!   carries skips the block), and the sources and server ids present;
//!   merged blocks add the words every message contains and per-minute
//!   level counts. The Bloom filters are blocked (all bits of an
//!   item in one 64-bit word) and foldable: built large, sized to ~8 bits
//!   per distinct item from their fill, then halved, largest first, until
//!   together they take at most [`EncodeOptions::filter_budget`] of the
//!   block's compressed size; a filter left more than 95% full is dropped.
//!   Nothing in it can reject a block or frame that holds a match.
//!
//! ## Bodies, byte by byte
//!
//! `varint` is unsigned LEB128, `ivarint` zig-zag then LEB128,
//! `strings(..)` is `varint n · n × (varint len · UTF-8)`, and `ints(..)`
//! an integer column: `u8 mode (0 offset from min, 1 delta from previous)
//! · u8 width in bits · ivarint base · [mode 1: ivarint smallest delta] ·
//! varint scale (gcd) · values × width bits, little-endian bit order`.
//!
//! ```text
//! head      varint length · zstd(
//!             varint count · u8 flags (1 sorted, 2 has metadata, 4 ids split, 8 no message lengths)
//!             · varint frames · ints(entries per frame)
//!             · (ints(id) | flag 4: u8 bits · ints(id >> bits) · ints(low bits)) · ints(timestamp µs) · u8 mode · ints(received_at µs; mode 1 minus timestamp, 2 in id order)
//!             · count × u8 level rank
//!             · strings(sources) · ints(source index + 1, 0 = none)
//!             · strings(server ids) · ints(server index + 1, 0 = none)
//!             · strings(tags) · varint lists · lists × (varint len · len × varint tag) · ints(list per entry)
//!             · [without flag 8: ints(message length)])
//! metadata  varint length · zstd(
//!             varint count · strings(keys) · varint shapes · shapes × (varint len · len × varint key)
//!             · ints(shape per entry)
//!             · per key: u8 kind · values of the entries having it, by kind:
//!               0 json ints(len) · texts | 1 str ints(len) · bytes | 2 dict strings · ints(index)
//!               3 hex u8 bytes each · bytes | 4 int ints | 5 bool ints | 6 null)
//! frame     varint index · varint first entry · varint entries · varint length
//!             · zstd(messages joined by 0xFF)
//! filter    varint count · u8 n-gram length · varint frames · frames × bloom · bloom(pairs)
//!             · varint tags · tags × (varint len · UTF-8 · varint entries with it)
//!             · u8 some entry unsourced · strings(sources) · u8 some entry without server · strings(server ids)
//!             · [strings(common words) · [minute counts · [tag sets]]]   (optional tails: see `filter.rs`)
//! bloom     u8 log2 bits (0 = no information, else 6..=24) · u8 bits per item k (1..=6) · 2^log2 / 8 bytes
//! ```
//!
//! An item with hash `h` sets, in 64-bit word `h mod 2^(log2-6)`, the bits
//! `(h >> (58 - 6i)) & 63` for `i < k`. An n-gram (bytes `b0..b(n-1)` of
//! the lower-cased message) hashes as `p ^ (p >> 32)`, `p = (Σ bj <<
//! 8(n-1-j) ^ 0x5bd1e995) · 0x9E3779B97F4A7C15`; a metadata pair as XXH3-64
//! of `key · 0xFF · value text`.
//!
//! Stored timestamps are whole microseconds (sub-microsecond digits are
//! dropped, like the row store). Entries decode in the order they were
//! encoded; merged blocks are in `(timestamp, id)` order and flagged
//! [`FLAG_SORTED`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bloom;
mod columns;
mod decode;
mod dict;
mod encode;
mod envelope;
mod error;
mod filter;
mod frame;
mod grams;
mod head;
mod idcol;
mod intcol;
mod materialize;
mod merge;
mod metadata;
mod prune;
mod query;
mod received;
mod rows;
mod scan;
mod size;
mod summary;
#[cfg(test)]
mod testutil;
mod time;
mod wire;

pub use decode::decode_block;
pub use encode::{EncodeOptions, EncodedBlock, encode_block, encode_block_with};
pub use error::{BlockError, Part, Result};
pub use filter::{BlockFilter, MAX_MINUTES, decode_filter};
pub use frame::{Frame, decode_frame};
pub use head::{Head, decode_head};
pub use merge::{MERGED_BLOCK_ENTRIES, merge, merge_with};
pub use metadata::{Metadata, decode_metadata};
pub use prune::{
    Prune, bucket_start, count_without_scan, histogram_without_scan, level_counts_without_scan, may_match,
    needles_settled, prune,
};
pub use query::Query;
pub use rows::BlockRows;
pub use scan::BlockScan;
pub use summary::{BlockSummary, FLAG_HAS_METADATA, FLAG_HAS_TAGS, FLAG_SORTED};
pub use time::{ceil_micros, from_micros, to_micros};

#[doc(no_inline)]
pub use orion_core::model::log::LogFilter;

/// The format version every BLOB starts with.
pub const FORMAT_VERSION: u8 = 1;

/// Most entries in one block (ids are often `block_seq << 16 | ordinal`).
pub const MAX_BLOCK_ENTRIES: usize = 65_536;

/// Cap on a head's decompressed size.
pub const MAX_HEAD_BYTES: usize = 64 << 20;

/// Cap on a metadata part's decompressed size.
pub const MAX_METADATA_PART_BYTES: usize = 256 << 20;

/// Cap on the number of metadata values (top-level keys over all
/// entries) in one block.
pub const MAX_METADATA_VALUES: usize = 1 << 24;

/// Cap on a frame's decompressed size (a frame ends at 1 MiB of text
/// unless one message is larger; messages may be up to half this).
pub const MAX_FRAME_BYTES: usize = 32 << 20;
