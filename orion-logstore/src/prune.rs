//! Deciding per block, from its summary and filter only, whether it can
//! hold a match, which of its frames can, and whether its matches can be
//! counted without reading anything else.

use chrono::{TimeZone, Utc};
use orion_core::model::log::{HistogramCount, Interval, Level};

use crate::error::{BlockError, Part, Result};
use crate::filter::BlockFilter;
use crate::query::Query;
use crate::summary::BlockSummary;

/// What a block needs for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prune {
    /// Nothing in the block can match.
    Skip,
    /// Something may match. For a query with a needle, only entries of
    /// `frames` can (read those frames); otherwise `frames` lists every
    /// frame and none is needed to decide, only to rebuild entries.
    Scan {
        /// Indexes of the frames that may hold a match, ascending.
        frames: Vec<u32>,
    },
}

/// Whether the block may hold a match, judged from the summary alone
/// (time range, cursor, level counts, uniform source, flags): what a SQL
/// query over `log_blocks` can check before fetching any BLOB.
pub fn may_match(summary: &BlockSummary, query: &Query) -> bool {
    if summary.count == 0 {
        return false;
    }
    if query.from_us.is_some_and(|from| summary.max_ts < from)
        || query.to_us.is_some_and(|to| summary.min_ts >= to)
    {
        return false;
    }
    if let Some(a) = query.after {
        // Every entry has (ts, id) >= (min_ts, min_id) componentwise.
        let min_ns = i128::from(summary.min_ts) * 1_000;
        if min_ns > a.ns || (min_ns == a.ns && summary.min_id >= a.cursor.id) {
            return false;
        }
    }
    if level_total(summary, query) == 0 {
        return false;
    }
    if let Some(only) = &summary.source
        && query.sources.iter().any(|wanted| wanted != only)
    {
        return false;
    }
    if !query.tags.is_empty() && !summary.has_tags() {
        return false;
    }
    if query.requires_metadata() && !summary.has_metadata() {
        return false;
    }
    true
}

/// Prunes a block with its summary and filter.
pub fn prune(summary: &BlockSummary, filter: &BlockFilter, query: &Query) -> Result<Prune> {
    if filter.tag != summary.block_tag() {
        return Err(BlockError::Mismatch { part: Part::Filter });
    }
    if !may_match(summary, query) || !filter_may_match(filter, query) {
        return Ok(Prune::Skip);
    }
    // Each positive needle prunes: a frame stays if it may hold all of
    // them. Negated needles never prune (a filter only says "maybe").
    let frames = filter.frames_holding(&query.needles);
    Ok(if frames.is_empty() { Prune::Skip } else { Prune::Scan { frames } })
}

/// Whether the block's common words settle every needle of a query that
/// is otherwise countable: each positive needle is in every message (and
/// there is no negated one), so the block matches as if the query had no
/// needle ([`Query::without_needles`]) and no frame need be read.
pub fn needles_settled(filter: Option<&BlockFilter>, query: &Query) -> bool {
    query.countable_but_needles()
        && !query.needles.is_empty()
        && filter.is_some_and(|f| query.needles.iter().all(|n| f.always_contains(n.finder.needle())))
}

/// Source and server sets, tag dictionary and tag sets, and metadata
/// Bloom. (A query of negated terms alone reads no filter — see
/// [`Query::wants_filter`] — so its tag sets prune only once a positive
/// term has the filter read.)
fn filter_may_match(filter: &BlockFilter, query: &Query) -> bool {
    if query.sources.iter().any(|s| !filter.sources.contains(s))
        || query.servers.iter().any(|s| !filter.servers.contains(s))
    {
        return false;
    }
    if query.tags.iter().any(|t| filter.tag_count(t) == 0)
        || !filter.may_have_tags(&query.tags, &query.not_tags)
    {
        return false;
    }
    query.pairs.iter().all(|(_, _, h)| filter.metadata.may_contain(*h))
}

fn level_total(summary: &BlockSummary, query: &Query) -> u64 {
    (0..6u8).filter(|&r| query.level_passes(r)).map(|r| u64::from(summary.level_counts[usize::from(r)])).sum()
}

/// The matches per level (index = rank) when they follow from the summary
/// (and, if given, the filter) alone: the query has no needle and no
/// metadata filter, no server and no negated source or tag, the block lies wholly inside the time range and on
/// the right side of the cursor, its source is uniform (or not
/// filtered), and every wanted tag is on every entry. `None` when the
/// block must be scanned.
pub fn level_counts_without_scan(
    summary: &BlockSummary,
    filter: Option<&BlockFilter>,
    query: &Query,
) -> Option<[u64; 6]> {
    let none = [0u64; 6];
    if !may_match(summary, query) || filter.is_some_and(|f| !filter_may_match(f, query)) {
        return Some(none);
    }
    if !query.countable() {
        // Positive needles every message surely holds settle nothing
        // away: the count is the block's.
        if !needles_settled(filter, query) {
            return None;
        }
    }
    let inside = query.from_us.is_none_or(|from| summary.min_ts >= from)
        && query.to_us.is_none_or(|to| summary.max_ts < to)
        && query.after.is_none_or(|a| {
            let max_ns = i128::from(summary.max_ts) * 1_000;
            max_ns < a.ns || (max_ns == a.ns && summary.max_id < a.cursor.id)
        });
    let source_ok = query.sources.iter().all(|s| {
        summary.source.as_ref() == Some(s)
            || filter.is_some_and(|f| !f.unsourced && f.sources.len() == 1 && &f.sources[0] == s)
    });
    let tags_ok = query.tags.is_empty()
        || filter.is_some_and(|f| query.tags.iter().all(|t| f.tag_count(t) == summary.count));
    if !(inside && source_ok && tags_ok) {
        return None;
    }
    let mut counts = none;
    for (r, c) in counts.iter_mut().enumerate() {
        if query.level_passes(r as u8) {
            *c = u64::from(summary.level_counts[r]);
        }
    }
    Some(counts)
}

/// The number of matches when it follows from the summary (and filter)
/// alone; see [`level_counts_without_scan`].
pub fn count_without_scan(
    summary: &BlockSummary,
    filter: Option<&BlockFilter>,
    query: &Query,
) -> Option<u64> {
    level_counts_without_scan(summary, filter, query).map(|c| c.iter().sum())
}

/// The histogram of the block's matches when it follows from the summary
/// and filter alone: the counts do (see [`level_counts_without_scan`]) and
/// the whole block falls in one bucket, or its filter counts entries per
/// minute.
pub fn histogram_without_scan(
    summary: &BlockSummary,
    filter: Option<&BlockFilter>,
    query: &Query,
    interval: Interval,
) -> Option<Vec<HistogramCount>> {
    let counts = level_counts_without_scan(summary, filter, query)?;
    let width = interval.seconds();
    let bucket = bucket_start(summary.min_ts, width);
    if counts.iter().all(|&c| c == 0) {
        return Some(Vec::new());
    }
    if bucket != bucket_start(summary.max_ts, width) {
        // Straddling its buckets: the minute counts still tell, since
        // every interval is whole minutes from the epoch and every entry
        // of a passing level matches (what the counts above established).
        let minutes = filter.and_then(BlockFilter::minute_counts)?;
        let mut out: Vec<HistogramCount> = Vec::new();
        for (minute, per_level) in minutes {
            let start = bucket_start(minute.checked_mul(60_000_000)?, width);
            let at = Utc.timestamp_opt(start, 0).single()?;
            for (rank, &n) in per_level.iter().enumerate() {
                if n == 0 || !query.level_passes(rank as u8) {
                    continue;
                }
                let level = Level::ALL[rank];
                match out.iter_mut().find(|h| h.bucket == at && h.level == level) {
                    Some(h) => h.count += u64::from(n),
                    None => out.push(HistogramCount { bucket: at, level, count: u64::from(n) }),
                }
            }
        }
        out.sort_by_key(|h| (h.bucket, h.level));
        return Some(out);
    }
    let at = Utc.timestamp_opt(bucket, 0).single()?;
    Some(
        Level::ALL
            .iter()
            .zip(counts)
            .filter(|(_, c)| *c > 0)
            .map(|(&level, count)| HistogramCount { bucket: at, level, count })
            .collect(),
    )
}

/// The start (seconds since the epoch) of the bucket of `width` seconds
/// holding a timestamp of `ts_us` microseconds; floor division, so
/// instants before 1970 land in the right bucket.
pub fn bucket_start(ts_us: i64, width: i64) -> i64 {
    ts_us.div_euclid(1_000_000).div_euclid(width) * width
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{EncodeOptions, encode_block, encode_block_with};
    use crate::filter::decode_filter;
    use crate::testutil::entry;
    use chrono::DateTime;
    use orion_core::model::log::{LevelFilter, LogCursor, LogFilter};

    fn block() -> crate::EncodedBlock {
        let entries: Vec<_> = (0..600)
            .map(|i| {
                let level = if i % 3 == 0 { Level::Error } else { Level::Info };
                let msg =
                    if i == 444 { "rare zebra-stripes".to_owned() } else { format!("request {i} done") };
                entry(i, &msg, level, &["api"], Some("app"))
            })
            .collect();
        // A generous budget: these tiny, repetitive frames compress to
        // almost nothing.
        let options = EncodeOptions { frame_entries: 100, filter_budget: 4.0, ..EncodeOptions::ingest() };
        encode_block_with(&entries, &options).unwrap()
    }

    fn q(filter: LogFilter) -> Query {
        Query::new(&filter)
    }

    #[test]
    fn time_level_source_tags_prune_on_the_summary() {
        let b = block();
        let at = |s: i64| DateTime::from_timestamp(1_700_000_000 + s, 0);
        assert!(may_match(&b.summary, &q(LogFilter::default())));
        assert!(!may_match(&b.summary, &q(LogFilter { from: at(600), ..LogFilter::default() })));
        assert!(may_match(&b.summary, &q(LogFilter { from: at(599), ..LogFilter::default() })));
        assert!(!may_match(&b.summary, &q(LogFilter { to: at(0), ..LogFilter::default() })));
        let fatal = LogFilter { levels: LevelFilter::AtLeast(Level::Fatal), ..LogFilter::default() };
        assert!(!may_match(&b.summary, &q(fatal)));
        assert!(!may_match(&b.summary, &q(LogFilter { source: Some("db".into()), ..LogFilter::default() })));
        let cursor = LogCursor { timestamp: at(0).unwrap(), id: 0 };
        assert!(!may_match(&b.summary, &q(LogFilter::default()).after(cursor)));
        let cursor = LogCursor { timestamp: at(0).unwrap(), id: 1 };
        assert!(may_match(&b.summary, &q(LogFilter::default()).after(cursor)));
        let filter = decode_filter(&b.filter).unwrap();
        let tagged = q(LogFilter { tags: vec!["web".into()], ..LogFilter::default() });
        assert_eq!(prune(&b.summary, &filter, &tagged).unwrap(), Prune::Skip);
    }

    #[test]
    fn tags_present_apart_but_never_together_skip_the_block() {
        let entries = [
            entry(1, "a", Level::Info, &["checkout"], None),
            entry(2, "b", Level::Info, &["api"], None),
            entry(3, "c", Level::Info, &["api", "web"], None),
        ];
        let b = crate::encode_block(&entries).unwrap();
        let filter = decode_filter(&b.filter).unwrap();
        let filter_of = |q: &str| LogFilter {
            terms: orion_core::model::log::parse_query(q).unwrap(),
            ..LogFilter::default()
        };
        for (q_text, skipped) in [
            ("tag:checkout tag:api", true),
            ("tag:api tag:web", false),
            ("tag:web -tag:api", true),
            ("tag:api -tag:web", false),
            ("-tag:checkout -tag:api", true),
            ("-tag:web", false),
        ] {
            let f = filter_of(q_text);
            let answer = prune(&b.summary, &filter, &q(f.clone())).unwrap();
            assert_eq!(answer == Prune::Skip, skipped, "{q_text}");
            // The filter's answer agrees with the entries themselves.
            assert_eq!(!entries.iter().any(|e| f.matches(&e.entry)), skipped, "{q_text}");
        }
    }

    #[test]
    fn a_rare_needle_keeps_only_its_frame() {
        let b = block();
        let filter = decode_filter(&b.filter).unwrap();
        let needle = |n: &str| {
            prune(&b.summary, &filter, &q(LogFilter { search: Some(n.into()), ..LogFilter::default() }))
        };
        assert_eq!(needle("ZEBRA-stripes").unwrap(), Prune::Scan { frames: vec![4] });
        assert_eq!(needle("zebra-stripes-and-more").unwrap(), Prune::Skip);
        assert_eq!(needle("request").unwrap(), Prune::Scan { frames: (0..6).collect() });
        // Shorter than a gram: every frame.
        assert_eq!(needle("ze").unwrap(), Prune::Scan { frames: (0..6).collect() });
        assert_eq!(needle("").unwrap(), Prune::Scan { frames: (0..6).collect() });
    }

    #[test]
    fn each_positive_needle_prunes_and_negated_terms_never_do() {
        use orion_core::model::log::{Term, TermKind};
        let b = block();
        let filter = decode_filter(&b.filter).unwrap();
        let text = |t: &str| TermKind::Text(t.into());
        let with = |terms: Vec<Term>| {
            let query = q(LogFilter { terms, ..LogFilter::default() });
            (prune(&b.summary, &filter, &query).unwrap(), query.wants_filter())
        };
        let every = Prune::Scan { frames: (0..6).collect() };
        // Only frame 4 holds "zebra"; both needles must be there.
        assert_eq!(
            with(vec![Term::is(text("zebra")), Term::is(text("stripes"))]).0,
            Prune::Scan { frames: vec![4] }
        );
        assert_eq!(with(vec![Term::is(text("zebra")), Term::is(text("no-such-words"))]).0, Prune::Skip);
        // A negation keeps what the positive needles kept, no more, no less.
        assert_eq!(
            with(vec![Term::is(text("zebra")), Term::not(text("request"))]).0,
            Prune::Scan { frames: vec![4] }
        );
        // Alone, a negated term prunes nothing and needs no filter.
        for negated in [text("request"), TermKind::Tag("api".into()), TermKind::Source("app".into())] {
            assert_eq!(with(vec![Term::not(negated.clone())]), (every.clone(), false), "{negated:?}");
        }
        // Positive source, tag and server terms prune like their filters.
        assert_eq!(with(vec![Term::is(TermKind::Tag("web".into()))]).0, Prune::Skip);
        assert_eq!(with(vec![Term::is(TermKind::Server("web-9".into()))]).0, Prune::Skip);
        assert!(!may_match(
            &b.summary,
            &q(LogFilter { terms: vec![Term::is(TermKind::Source("db".into()))], ..LogFilter::default() })
        ));
        // Levels are exact either way: no error entry is not an info one.
        let not_info = vec![Term::not(TermKind::Levels(vec![Level::Info, Level::Error]))];
        assert!(!may_match(&b.summary, &q(LogFilter { terms: not_info, ..LogFilter::default() })));
    }

    #[test]
    fn counts_without_a_scan_only_when_they_follow() {
        let b = block();
        let filter = decode_filter(&b.filter).unwrap();
        let all = q(LogFilter::default());
        assert_eq!(count_without_scan(&b.summary, None, &all), Some(600));
        let errors = q(LogFilter { levels: LevelFilter::OneOf(vec![Level::Error]), ..LogFilter::default() });
        assert_eq!(level_counts_without_scan(&b.summary, None, &errors), Some([0, 0, 0, 0, 200, 0]));
        let source = q(LogFilter { source: Some("app".into()), ..LogFilter::default() });
        assert_eq!(count_without_scan(&b.summary, None, &source), Some(600));
        let tagged = q(LogFilter { tags: vec!["api".into()], ..LogFilter::default() });
        assert_eq!(count_without_scan(&b.summary, None, &tagged), None);
        assert_eq!(count_without_scan(&b.summary, Some(&filter), &tagged), Some(600));
        let partial =
            q(LogFilter { from: DateTime::from_timestamp(1_700_000_100, 0), ..LogFilter::default() });
        assert_eq!(count_without_scan(&b.summary, None, &partial), None);
        let needle = q(LogFilter { search: Some("x".into()), ..LogFilter::default() });
        assert_eq!(count_without_scan(&b.summary, None, &needle), None);
        // The block spans 10 minutes: one hour bucket, several minute buckets.
        assert!(histogram_without_scan(&b.summary, None, &all, Interval::Minute).is_none());
        let hour = histogram_without_scan(&b.summary, None, &all, Interval::Day).unwrap();
        assert_eq!(hour.iter().map(|h| h.count).sum::<u64>(), 600);
    }

    #[test]
    fn filters_of_another_block_are_refused() {
        let b = block();
        let other = encode_block(&[entry(1, "x", Level::Info, &[], None)]).unwrap();
        let filter = decode_filter(&other.filter).unwrap();
        assert!(prune(&b.summary, &filter, &q(LogFilter::default())).is_err());
    }

    #[test]
    fn buckets_floor_before_the_epoch() {
        assert_eq!(bucket_start(-1, 60), -60);
        assert_eq!(bucket_start(59_999_999, 60), 0);
        assert_eq!(bucket_start(60_000_000, 60), 60);
    }
}
