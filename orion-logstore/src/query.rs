//! A [`LogFilter`] compiled once for pruning and scanning many blocks:
//! the lower-cased needle and its n-gram hashes, a level mask, time
//! bounds in stored microseconds, metadata pair hashes, and an optional
//! keyset cursor.

use memchr::memmem::Finder;
use orion_core::model::log::{Level, LogCursor, LogEntry, LogFilter};

use crate::grams::{gram_hashes, pair_hash};
use crate::time::{ceil_micros, nanos_i128};

/// A compiled query: a filter, optionally "strictly after this cursor in
/// newest-first order" (keyset pagination).
#[derive(Debug, Clone)]
pub struct Query {
    filter: LogFilter,
    pub(crate) level_mask: u8,
    pub(crate) needle: Option<Needle>,
    /// Entries need `timestamp_us >= from_us`.
    pub(crate) from_us: Option<i64>,
    /// Entries need `timestamp_us < to_us`.
    pub(crate) to_us: Option<i64>,
    pub(crate) tags: Vec<String>,
    pub(crate) pairs: Vec<(String, String, u64)>,
    pub(crate) after: Option<After>,
}

/// The lower-cased needle, ready for `memmem` and the n-gram filters.
#[derive(Debug, Clone)]
pub(crate) struct Needle {
    pub(crate) finder: Finder<'static>,
    /// Distinct gram hashes for gram lengths 1 to 4 (index `n - 1`).
    pub(crate) grams: [Vec<u64>; 4],
}

/// A keyset cursor: entries must sort strictly before `(ns, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct After {
    pub(crate) cursor: LogCursor,
    pub(crate) ns: i128,
}

impl After {
    /// Whether an entry stored at `ts_us`, `id` comes after the cursor in
    /// newest-first order.
    #[inline]
    pub(crate) fn passes(&self, ts_us: i64, id: i64) -> bool {
        (i128::from(ts_us) * 1_000, id) < (self.ns, self.cursor.id)
    }
}

impl Query {
    /// Compiles `filter`.
    pub fn new(filter: &LogFilter) -> Self {
        let mut level_mask = 0u8;
        for level in Level::ALL {
            if filter.levels.matches(level) {
                level_mask |= 1 << level.rank();
            }
        }
        // An empty needle matches every message: no needle at all.
        let needle = filter.search.as_deref().filter(|n| !n.is_empty()).map(|n| {
            let lower = n.to_lowercase();
            let bytes = lower.as_bytes();
            Needle {
                finder: Finder::new(bytes).into_owned(),
                grams: [1, 2, 3, 4].map(|g| gram_hashes(bytes, g)),
            }
        });
        let mut tags = filter.tags.clone();
        tags.sort();
        tags.dedup();
        let mut scratch = Vec::new();
        let pairs = filter
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone(), pair_hash(k, v, &mut scratch)))
            .collect();
        Self {
            filter: filter.clone(),
            level_mask,
            needle,
            from_us: filter.from.map(ceil_micros),
            to_us: filter.to.map(ceil_micros),
            tags,
            pairs,
            after: None,
        }
    }

    /// The same query, keeping only entries strictly after `cursor` in
    /// newest-first order (`(timestamp, id)` smaller than the cursor's).
    pub fn after(mut self, cursor: LogCursor) -> Self {
        self.after = Some(After { cursor, ns: nanos_i128(cursor.timestamp) });
        self
    }

    /// The filter it was compiled from.
    pub fn filter(&self) -> &LogFilter {
        &self.filter
    }

    /// The keyset cursor, if any.
    pub fn cursor(&self) -> Option<LogCursor> {
        self.after.map(|a| a.cursor)
    }

    /// Whether it searches message text (a non-empty needle): only then
    /// must frames be read to decide what matches.
    pub fn has_needle(&self) -> bool {
        self.needle.is_some()
    }

    /// Whether it filters on metadata: only then must the metadata BLOB
    /// be read to decide what matches.
    pub fn has_metadata_filter(&self) -> bool {
        !self.pairs.is_empty()
    }

    /// Whether level rank `rank` passes.
    #[inline]
    pub(crate) fn level_passes(&self, rank: u8) -> bool {
        self.level_mask & (1 << rank) != 0
    }

    /// Whether a stored timestamp passes the time bounds and the cursor
    /// (alone, without the id).
    #[inline]
    pub(crate) fn time_passes(&self, ts_us: i64) -> bool {
        self.from_us.is_none_or(|f| ts_us >= f) && self.to_us.is_none_or(|t| ts_us < t)
    }

    /// The reference answer: exactly `LogFilter::matches` and the cursor.
    /// Scans agree with it; tests compare.
    pub fn matches(&self, entry: &LogEntry) -> bool {
        self.filter.matches(&entry.entry)
            && self.after.is_none_or(|a| (nanos_i128(entry.entry.timestamp), entry.id) < (a.ns, a.cursor.id))
    }
}
