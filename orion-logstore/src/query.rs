//! A [`LogFilter`] compiled once for pruning and scanning many blocks:
//! the lower-cased needle and its n-gram hashes, a level mask, time
//! bounds in stored microseconds, metadata pair hashes, and an optional
//! keyset cursor.

use std::sync::atomic::{AtomicUsize, Ordering};

use memchr::memmem::Finder;
use orion_core::model::log::term::{compare_meta, meta_number};
use orion_core::model::log::{Level, LogCursor, LogEntry, LogFilter, MetaCondition, MetaOp, TermKind};

use crate::grams::{gram_hashes, pair_hash};
use crate::time::{ceil_micros, nanos_i128};

/// A compiled query: a filter, optionally "strictly after this cursor in
/// newest-first order" (keyset pagination).
///
/// The filter's query-string terms are folded in: level terms (negated
/// or not) narrow the level mask, which is exact; positive text, source,
/// tag, server and `meta.k=v` terms join the needles, sources, tags,
/// servers and pairs that prune; everything else (every other negated
/// term, metadata comparisons) is only checked per entry, so it never
/// prunes a block.
#[derive(Debug, Clone)]
pub struct Query {
    filter: LogFilter,
    pub(crate) level_mask: u8,
    /// Every positive needle (`search` and text terms): each must be in
    /// the message, and each prunes.
    pub(crate) needles: Vec<Needle>,
    /// Negated needles: none may be in the message.
    pub(crate) excluded: Vec<Needle>,
    /// Entries need `timestamp_us >= from_us`.
    pub(crate) from_us: Option<i64>,
    /// Entries need `timestamp_us < to_us`.
    pub(crate) to_us: Option<i64>,
    /// The source must equal each of these.
    pub(crate) sources: Vec<String>,
    /// The server id must equal each of these.
    pub(crate) servers: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) pairs: Vec<(String, String, u64)>,
    /// Metadata comparisons other than positive `=`, and negated ones.
    pub(crate) meta: Vec<MetaCheck>,
    /// Negated source, tag and server terms.
    pub(crate) not_sources: Vec<String>,
    pub(crate) not_tags: Vec<String>,
    pub(crate) not_servers: Vec<String>,
    pub(crate) after: Option<After>,
}

/// A metadata comparison checked per entry.
#[derive(Debug, Clone)]
pub(crate) struct MetaCheck {
    pub(crate) negated: bool,
    pub(crate) key: String,
    pub(crate) op: MetaOp,
    pub(crate) value: String,
    pub(crate) number: Option<f64>,
}

impl MetaCheck {
    /// Whether the check passes for the value stored under the key.
    pub(crate) fn passes(&self, stored: Option<&serde_json::Value>) -> bool {
        stored.is_some_and(|v| compare_meta(v, self.op, &self.value, self.number)) != self.negated
    }
}

/// The lower-cased needle, ready for `memmem` and the n-gram filters.
#[derive(Debug)]
pub(crate) struct Needle {
    pub(crate) finder: Finder<'static>,
    /// Distinct gram hashes for gram lengths 1 to 4 (index `n - 1`).
    pub(crate) grams: [Vec<u64>; 4],
    /// Per gram length, the index of the gram that last ruled a frame
    /// out: probed first in the next frame (see [`Needle::may_be_in`]).
    lead: [AtomicUsize; 4],
}

impl Clone for Needle {
    fn clone(&self) -> Self {
        Needle {
            finder: self.finder.clone(),
            grams: self.grams.clone(),
            lead: std::array::from_fn(|n| AtomicUsize::new(self.lead[n].load(Ordering::Relaxed))),
        }
    }
}

impl Needle {
    pub(crate) fn new(text: &str) -> Self {
        let lower = text.to_lowercase();
        let bytes = lower.as_bytes();
        Needle {
            finder: Finder::new(bytes).into_owned(),
            grams: [1, 2, 3, 4].map(|g| gram_hashes(bytes, g)),
            lead: Default::default(),
        }
    }

    /// Whether every gram of length `n` may be in a frame, asked of its
    /// filter with `contains`. Grams are sorted by hash, so a common one
    /// ("over" of "quasar-overflow") is as likely to come first as the
    /// rare one that rules most frames out; each probe of a large filter
    /// is a cache miss. The gram that last said no is probed first, so
    /// after a few frames one probe settles nearly every frame. The hint
    /// is shared by the query's threads and only orders the probes: the
    /// answer is the same in any order.
    pub(crate) fn may_be_in(&self, n: usize, contains: impl Fn(u64) -> bool) -> bool {
        self.may_be_in_past(n, usize::MAX, contains)
    }

    /// The gram [`Self::may_be_in`] would probe first for length `n`
    /// (`None`: the needle is shorter than a gram and every filter
    /// passes), with its index for [`Self::may_be_in_past`].
    pub(crate) fn lead_gram(&self, n: usize) -> Option<(usize, u64)> {
        let first = self.lead[n - 1].load(Ordering::Relaxed);
        self.grams[n - 1].get(first).map(|&h| (first, h))
    }

    /// [`Self::may_be_in`] once gram `known` (an index from
    /// [`Self::lead_gram`]) is known to pass: probes the others, the
    /// hint's gram first.
    pub(crate) fn may_be_in_past(&self, n: usize, known: usize, contains: impl Fn(u64) -> bool) -> bool {
        let (grams, lead) = (&self.grams[n - 1], &self.lead[n - 1]);
        let first = lead.load(Ordering::Relaxed);
        if first != known && grams.get(first).is_some_and(|&h| !contains(h)) {
            return false;
        }
        for (i, &h) in grams.iter().enumerate() {
            if i != first && i != known && !contains(h) {
                lead.store(i, Ordering::Relaxed);
                return false;
            }
        }
        true
    }
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

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
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
        let mut texts: Vec<&str> = filter.search.as_deref().filter(|n| !n.is_empty()).into_iter().collect();
        let (mut excluded, mut sources, mut servers) = (Vec::new(), Vec::new(), Vec::new());
        let mut tags = filter.tags.clone();
        let mut pairs: Vec<(String, String)> = filter.metadata.clone();
        let (mut meta, mut not_sources, mut not_tags, mut not_servers) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        if let Some(s) = &filter.source {
            sources.push(s.clone());
        }
        for term in &filter.terms {
            match (&term.kind, term.negated) {
                (TermKind::Levels(levels), negated) => {
                    let mut mask = 0u8;
                    for l in levels {
                        mask |= 1 << l.rank();
                    }
                    level_mask &= if negated { !mask } else { mask };
                }
                (TermKind::Text(t), false) => {
                    if !t.is_empty() && !texts.contains(&t.as_str()) {
                        texts.push(t);
                    }
                }
                (TermKind::Text(t), true) => excluded.push(Needle::new(t)),
                (TermKind::Source(s), false) => push_unique(&mut sources, s),
                (TermKind::Source(s), true) => push_unique(&mut not_sources, s),
                (TermKind::Tag(t), false) => tags.push(t.clone()),
                (TermKind::Tag(t), true) => push_unique(&mut not_tags, t),
                (TermKind::Server(s), false) => push_unique(&mut servers, s),
                (TermKind::Server(s), true) => push_unique(&mut not_servers, s),
                (TermKind::Meta(MetaCondition { key, op: MetaOp::Eq, value }), false) => {
                    pairs.push((key.clone(), value.clone()));
                }
                (TermKind::Meta(c), negated) => meta.push(MetaCheck {
                    negated,
                    key: c.key.clone(),
                    op: c.op,
                    value: c.value.clone(),
                    number: meta_number(&c.value),
                }),
            }
        }
        tags.sort();
        tags.dedup();
        pairs.sort();
        pairs.dedup();
        let mut scratch = Vec::new();
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| {
                let h = pair_hash(&k, &v, &mut scratch);
                (k, v, h)
            })
            .collect();
        Self {
            filter: filter.clone(),
            level_mask,
            needles: texts.into_iter().map(Needle::new).collect(),
            excluded,
            from_us: filter.from.map(ceil_micros),
            to_us: filter.to.map(ceil_micros),
            sources,
            servers,
            tags,
            pairs,
            meta,
            not_sources,
            not_tags,
            not_servers,
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

    /// Whether it searches message text (a non-empty needle, positive or
    /// negated): only then must frames be read to decide what matches.
    pub fn has_needle(&self) -> bool {
        !self.needles.is_empty() || !self.excluded.is_empty()
    }

    /// Whether it filters on metadata: only then must the metadata BLOB
    /// be read to decide what matches.
    pub fn has_metadata_filter(&self) -> bool {
        !self.pairs.is_empty() || !self.meta.is_empty()
    }

    /// Whether a match needs metadata (a positive metadata term): a block
    /// without any cannot match.
    pub(crate) fn requires_metadata(&self) -> bool {
        !self.pairs.is_empty() || self.meta.iter().any(|m| !m.negated)
    }

    /// Whether pruning can use the block filter (needles, tags, sources,
    /// servers, metadata pairs): only then is it worth reading.
    pub fn wants_filter(&self) -> bool {
        !self.needles.is_empty()
            || !self.pairs.is_empty()
            || !self.tags.is_empty()
            || !self.sources.is_empty()
            || !self.servers.is_empty()
    }

    /// Whether every match follows from the level counts, time range,
    /// source, and tag dictionary: no needle, no metadata, no server and
    /// no negated source or tag.
    /// The same query without its positive needles: what a block whose
    /// common words settle them ([`needles_settled`](crate::needles_settled))
    /// is scanned with.
    pub fn without_needles(&self) -> Query {
        Query { needles: Vec::new(), ..self.clone() }
    }

    pub(crate) fn countable(&self) -> bool {
        !self.has_needle() && self.countable_but_needles()
    }

    /// [`countable`](Self::countable) but for positive needles, which a
    /// block's common words may settle.
    pub(crate) fn countable_but_needles(&self) -> bool {
        self.excluded.is_empty()
            && !self.has_metadata_filter()
            && self.servers.is_empty()
            && self.not_sources.is_empty()
            && self.not_tags.is_empty()
            && self.not_servers.is_empty()
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// A frame "holding" exactly the given gram hashes.
    fn frame(grams: &[u64]) -> impl Fn(u64) -> bool {
        let set: HashSet<u64> = grams.iter().copied().collect();
        move |h| set.contains(&h)
    }

    #[test]
    fn the_gram_that_ruled_a_frame_out_is_probed_first_in_the_next() {
        let needle = Needle::new("quasar-overflow");
        let grams = needle.grams[3].clone();
        assert!(grams.len() > 2, "{grams:?}");
        // A frame holding every gram but the last (in hash order).
        let missing_last = frame(&grams[..grams.len() - 1]);
        let probes = std::cell::Cell::new(0);
        let counted = |h| {
            probes.set(probes.get() + 1);
            missing_last(h)
        };
        assert!(!needle.may_be_in(4, counted));
        assert_eq!(probes.get(), grams.len(), "the first frame probes every gram up to the missing one");
        probes.set(0);
        assert!(!needle.may_be_in(4, counted));
        assert_eq!(probes.get(), 1, "the next frame is settled by the gram that said no");
    }

    #[test]
    fn the_probe_order_never_changes_the_answer() {
        let needle = Needle::new("quasar-overflow");
        let grams = needle.grams[3].clone();
        let all = frame(&grams);
        for missing in 0..grams.len() {
            let mut some = grams.clone();
            some.remove(missing);
            // Whatever gram leads, a frame lacking one is ruled out and a
            // frame holding all is kept.
            assert!(!needle.may_be_in(4, frame(&some)), "missing gram {missing}");
            assert!(needle.may_be_in(4, &all), "after missing gram {missing}");
        }
        // Shorter gram lengths keep their own hint.
        assert!(needle.may_be_in(3, frame(&needle.grams[2])));
        assert!(!needle.may_be_in(1, frame(&[])));
        // A clone carries the hint and answers alike.
        assert!(needle.clone().may_be_in(4, &all));
    }
}
