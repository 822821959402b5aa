//! Decoded block parts kept in process, so repeated queries (a dashboard
//! refreshing, a page after a count, alert rules every minute) stop
//! re-reading and re-decompressing the same newest blocks.
//!
//! A part is keyed by its block's number *and entry count*: blocks are
//! immutable except that retention rewrites a straddling block under the
//! same number with fewer entries, and merges write new numbers; so a key
//! never names two different contents, and a stale part is simply never
//! asked for again and ages out. That holds across instances on one
//! PostgreSQL too: no invalidation messages are needed.
//!
//! The cache is capped in bytes ([`DecodedParts::new`]), weighted by each
//! part's decoded size (`heap_size` in orion-logstore), in two pools:
//! filters apart from heads, metadata and frames. Every query that has a
//! needle, a tag or a metadata pair consults the filter of every block it
//! lists (a rare needle: all of them), while a histogram or an export
//! decodes heads and frames of many blocks once; in one pool such a scan
//! evicted the filters, and the next rare-needle search read every filter
//! BLOB from the database again. It holds decoded
//! values, not BLOBs: a part is checked (CRC, bounds) once when it is
//! decoded; damage to the file after that is found by the next decode
//! after eviction, a restart, or `orion check`, which reads the file.

use std::sync::Arc;

use orion_logstore::{BlockFilter, Frame, Head, Metadata};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// How many bytes of decoded log parts a repository keeps in process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCache {
    /// Decoded block filters (every needle, tag or metadata query reads
    /// the filter of each block it lists).
    pub filter_bytes: u64,
    /// Decoded heads, metadata and frames.
    pub part_bytes: u64,
}

impl LogCache {
    /// `total` bytes, three quarters for filters (the default's split).
    pub fn total(total: u64) -> Self {
        let filter_bytes = total / 4 * 3;
        Self { filter_bytes, part_bytes: total - filter_bytes }
    }
}

impl Default for LogCache {
    /// 96 MiB of filters (about the merged filters of 10M bench entries:
    /// a rare needle there reads no filter BLOB) and 32 MiB of the rest.
    fn default() -> Self {
        Self::total(128 << 20)
    }
}

/// Which part of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Filter,
    Head,
    Metadata,
    Frame(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    block: i64,
    count: u32,
    kind: Kind,
}

/// One decoded part.
#[derive(Debug, Clone)]
enum Part {
    Filter(Arc<BlockFilter>),
    Head(Arc<Head>),
    Metadata(Arc<Metadata>),
    Frame(Arc<Frame>),
}

#[derive(Debug, Clone, Copy)]
struct DecodedSize;

impl Weighter<Key, Part> for DecodedSize {
    fn weight(&self, _key: &Key, part: &Part) -> u64 {
        let bytes = match part {
            Part::Filter(f) => f.heap_size(),
            Part::Head(h) => h.heap_size(),
            Part::Metadata(m) => m.heap_size(),
            Part::Frame(f) => f.heap_size(),
        };
        bytes as u64 + 64
    }
}

/// The byte-capped cache of decoded parts, shared by every query of one
/// repository.
pub(super) struct DecodedParts {
    /// Block filters.
    filters: Cache<Key, Part, DecodedSize>,
    /// Heads, metadata and frames.
    parts: Cache<Key, Part, DecodedSize>,
}

impl std::fmt::Debug for DecodedParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedParts")
            .field("filters", &self.filters.len())
            .field("filter_bytes", &self.filters.weight())
            .field("parts", &self.parts.len())
            .field("part_bytes", &self.parts.weight())
            .finish()
    }
}

/// Generates a typed getter and putter for one kind of part.
macro_rules! part_accessors {
    ($pool:ident, $get:ident, $put:ident, $kind:expr, $variant:ident, $ty:ty $(, $arg:ident)?) => {
        pub(super) fn $get(&self, block: i64, count: u32 $(, $arg: u32)?) -> Option<Arc<$ty>> {
            match self.$pool.get(&Key { block, count, kind: $kind })? {
                Part::$variant(part) => Some(part),
                _ => None,
            }
        }

        pub(super) fn $put(&self, block: i64, count: u32 $(, $arg: u32)?, part: Arc<$ty>) {
            self.$pool.insert(Key { block, count, kind: $kind }, Part::$variant(part));
        }
    };
}

impl DecodedParts {
    /// A cache holding at most about `filter_bytes` of decoded filters
    /// and `part_bytes` of the other parts.
    pub(super) fn new(LogCache { filter_bytes, part_bytes }: LogCache) -> Self {
        // quick_cache sizes its table from an item estimate: parts average
        // a few tens of KiB.
        let pool =
            |bytes: u64| Cache::with_weighter((bytes / 16_384).max(16) as usize, bytes.max(1), DecodedSize);
        Self { filters: pool(filter_bytes), parts: pool(part_bytes) }
    }

    part_accessors!(filters, filter, put_filter, Kind::Filter, Filter, BlockFilter);
    part_accessors!(parts, head, put_head, Kind::Head, Head, Head);
    part_accessors!(parts, metadata, put_metadata, Kind::Metadata, Metadata, Metadata);
    part_accessors!(parts, frame, put_frame, Kind::Frame(index), Frame, Frame, index);

    /// Bytes held now (weights as estimated), filters and other parts.
    #[cfg(test)]
    pub(super) fn bytes(&self) -> (u64, u64) {
        (self.filters.weight(), self.parts.weight())
    }
}

#[cfg(test)]
mod tests {
    use orion_core::model::ProjectId;
    use orion_core::model::log::{Level, LogEntry, NewLogEntry};
    use orion_logstore::{decode_frame, decode_head, encode_block};

    use super::*;

    fn block(n: usize, seed: i64) -> orion_logstore::EncodedBlock {
        let entries: Vec<LogEntry> = (0..n as i64)
            .map(|i| {
                let at = chrono::DateTime::from_timestamp(1_700_000_000 + i, 0).unwrap();
                LogEntry {
                    id: (seed << 16) | i,
                    entry: NewLogEntry {
                        project_id: ProjectId(1),
                        timestamp: at,
                        received_at: at,
                        level: Level::Info,
                        message: format!("block {seed} entry {i} with some words to fill the frame"),
                        metadata: serde_json::Map::new(),
                        tags: Vec::new(),
                        source: None,
                        server_id: None,
                    },
                }
            })
            .collect();
        encode_block(&entries).unwrap()
    }

    #[test]
    fn parts_come_back_only_under_the_same_block_number_and_entry_count() {
        let parts = DecodedParts::new(LogCache { filter_bytes: 1 << 20, part_bytes: 1 << 20 });
        let encoded = block(100, 3);
        let head = Arc::new(decode_head(&encoded.head).unwrap());
        parts.put_head(3, 100, head.clone());
        assert!(parts.head(3, 100).is_some_and(|h| Arc::ptr_eq(&h, &head)));
        // Retention rewrote block 3 with fewer entries: not the same part.
        assert!(parts.head(3, 99).is_none());
        assert!(parts.head(4, 100).is_none());
        // One kind is not taken for another.
        assert!(parts.metadata(3, 100).is_none());
        assert!(parts.frame(3, 100, 0).is_none());
    }

    #[test]
    fn the_cache_stays_within_its_byte_cap() {
        let cap = 256 * 1024;
        let parts = DecodedParts::new(LogCache { filter_bytes: cap, part_bytes: cap });
        let mut inserted = 0u64;
        for n in 0..200 {
            let encoded = block(1_024, n);
            for (index, raw) in encoded.frames.iter().enumerate() {
                let frame = Arc::new(decode_frame(raw).unwrap());
                inserted += frame.heap_size() as u64;
                parts.put_frame(n, 1_024, index as u32, frame);
            }
        }
        assert!(inserted > 10 * cap, "the test inserts far more than fits ({inserted} bytes)");
        let (_, held) = parts.bytes();
        assert!(held <= cap, "{held} bytes held, cap {cap}");
        assert!(held > cap / 4, "the cache still holds a useful share: {held} bytes");
    }

    #[test]
    fn a_scan_of_frames_and_heads_never_evicts_the_filters() {
        let parts = DecodedParts::new(LogCache { filter_bytes: 1 << 20, part_bytes: 128 * 1024 });
        let filters: Vec<_> = (0..20)
            .map(|n| {
                let filter = Arc::new(orion_logstore::decode_filter(&block(1_024, n).filter).unwrap());
                parts.put_filter(n, 1_024, filter.clone());
                filter
            })
            .collect();
        // A histogram or an export over many blocks: far more heads and
        // frames than their pool holds.
        for n in 100..160 {
            let encoded = block(1_024, n);
            parts.put_head(n, 1_024, Arc::new(decode_head(&encoded.head).unwrap()));
            for (index, raw) in encoded.frames.iter().enumerate() {
                parts.put_frame(n, 1_024, index as u32, Arc::new(decode_frame(raw).unwrap()));
            }
        }
        for (n, filter) in filters.iter().enumerate() {
            let kept = parts.filter(n as i64, 1_024);
            assert!(kept.is_some_and(|f| Arc::ptr_eq(&f, filter)), "filter {n} was evicted by the scan");
        }
        let (filter_bytes, part_bytes) = parts.bytes();
        assert!(part_bytes <= 128 * 1024 && filter_bytes <= 1 << 20, "{filter_bytes} + {part_bytes} bytes");
    }
}
