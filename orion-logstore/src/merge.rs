//! Merging blocks: all their entries sorted by `(timestamp, id)`, cut into
//! blocks of a target size, encoded with stronger compression. Ids never
//! change, so cursors and returned ids stay valid.

use orion_core::model::log::LogEntry;

use crate::encode::{EncodeOptions, EncodedBlock, encode_block_with};
use crate::error::Result;
use crate::time::to_micros;

/// Entries per merged block by default.
pub const MERGED_BLOCK_ENTRIES: usize = 4_096;

/// Merges the entries of several blocks into blocks of up to
/// [`MERGED_BLOCK_ENTRIES`], encoded with [`EncodeOptions::merged`].
pub fn merge(blocks: Vec<Vec<LogEntry>>) -> Result<Vec<EncodedBlock>> {
    merge_with(blocks, MERGED_BLOCK_ENTRIES, &EncodeOptions::merged())
}

/// Merges into blocks of up to `block_entries` entries with `options`.
/// The output is sorted oldest first, so each block is flagged sorted.
pub fn merge_with(
    blocks: Vec<Vec<LogEntry>>,
    block_entries: usize,
    options: &EncodeOptions,
) -> Result<Vec<EncodedBlock>> {
    let mut all: Vec<LogEntry> = blocks.into_iter().flatten().collect();
    all.sort_by_key(|e| (to_micros(e.entry.timestamp), e.id));
    all.chunks(block_entries.clamp(1, crate::MAX_BLOCK_ENTRIES))
        .map(|c| encode_block_with(c, options))
        .collect()
}
