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
//! part's decoded size (`heap_size` in orion-logstore). It holds decoded
//! values, not BLOBs: a part is checked (CRC, bounds) once when it is
//! decoded; damage to the file after that is found by the next decode
//! after eviction, a restart, or `orion check`, which reads the file.

use std::sync::Arc;

use orion_logstore::{BlockFilter, Frame, Head, Metadata};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

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
    parts: Cache<Key, Part, DecodedSize>,
}

impl std::fmt::Debug for DecodedParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedParts")
            .field("parts", &self.parts.len())
            .field("bytes", &self.parts.weight())
            .finish()
    }
}

/// Generates a typed getter and putter for one kind of part.
macro_rules! part_accessors {
    ($get:ident, $put:ident, $kind:expr, $variant:ident, $ty:ty $(, $arg:ident)?) => {
        pub(super) fn $get(&self, block: i64, count: u32 $(, $arg: u32)?) -> Option<Arc<$ty>> {
            match self.parts.get(&Key { block, count, kind: $kind })? {
                Part::$variant(part) => Some(part),
                _ => None,
            }
        }

        pub(super) fn $put(&self, block: i64, count: u32 $(, $arg: u32)?, part: Arc<$ty>) {
            self.parts.insert(Key { block, count, kind: $kind }, Part::$variant(part));
        }
    };
}

impl DecodedParts {
    /// A cache holding at most about `bytes` of decoded parts.
    pub(super) fn new(bytes: u64) -> Self {
        // quick_cache sizes its table from an item estimate: parts average
        // a few tens of KiB.
        let estimated = (bytes / 16_384).max(16) as usize;
        Self { parts: Cache::with_weighter(estimated, bytes.max(1), DecodedSize) }
    }

    part_accessors!(filter, put_filter, Kind::Filter, Filter, BlockFilter);
    part_accessors!(head, put_head, Kind::Head, Head, Head);
    part_accessors!(metadata, put_metadata, Kind::Metadata, Metadata, Metadata);
    part_accessors!(frame, put_frame, Kind::Frame(index), Frame, Frame, index);

    /// Bytes held now (weights as estimated).
    #[cfg(test)]
    pub(super) fn bytes(&self) -> u64 {
        self.parts.weight()
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
        let parts = DecodedParts::new(1 << 20);
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
        let parts = DecodedParts::new(cap);
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
        assert!(parts.bytes() <= cap, "{} bytes held, cap {cap}", parts.bytes());
        assert!(parts.bytes() > cap / 4, "the cache still holds a useful share: {} bytes", parts.bytes());
    }
}
