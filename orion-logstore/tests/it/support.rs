//! Running a query over encoded blocks the way the storage layer will,
//! and the reference answer to compare with.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use orion_core::model::ProjectId;
use orion_core::model::log::LogEntry;
use orion_logstore::{
    BlockScan, EncodedBlock, Prune, Query, count_without_scan, decode_filter, decode_frame, decode_head,
    decode_metadata, prune,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The fixed project of generated entries.
pub fn project() -> ProjectId {
    ProjectId(7)
}

/// Runs `case` for `cases` seeds starting at `LOGSTORE_SEED` (default
/// `base`); a failure names the seed that reproduces it.
pub fn for_seeds(base: u64, cases: u64, mut case: impl FnMut(&mut StdRng)) {
    let base = std::env::var("LOGSTORE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(base);
    for seed in base..base + cases {
        let mut rng = StdRng::seed_from_u64(seed);
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| case(&mut rng))) {
            eprintln!("failing seed: {seed} (rerun with LOGSTORE_SEED={seed})");
            resume_unwind(panic);
        }
    }
}

/// Newest first: `timestamp` desc, then `id` desc.
pub fn newest_first(entries: &mut [LogEntry]) {
    entries.sort_by_key(|e| std::cmp::Reverse((e.entry.timestamp, e.id)));
}

/// The reference answer for one block's entries, newest first.
pub fn expected(entries: &[LogEntry], query: &Query) -> Vec<LogEntry> {
    let mut out: Vec<LogEntry> = entries.iter().filter(|e| query.matches(e)).cloned().collect();
    newest_first(&mut out);
    out
}

/// What the crate answers for one block: prune, fetch only the parts the
/// answer needs, scan; newest first. Also checks the summary-only count
/// when it claims to know.
pub fn answer(block: &EncodedBlock, query: &Query) -> Vec<LogEntry> {
    let filter = decode_filter(&block.filter).expect("filter");
    let frames = match prune(&block.summary, &filter, query).expect("prune") {
        Prune::Skip => return Vec::new(),
        Prune::Scan { frames } => frames,
    };
    let head = decode_head(&block.head).expect("head");
    let metadata = decode_metadata(&block.metadata).expect("metadata");
    // Only the candidate frames are decoded for the match decision.
    let candidates: Vec<_> =
        frames.iter().map(|&f| decode_frame(&block.frames[f as usize]).expect("frame")).collect();
    let metadata_arg = query.has_metadata_filter().then_some(&metadata);
    let needle_frames: &[_] = if query.has_needle() { &candidates } else { &[] };
    let scan = BlockScan::new(query, &head, metadata_arg, needle_frames, &frames).expect("scan");
    let positions = scan.positions().expect("positions");
    if let Some(n) = count_without_scan(&block.summary, Some(&filter), query) {
        assert_eq!(n, positions.len() as u64, "count without scan");
    }
    // To rebuild entries every frame holding a match is needed.
    let all: Vec<_> = block.frames.iter().map(|f| decode_frame(f).expect("frame")).collect();
    let full = BlockScan::new(query, &head, Some(&metadata), &all, &frames).expect("scan");
    full.entries(&positions, project()).expect("entries")
}

/// `got == want`, reporting ids and the first differing entry instead of
/// both whole lists.
#[track_caller]
pub fn assert_entries(got: &[LogEntry], want: &[LogEntry], context: &dyn std::fmt::Debug) {
    if got == want {
        return;
    }
    let ids = |v: &[LogEntry]| v.iter().map(|e| e.id).take(30).collect::<Vec<_>>();
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    panic!(
        "{context:?}\n got {} ids {:?}\nwant {} ids {:?}\nfirst difference at {first:?}: got {:?}\nwant {:?}",
        got.len(),
        ids(got),
        want.len(),
        ids(want),
        first.and_then(|i| got.get(i)),
        first.and_then(|i| want.get(i)),
    );
}
