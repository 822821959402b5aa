//! Prune + scan give exactly `LogFilter::matches`' answers, newest first;
//! counts, histograms, pages and cursors agree with the reference.

use std::collections::BTreeMap;

use orion_core::model::log::{
    HistogramCount, Interval, Level, LogEntry, LogFilter, NewLogEntry, TOTAL_COUNT_CAP,
    contains_case_insensitive,
};
use orion_logstore::{
    BlockScan, EncodeOptions, EncodedBlock, Prune, Query, count_without_scan, decode_filter, decode_frame,
    decode_head, decode_metadata, encode_block, encode_block_with, histogram_without_scan, may_match, prune,
};
use rand::Rng;
use rand::rngs::StdRng;

use crate::arb;
use crate::support::{answer, assert_entries, expected, for_seeds, project};

fn random_options(rng: &mut StdRng) -> EncodeOptions {
    let mut o = EncodeOptions::ingest();
    o.gram_len = rng.random_range(3..=4);
    o.frame_entries = [256, 256, 1, 3, 50][rng.random_range(0..5)];
    // Frames that end on their text's size before their entry count (the
    // final merge tier's 64 KiB), down to a few messages a frame.
    o.frame_bytes = [1 << 20, 64 << 10, 300][rng.random_range(0..3)];
    // Tight budgets fold the Bloom filters hard: still no false negative.
    o.filter_budget = [0.2, 0.2, 0.0, 0.01, 1.0][rng.random_range(0..5)];
    o.gram_bits = [8.0, 1.0, 16.0][rng.random_range(0..3)];
    o.common_words = rng.random_bool(0.5);
    o.minute_counts = rng.random_bool(0.5);
    o
}

fn reference_histogram(matches: &[LogEntry], interval: Interval) -> Vec<HistogramCount> {
    let width = interval.seconds();
    let mut counts: BTreeMap<(i64, Level), u64> = BTreeMap::new();
    for e in matches {
        let start = e.entry.timestamp.timestamp().div_euclid(width) * width;
        *counts.entry((start, e.entry.level)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((s, level), count)| HistogramCount {
            bucket: chrono::DateTime::from_timestamp(s, 0).unwrap(),
            level,
            count,
        })
        .collect()
}

/// Every way of asking one block, against the reference.
fn check(block: &EncodedBlock, entries: &[LogEntry], query: &Query, rng: &mut StdRng) {
    let want = expected(entries, query);
    let got = answer(block, query);
    assert_entries(&got, &want, &(query.filter(), query.cursor()));
    if !want.is_empty() {
        assert!(may_match(&block.summary, query));
    }

    let filter = decode_filter(&block.filter).unwrap();
    let Prune::Scan { frames } = prune(&block.summary, &filter, query).unwrap() else { return };
    let head = decode_head(&block.head).unwrap();
    let metadata = decode_metadata(&block.metadata).unwrap();
    let all: Vec<_> = block.frames.iter().map(|f| decode_frame(f).unwrap()).collect();
    let scan = BlockScan::new(query, &head, Some(&metadata), &all, &frames).unwrap();

    let cap = rng.random_range(0..=want.len() as u64 + 2);
    assert_eq!(scan.count(cap).unwrap(), (want.len() as u64).min(cap));
    assert_eq!(scan.count(TOTAL_COUNT_CAP + 1).unwrap(), (want.len() as u64).min(TOTAL_COUNT_CAP + 1));

    let mut levels = [0u64; 6];
    for e in &want {
        levels[e.entry.level.rank() as usize] += 1;
    }
    assert_eq!(scan.level_counts().unwrap(), levels);

    let interval =
        [Interval::Minute, Interval::FiveMinutes, Interval::Hour, Interval::Day][rng.random_range(0..4)];
    let hist = reference_histogram(&want, interval);
    assert_eq!(scan.histogram(interval).unwrap(), hist);
    if let Some(h) = histogram_without_scan(&block.summary, Some(&filter), query, interval) {
        assert_eq!(h, hist);
    }
    if let Some(n) = count_without_scan(&block.summary, None, query) {
        assert_eq!(n, want.len() as u64);
    }

    let offset = rng.random_range(0..=want.len() + 1);
    let limit = rng.random_range(0..20);
    let page: Vec<LogEntry> = want.iter().skip(offset).take(limit).cloned().collect();
    assert_eq!(scan.page(offset, limit, project()).unwrap(), page);
}

#[test]
fn prune_and_scan_answer_exactly_like_log_filter_matches() {
    for_seeds(10_000, 500, |rng| {
        let n = arb::block_size(rng);
        let entries = arb::entries(rng, n);
        let block = encode_block_with(&entries, &random_options(rng)).unwrap();
        for _ in 0..12 {
            let mut query = Query::new(&arb::filter(rng, &entries));
            if rng.random_bool(0.25) {
                query = query.after(arb::cursor(rng, &entries));
            }
            check(&block, &entries, &query, rng);
        }
    });
}

#[test]
fn a_block_straddling_its_buckets_is_counted_by_its_minutes_exactly() {
    for_seeds(30_000, 200, |rng| {
        // A merged block spread over up to an hour and a half: every
        // interval's buckets cut through it.
        let n = rng.random_range(1..400);
        let start = 1_700_000_000 + rng.random_range(-100_000..100_000);
        let span = rng.random_range(1..5_400);
        let mut entries = arb::entries(rng, n);
        for e in &mut entries {
            let at = chrono::DateTime::from_timestamp(start + rng.random_range(0..span), 0).unwrap();
            e.entry.timestamp = at + chrono::Duration::milliseconds(rng.random_range(0..1_000));
        }
        let block = encode_block_with(&entries, &EncodeOptions::merged()).unwrap();
        let filter = decode_filter(&block.filter).unwrap();
        let spans_minutes = entries
            .iter()
            .map(|e| e.entry.timestamp.timestamp().div_euclid(60))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assert_eq!(filter.minute_counts().is_some(), spans_minutes <= orion_logstore::MAX_MINUTES);
        let levels = arb::filter(rng, &entries).levels;
        let query = Query::new(&LogFilter { levels, ..LogFilter::default() });
        let want = expected(&entries, &query);
        for interval in [Interval::Minute, Interval::FiveMinutes, Interval::Hour, Interval::Day] {
            let counted = histogram_without_scan(&block.summary, Some(&filter), &query, interval);
            if spans_minutes <= orion_logstore::MAX_MINUTES {
                let mut got = counted.expect("counted from the minutes");
                got.sort_by_key(|h| (h.bucket, h.level));
                assert_eq!(got, reference_histogram(&want, interval), "{interval:?}");
            }
        }
    });
}

#[test]
fn needles_taken_from_messages_always_find_them() {
    for_seeds(20_000, 200, |rng| {
        let n = arb::block_size(rng);
        let entries = arb::entries(rng, n);
        let block = encode_block_with(&entries, &random_options(rng)).unwrap();
        for _ in 0..8 {
            let e = &entries[rng.random_range(0..entries.len())];
            let chars: Vec<char> = e.entry.message.chars().collect();
            let a = rng.random_range(0..=chars.len());
            let b = rng.random_range(a..=chars.len());
            let needle: String = chars[a..b].iter().collect();
            let query =
                Query::new(&LogFilter { search: Some(needle.to_uppercase()), ..LogFilter::default() });
            let got = answer(&block, &query);
            if contains_case_insensitive(&e.entry.message, &needle.to_uppercase()) {
                assert!(got.iter().any(|g| g.id == e.id), "needle {needle:?} of {:?}", e.entry.message);
            }
            assert_entries(&got, &expected(&entries, &query), &needle);
        }
    });
}

fn entry(id: i64, message: &str) -> LogEntry {
    LogEntry {
        id,
        entry: NewLogEntry {
            project_id: project(),
            timestamp: chrono::DateTime::from_timestamp(1_700_000_000 + id, 0).unwrap(),
            received_at: chrono::DateTime::from_timestamp(1_700_000_000 + id, 0).unwrap(),
            level: Level::Info,
            message: message.to_owned(),
            metadata: serde_json::Map::new(),
            tags: Vec::new(),
            source: Some(orion_core::model::SourceName::parse("app").unwrap()),
            server_id: None,
        },
    }
}

#[test]
fn unicode_case_folding_follows_to_lowercase() {
    let messages = [
        "Straße gesperrt",
        "STRASSE offen",
        "İstanbul office",
        "istanbul office",
        "\u{212A}elvin scale",
        "kelvin scale",
        "ΣΑΣ ΟΔΟΣ",
        "plain ascii",
    ];
    let entries: Vec<LogEntry> = messages.iter().enumerate().map(|(i, m)| entry(i as i64 + 1, m)).collect();
    let block = encode_block(&entries).unwrap();
    let ids = |needle: &str| -> Vec<i64> {
        let q = Query::new(&LogFilter { search: Some(needle.to_owned()), ..LogFilter::default() });
        let got = answer(&block, &q);
        assert_entries(&got, &expected(&entries, &q), &needle);
        got.iter().map(|e| e.id).collect()
    };
    assert_eq!(ids("STRASSE"), [2]);
    assert_eq!(ids("straße"), [1]);
    assert_eq!(ids("ẞ"), [1]);
    assert_eq!(ids("İstanbul"), [3]);
    assert_eq!(ids("istanbul"), [4]);
    assert_eq!(ids("i̇stanbul"), [3]);
    assert_eq!(ids("KELVIN"), [6, 5]);
    assert_eq!(ids("\u{212A}ELVIN"), [6, 5]);
    assert_eq!(ids("ος"), [7]);
    assert_eq!(ids("σας"), [7]);
    assert_eq!(ids("e"), [6, 5, 4, 3, 2, 1]);
    assert!(ids("scale office").is_empty());
}
