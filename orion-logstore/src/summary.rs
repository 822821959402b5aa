//! The plain values of a block that live in SQL columns, next to the
//! BLOBs: enough to prune by time, id, level and a uniform source, and to
//! count, without reading any BLOB.

use chrono::{DateTime, Utc};

use crate::time::from_micros;

/// Flag bit: entries are stored in ascending `(timestamp, id)` order
/// (every merged block), so newest-first is reverse storage order.
pub const FLAG_SORTED: u32 = 1;
/// Flag bit: at least one entry has a non-empty metadata object. Without
/// it a metadata filter skips the block and decoding may skip the
/// metadata BLOB.
pub const FLAG_HAS_METADATA: u32 = 2;
/// Flag bit: at least one entry has a tag.
pub const FLAG_HAS_TAGS: u32 = 4;

/// A block's summary: one row of `log_blocks` without its BLOBs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockSummary {
    /// Earliest `timestamp`, microseconds since the epoch.
    pub min_ts: i64,
    /// Latest `timestamp`, microseconds since the epoch.
    pub max_ts: i64,
    /// Smallest id.
    pub min_id: i64,
    /// Largest id.
    pub max_id: i64,
    /// Entries in the block (1 to [`MAX_BLOCK_ENTRIES`](crate::MAX_BLOCK_ENTRIES)).
    pub count: u32,
    /// Entries per level, indexed by [`Level::rank`](orion_core::model::log::Level::rank).
    pub level_counts: [u32; 6],
    /// The source, when every entry has this same `Some(source)`.
    pub source: Option<String>,
    /// How many message frames (rows of `log_frames`) the block has.
    pub frame_count: u32,
    /// [`FLAG_SORTED`], [`FLAG_HAS_METADATA`], [`FLAG_HAS_TAGS`].
    pub flags: u32,
    /// Bytes of message text before compression (for statistics).
    pub message_bytes: u64,
}

impl BlockSummary {
    /// The tag every part of this block carries, derived from the count,
    /// the id range and the time range: parts of different blocks are
    /// told apart ([`BlockError::Mismatch`](crate::BlockError::Mismatch)).
    pub fn block_tag(&self) -> u32 {
        block_tag(self.count, self.min_id, self.max_id, self.min_ts, self.max_ts)
    }

    /// Whether entries are stored oldest first.
    pub fn is_sorted(&self) -> bool {
        self.flags & FLAG_SORTED != 0
    }

    /// Whether any entry has metadata.
    pub fn has_metadata(&self) -> bool {
        self.flags & FLAG_HAS_METADATA != 0
    }

    /// Whether any entry has a tag.
    pub fn has_tags(&self) -> bool {
        self.flags & FLAG_HAS_TAGS != 0
    }

    /// `min_ts` as an instant.
    pub fn min_timestamp(&self) -> Option<DateTime<Utc>> {
        from_micros(self.min_ts)
    }

    /// `max_ts` as an instant.
    pub fn max_timestamp(&self) -> Option<DateTime<Utc>> {
        from_micros(self.max_ts)
    }
}

/// CRC-32 of `count, min_id, max_id, min_ts, max_ts` (little-endian).
pub(crate) fn block_tag(count: u32, min_id: i64, max_id: i64, min_ts: i64, max_ts: i64) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&count.to_le_bytes());
    for v in [min_id, max_id, min_ts, max_ts] {
        h.update(&v.to_le_bytes());
    }
    h.finalize()
}
