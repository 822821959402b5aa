//! encode → decode is the identity.

use orion_core::model::log::{Level, LogEntry};
use orion_logstore::{EncodeOptions, FLAG_SORTED, decode_block, encode_block, encode_block_with, to_micros};
use rand::Rng;

use crate::arb;
use crate::support::{for_seeds, project};

/// Also compares metadata as JSON text: `Number` equality says
/// `-0.0 == 0.0`, the text does not.
fn assert_same(decoded: &[LogEntry], entries: &[LogEntry]) {
    assert_eq!(decoded, entries);
    for (d, e) in decoded.iter().zip(entries) {
        let (a, b) = (serde_json::to_string(&d.entry.metadata), serde_json::to_string(&e.entry.metadata));
        assert_eq!(a.ok(), b.ok());
    }
}

#[test]
fn encode_then_decode_is_the_identity() {
    for_seeds(1, 1_000, |rng| {
        let n = arb::block_size(rng);
        let entries = arb::entries(rng, n);
        let mut options = EncodeOptions::ingest();
        options.frame_entries = [256, 1, 7, 100][rng.random_range(0..4)];
        options.frame_bytes = [1 << 20, 64 << 10, 300][rng.random_range(0..3)];
        options.gram_len = rng.random_range(3..=4);
        options.zstd_level = [1, 3, -1][rng.random_range(0..3)];
        let block = encode_block_with(&entries, &options).expect("encode");
        let decoded = decode_block(&block.head, &block.metadata, &block.frames, project()).expect("decode");
        assert_same(&decoded, &entries);

        let s = &block.summary;
        assert_eq!(s.count as usize, n);
        assert_eq!(s.min_ts, entries.iter().map(|e| to_micros(e.entry.timestamp)).min().unwrap());
        assert_eq!(s.max_ts, entries.iter().map(|e| to_micros(e.entry.timestamp)).max().unwrap());
        assert_eq!(s.min_id, entries.iter().map(|e| e.id).min().unwrap());
        assert_eq!(s.max_id, entries.iter().map(|e| e.id).max().unwrap());
        for level in Level::ALL {
            let c = entries.iter().filter(|e| e.entry.level == level).count();
            assert_eq!(s.level_counts[level.rank() as usize] as usize, c);
        }
        let first = entries[0].entry.source.clone();
        let uniform = first.is_some() && entries.iter().all(|e| e.entry.source == first);
        assert_eq!(s.source.as_deref(), if uniform { first.as_ref().map(|f| f.as_str()) } else { None });
        assert_eq!(s.frame_count as usize, block.frames.len());
        let sorted =
            entries.windows(2).all(|w| (w[0].entry.timestamp, w[0].id) <= (w[1].entry.timestamp, w[1].id));
        assert_eq!(s.flags & FLAG_SORTED != 0, sorted);
    });
}

#[test]
fn a_five_thousand_entry_block_round_trips() {
    for_seeds(99, 3, |rng| {
        let entries = arb::entries(rng, 5_000);
        let block = encode_block(&entries).expect("encode");
        assert_eq!(block.frames.len(), 20);
        assert_same(&block.decode(project()).expect("decode"), &entries);
    });
}

#[test]
fn sub_microsecond_digits_are_dropped() {
    for_seeds(7, 1, |rng| {
        let mut entries = arb::entries(rng, 3);
        entries[1].entry.timestamp += chrono::TimeDelta::nanoseconds(999);
        let block = encode_block(&entries).expect("encode");
        let decoded = block.decode(project()).expect("decode");
        assert_eq!(to_micros(decoded[1].entry.timestamp), to_micros(entries[1].entry.timestamp));
        assert_eq!(decoded[1].entry.timestamp.timestamp_subsec_nanos() % 1_000, 0);
    });
}

#[test]
fn empty_and_oversized_blocks_are_refused() {
    assert_eq!(encode_block(&[]), Err(orion_logstore::BlockError::Empty));
    for_seeds(3, 1, |rng| {
        let one = arb::entries(rng, 1);
        let many = vec![one[0].clone(); orion_logstore::MAX_BLOCK_ENTRIES + 1];
        assert!(matches!(encode_block(&many), Err(orion_logstore::BlockError::TooManyEntries { .. })));
    });
}
