//! One pass over a block's entries into compact columns (ids, times,
//! levels, dictionary-coded sources, server ids and tag lists, message
//! lengths) and the summary's statistics; the head, the filter's
//! dictionaries and the summary are all built from it.

use std::collections::HashMap;

use orion_core::model::log::LogEntry;

use crate::dict::DictBuilder;
use crate::summary::{BlockSummary, FLAG_HAS_TAGS, FLAG_SORTED};
use crate::time::to_micros;

/// The columns of a block being encoded.
#[derive(Debug, Default)]
pub(crate) struct Columns<'a> {
    pub(crate) ids: Vec<i64>,
    pub(crate) timestamps: Vec<i64>,
    pub(crate) received: Vec<i64>,
    pub(crate) levels: Vec<u8>,
    pub(crate) sources: DictBuilder<'a>,
    /// Per entry: source index + 1, or 0 for none.
    pub(crate) source_refs: Vec<u64>,
    pub(crate) servers: DictBuilder<'a>,
    /// Per entry: server index + 1, or 0 for none.
    pub(crate) server_refs: Vec<u64>,
    pub(crate) tags: DictBuilder<'a>,
    /// Distinct tag lists (tag indexes, in entry order, repeats kept).
    pub(crate) tag_lists: Vec<Vec<u32>>,
    /// Per entry: its tag list.
    pub(crate) list_refs: Vec<u64>,
    /// Statistics for the summary (frame count and metadata flag unset).
    pub(crate) summary: BlockSummary,
}

impl<'a> Columns<'a> {
    /// Reads `entries` once (at least one entry).
    pub(crate) fn new(entries: &'a [LogEntry]) -> Self {
        let n = entries.len();
        let mut c = Columns {
            ids: Vec::with_capacity(n),
            timestamps: Vec::with_capacity(n),
            received: Vec::with_capacity(n),
            levels: Vec::with_capacity(n),
            source_refs: Vec::with_capacity(n),
            server_refs: Vec::with_capacity(n),
            list_refs: Vec::with_capacity(n),
            ..Columns::default()
        };
        let mut lists: HashMap<&'a [String], u32> = HashMap::new();
        let mut last_list: Option<(&'a [String], u32)> = None;
        let mut level_counts = [0u32; 6];
        let (mut min_ts, mut max_ts, mut min_id, mut max_id) = (i64::MAX, i64::MIN, i64::MAX, i64::MIN);
        let (mut sorted, mut has_tags, mut unsourced) = (true, false, false);
        let mut message_bytes = 0u64;
        let mut prev = (i64::MIN, i64::MIN);
        for e in entries {
            let ts = to_micros(e.entry.timestamp);
            c.ids.push(e.id);
            c.timestamps.push(ts);
            c.received.push(to_micros(e.entry.received_at));
            let rank = e.entry.level.rank() as u8;
            c.levels.push(rank);
            level_counts[usize::from(rank)] += 1;
            min_ts = min_ts.min(ts);
            max_ts = max_ts.max(ts);
            min_id = min_id.min(e.id);
            max_id = max_id.max(e.id);
            sorted &= prev <= (ts, e.id);
            prev = (ts, e.id);
            c.source_refs.push(match e.entry.source_str() {
                Some(s) => u64::from(c.sources.index(s)) + 1,
                None => {
                    unsourced = true;
                    0
                }
            });
            c.server_refs.push(e.entry.server_id_str().map_or(0, |s| u64::from(c.servers.index(s)) + 1));
            let tags = e.entry.tags.as_slice();
            has_tags |= !tags.is_empty();
            let list = match last_list {
                Some((prev, i)) if prev == tags => i,
                _ => {
                    let next = c.tag_lists.len() as u32;
                    let i = *lists.entry(tags).or_insert(next);
                    if i == next {
                        let indexes = tags.iter().map(|t| c.tags.index(t)).collect();
                        c.tag_lists.push(indexes);
                    }
                    i
                }
            };
            last_list = Some((tags, list));
            c.list_refs.push(u64::from(list));
            message_bytes += e.entry.message.len() as u64;
        }
        let mut flags = 0;
        if sorted {
            flags |= FLAG_SORTED;
        }
        if has_tags {
            flags |= FLAG_HAS_TAGS;
        }
        let uniform = !unsourced && c.sources.strings().len() == 1;
        c.summary = BlockSummary {
            min_ts,
            max_ts,
            min_id,
            max_id,
            count: n as u32,
            level_counts,
            source: if uniform { c.sources.strings().first().map(|s| (*s).to_owned()) } else { None },
            frame_count: 0,
            flags,
            message_bytes,
        };
        c
    }

    /// How many entries carry each tag (by tag index; repeats within an
    /// entry count once).
    pub(crate) fn tag_counts(&self) -> Vec<u32> {
        let mut per_list = vec![0u32; self.tag_lists.len()];
        for &l in &self.list_refs {
            per_list[l as usize] += 1;
        }
        let mut counts = vec![0u32; self.tags.strings().len()];
        for (list, &n) in self.tag_lists.iter().zip(&per_list) {
            for (i, &t) in list.iter().enumerate() {
                if !list[..i].contains(&t) {
                    counts[t as usize] += n;
                }
            }
        }
        counts
    }

    /// Whether some entry has no server id.
    pub(crate) fn has_no_server(&self) -> bool {
        self.server_refs.contains(&0)
    }

    /// Whether some entry has no source.
    pub(crate) fn has_unsourced(&self) -> bool {
        self.source_refs.contains(&0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::entry;
    use orion_core::model::log::Level;

    #[test]
    fn summary_and_tag_counts() {
        let entries = [
            entry(5, "a", Level::Info, &["x", "x"], Some("app")),
            entry(3, "bb", Level::Warn, &["x", "y"], Some("app")),
            entry(4, "c", Level::Warn, &[], Some("app")),
        ];
        let c = Columns::new(&entries);
        let s = &c.summary;
        assert_eq!((s.min_id, s.max_id, s.count, s.message_bytes), (3, 5, 3, 4));
        assert_eq!(s.level_counts, [0, 0, 1, 2, 0, 0]);
        assert_eq!(s.source.as_deref(), Some("app"));
        assert!(!s.is_sorted());
        assert!(s.has_tags());
        assert_eq!(c.tags.strings(), ["x", "y"]);
        // "x" twice on one entry counts once.
        assert_eq!(c.tag_counts(), [2, 1]);
        assert_eq!(c.tag_lists.len(), 3);
        assert!(!c.has_unsourced());
        assert!(c.has_no_server());
    }

    #[test]
    fn a_missing_source_breaks_uniformity() {
        let entries = [entry(1, "a", Level::Info, &[], Some("app")), entry(2, "b", Level::Info, &[], None)];
        let c = Columns::new(&entries);
        assert_eq!(c.summary.source, None);
        assert!(c.has_unsourced());
        assert!(c.summary.is_sorted());
    }
}
