//! Merging never changes the answer of any query.

use orion_core::model::log::LogEntry;
use orion_logstore::{EncodeOptions, EncodedBlock, FLAG_SORTED, Query, encode_block, merge, merge_with};
use rand::Rng;

use crate::arb;
use crate::support::{answer, assert_entries, expected, for_seeds, newest_first, project};

fn across(blocks: &[EncodedBlock], query: &Query) -> Vec<LogEntry> {
    let mut all: Vec<LogEntry> = blocks.iter().flat_map(|b| answer(b, query)).collect();
    newest_first(&mut all);
    all
}

#[test]
fn merging_never_changes_an_answer() {
    for_seeds(30_000, 100, |rng| {
        let mut inputs = Vec::new();
        let mut next_id = rng.random_range(0..1_000i64);
        for _ in 0..rng.random_range(1..5) {
            let n = rng.random_range(1..300);
            let mut entries = arb::entries(rng, n);
            // Unique ids across blocks.
            for e in &mut entries {
                e.id = next_id;
                next_id += rng.random_range(1..3);
            }
            inputs.push(entries);
        }
        let all: Vec<LogEntry> = inputs.iter().flatten().cloned().collect();
        let before: Vec<EncodedBlock> = inputs.iter().map(|e| encode_block(e).unwrap()).collect();
        let size = [4_096, 1, 50, 333][rng.random_range(0..4)];
        let mut options = EncodeOptions::merged();
        options.zstd_level = 3;
        let after = merge_with(inputs.clone(), size, &options).unwrap();

        let mut merged: Vec<LogEntry> = after.iter().flat_map(|b| b.decode(project()).unwrap()).collect();
        assert!(after.iter().all(|b| b.summary.flags & FLAG_SORTED != 0));
        assert!(
            merged.windows(2).all(|w| (w[0].entry.timestamp, w[0].id) <= (w[1].entry.timestamp, w[1].id))
        );
        let mut sorted_all = all.clone();
        sorted_all.sort_by_key(|e| (e.entry.timestamp, e.id));
        assert_entries(&merged, &sorted_all, &"ids and entries unchanged");
        merged.clear();

        for _ in 0..10 {
            let mut query = Query::new(&arb::filter(rng, &all));
            if rng.random_bool(0.25) {
                query = query.after(arb::cursor(rng, &all));
            }
            let want = expected(&all, &query);
            assert_entries(&across(&before, &query), &want, &("before", query.filter()));
            assert_entries(&across(&after, &query), &want, &("after", query.filter()));
        }
    });
}

#[test]
fn default_merge_makes_sorted_blocks_of_4096() {
    for_seeds(31_000, 1, |rng| {
        let a = arb::entries(rng, 3_000);
        let mut b = arb::entries(rng, 3_000);
        for (i, e) in b.iter_mut().enumerate() {
            e.id = (1 << 50) + i as i64;
        }
        let out = merge(vec![a, b]).unwrap();
        assert_eq!(out.iter().map(|b| b.summary.count).collect::<Vec<_>>(), [4_096, 1_904]);
        assert!(out[0].summary.max_ts <= out[1].summary.min_ts);
    });
}
