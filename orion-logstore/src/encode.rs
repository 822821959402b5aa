//! Turning entries into a block: summary, filter, head, metadata, frames.

use std::collections::BinaryHeap;

use orion_core::model::log::LogEntry;

use crate::bloom::{Bloom, MAX_K};
use crate::columns::Columns;
use crate::dict::DictBuilder;
use crate::error::{BlockError, Part, Result};
use crate::filter::{BlockFilter, encode_filter, frame_bloom, pair_bloom};
use crate::frame::{encode_frame, join};
use crate::grams::lower_into;
use crate::head::{HeadFlags, encode_head};
use crate::metadata::encode_metadata;
use crate::summary::{BlockSummary, FLAG_HAS_METADATA};
use crate::{MAX_BLOCK_ENTRIES, MAX_FRAME_BYTES};

/// How blocks are encoded. The format records every choice, so blocks
/// written with different options decode and prune alike.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeOptions {
    /// zstd level for every compressed part.
    pub zstd_level: i32,
    /// Entries per message frame (the last frame may hold fewer).
    pub frame_entries: usize,
    /// A frame also ends once its text reaches this many bytes.
    pub frame_bytes: usize,
    /// n-gram length of the message filters: 3 or 4.
    pub gram_len: u8,
    /// Bloom bits set per n-gram (1 to 6, all in one 64-bit word).
    pub gram_hashes: u8,
    /// Target Bloom bits per distinct n-gram of a frame.
    pub gram_bits: f64,
    /// Bloom bits set per metadata pair (1 to 6).
    pub pair_hashes: u8,
    /// Target Bloom bits per distinct metadata pair.
    pub pair_bits: f64,
    /// The filter's Bloom bits may take at most this fraction of the
    /// block's compressed size (head + metadata + frames); larger filters
    /// are folded (halved) until they fit.
    pub filter_budget: f64,
    /// A Bloom filter with more than this share of bits set is dropped
    /// (stored as "no information").
    pub max_fill: f64,
    /// Whether the filter lists the words every message of the block
    /// contains ([`BlockFilter::always_contains`]): costs a pass over the
    /// messages, so merges do it and ingest does not.
    pub common_words: bool,
    /// Whether the filter counts entries per minute and level
    /// ([`BlockFilter::minute_counts`]) when the block spans at most
    /// [`MAX_MINUTES`](crate::filter::MAX_MINUTES) minutes: merges do.
    pub minute_counts: bool,
}

impl EncodeOptions {
    /// Blocks written at ingest: zstd level 1.
    pub fn ingest() -> Self {
        Self {
            zstd_level: 1,
            frame_entries: 256,
            frame_bytes: 1 << 20,
            gram_len: 4,
            gram_hashes: 2,
            gram_bits: 8.0,
            pair_hashes: 3,
            pair_bits: 10.0,
            filter_budget: 0.2,
            max_fill: 0.95,
            common_words: false,
            minute_counts: false,
        }
    }

    /// Blocks written by merges: stronger compression.
    pub fn merged() -> Self {
        Self { zstd_level: 9, common_words: true, minute_counts: true, ..Self::ingest() }
    }
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self::ingest()
    }
}

/// A block ready to be stored: the SQL column values and the BLOBs.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedBlock {
    /// The plain column values.
    pub summary: BlockSummary,
    /// The filter BLOB ([`decode_filter`](crate::decode_filter)).
    pub filter: Vec<u8>,
    /// The head BLOB ([`decode_head`](crate::decode_head)).
    pub head: Vec<u8>,
    /// The metadata BLOB ([`decode_metadata`](crate::decode_metadata)).
    pub metadata: Vec<u8>,
    /// The message frames, by index ([`decode_frame`](crate::decode_frame)).
    pub frames: Vec<Vec<u8>>,
}

impl EncodedBlock {
    /// Bytes of all BLOBs together.
    pub fn stored_bytes(&self) -> usize {
        self.filter.len()
            + self.head.len()
            + self.metadata.len()
            + self.frames.iter().map(Vec::len).sum::<usize>()
    }
}

/// Encodes a block of one project's entries (ids already allocated, in
/// any order of time) with [`EncodeOptions::ingest`].
pub fn encode_block(entries: &[LogEntry]) -> Result<EncodedBlock> {
    encode_block_with(entries, &EncodeOptions::ingest())
}

/// Encodes a block with the given options. Entries keep their order;
/// decoding gives them back in it.
pub fn encode_block_with(entries: &[LogEntry], options: &EncodeOptions) -> Result<EncodedBlock> {
    if entries.is_empty() {
        return Err(BlockError::Empty);
    }
    if entries.len() > MAX_BLOCK_ENTRIES {
        return Err(BlockError::TooManyEntries { count: entries.len(), max: MAX_BLOCK_ENTRIES });
    }
    let gram_len = options.gram_len.clamp(1, 4);
    let columns = Columns::new(entries);
    let mut summary = columns.summary.clone();
    let frame_starts = frame_starts(entries, options)?;
    summary.frame_count = (frame_starts.len() - 1) as u32;
    let tag = summary.block_tag();
    let level = options.zstd_level;

    let (metadata, pairs, has_metadata) = encode_metadata(entries, tag, level)?;
    if has_metadata {
        summary.flags |= FLAG_HAS_METADATA;
    }
    let head = encode_head(
        &columns,
        &frame_starts,
        HeadFlags { sorted: summary.is_sorted(), has_metadata },
        tag,
        level,
    )?;

    let mut frames = Vec::with_capacity(frame_starts.len() - 1);
    let mut blooms = Vec::with_capacity(frame_starts.len() - 1);
    let mut raw = Vec::new();
    let mut scratch = Vec::new();
    let k = options.gram_hashes.clamp(1, MAX_K);
    for (index, w) in frame_starts.windows(2).enumerate() {
        let slice = &entries[w[0] as usize..w[1] as usize];
        let messages = slice.iter().map(|e| e.entry.message.as_str());
        raw.clear();
        join(messages.clone(), &mut raw);
        let frame = encode_frame(&raw, index as u32, w[0], w[1] - w[0], tag, level)?;
        // Build no larger than 4x this frame's share of the byte budget:
        // a smaller array stays in cache, and the budget folds it anyway.
        let share = (frame.len() as f64 * options.filter_budget * 8.0 * 4.0).max(1024.0);
        let max_log2 = Bloom::log2_for(share, 1.0);
        frames.push(frame);
        blooms.push(frame_bloom(
            messages,
            usize::from(gram_len),
            k,
            options.gram_bits,
            max_log2,
            &mut scratch,
        ));
    }
    let mut pair_filter = pair_bloom(pairs, options.pair_hashes.clamp(1, MAX_K), options.pair_bits);

    let data_bytes = head.len() + metadata.len() + frames.iter().map(Vec::len).sum::<usize>();
    fit_budget(&mut blooms, &mut pair_filter, (data_bytes as f64 * options.filter_budget) as usize);
    for b in &mut blooms {
        b.drop_if_saturated(options.max_fill);
    }
    pair_filter.drop_if_saturated(options.max_fill);

    let mut dict = dictionaries(&columns, tag, gram_len, blooms, pair_filter);
    if options.common_words {
        dict.common = common_words(entries);
    }
    if options.minute_counts {
        dict.minutes = minute_counts(entries);
    }
    let filter = encode_filter(&dict);
    Ok(EncodedBlock { summary, filter, head, metadata, frames })
}

/// Folds the largest Bloom filter until all fit in `budget` bytes (or
/// every one is at its minimum size).
fn fit_budget(frames: &mut [Bloom], pairs: &mut Bloom, budget: usize) {
    let mut all: Vec<&mut Bloom> = frames.iter_mut().chain(std::iter::once(pairs)).collect();
    let mut total: usize = all.iter().map(|b| b.stored_len()).sum();
    let mut heap: BinaryHeap<(usize, usize)> =
        all.iter().enumerate().map(|(i, b)| (b.stored_len(), i)).collect();
    while total > budget {
        let Some((_, i)) = heap.pop() else { return };
        let b = &mut all[i];
        if b.log2() <= crate::bloom::MIN_LOG2 {
            // At its minimum (or "no information"): drop it from the heap.
            continue;
        }
        let before = b.stored_len();
        let to = b.log2() - 1;
        b.fold_to(to);
        total = total - before + b.stored_len();
        heap.push((b.stored_len(), i));
    }
}

/// Splits entries into frames of at most `frame_entries` entries and about
/// `frame_bytes` bytes; returns the start of each frame and, last, the
/// entry count.
fn frame_starts(entries: &[LogEntry], options: &EncodeOptions) -> Result<Vec<u32>> {
    let per_frame = options.frame_entries.max(1);
    let mut starts = vec![0u32];
    let (mut in_frame, mut bytes) = (0usize, 0usize);
    for (i, e) in entries.iter().enumerate() {
        let len = e.entry.message.len() + 1;
        if len > MAX_FRAME_BYTES / 2 {
            return Err(BlockError::TooLarge { part: Part::Frame, size: len, cap: MAX_FRAME_BYTES / 2 });
        }
        if in_frame == per_frame
            || (in_frame > 0 && bytes + len > options.frame_bytes.min(MAX_FRAME_BYTES / 2))
        {
            starts.push(i as u32);
            in_frame = 0;
            bytes = 0;
        }
        in_frame += 1;
        bytes += len;
    }
    starts.push(entries.len() as u32);
    Ok(starts)
}

/// The filter's dictionaries: tags with counts, sources, server ids.
fn dictionaries(c: &Columns<'_>, tag: u32, gram_len: u8, frames: Vec<Bloom>, metadata: Bloom) -> BlockFilter {
    let owned = |d: &DictBuilder<'_>| d.strings().iter().map(|s| (*s).to_owned()).collect();
    let tags = c.tags.strings().iter().zip(c.tag_counts()).map(|(t, n)| ((*t).to_owned(), n)).collect();
    BlockFilter {
        tag,
        count: c.ids.len() as u32,
        gram_len,
        frames,
        metadata,
        tags,
        unsourced: c.has_unsourced(),
        sources: owned(&c.sources),
        no_server: c.has_no_server(),
        servers: owned(&c.servers),
        common: Vec::new(),
        minutes: Vec::new(),
        tag_sets: tag_sets(c),
    }
}

/// The distinct tag sets of the entries (sorted, deduplicated indexes),
/// when there are two tags or more to combine and at most
/// [`MAX_TAG_SETS`](crate::filter::MAX_TAG_SETS) sets; empty otherwise.
fn tag_sets(c: &Columns<'_>) -> Vec<Vec<u32>> {
    if c.tags.strings().len() < 2 {
        return Vec::new();
    }
    let mut sets: Vec<Vec<u32>> = c
        .tag_lists
        .iter()
        .map(|list| {
            let mut set = list.clone();
            set.sort_unstable();
            set.dedup();
            set
        })
        .collect();
    sets.sort_unstable();
    sets.dedup();
    if sets.len() > crate::filter::MAX_TAG_SETS { Vec::new() } else { sets }
}

/// Words the filter lists at most.
const MAX_COMMON_WORDS: usize = 16;

/// The words (alphanumeric runs of 3 or more bytes, lower-cased as the
/// matcher lower-cases) that every message of `entries` contains as a
/// substring of its lower-cased text, longest first. A needle inside one
/// of them is then in every message: counts need no scan.
/// Entries per minute since the epoch and level, ascending; empty past
/// [`MAX_MINUTES`](crate::filter::MAX_MINUTES) distinct minutes.
fn minute_counts(entries: &[LogEntry]) -> Vec<(i64, [u32; 6])> {
    let mut minutes: std::collections::BTreeMap<i64, [u32; 6]> = std::collections::BTreeMap::new();
    for e in entries {
        let minute = crate::time::to_micros(e.entry.timestamp).div_euclid(60_000_000);
        minutes.entry(minute).or_default()[e.entry.level.rank() as usize] += 1;
        if minutes.len() > crate::filter::MAX_MINUTES {
            return Vec::new();
        }
    }
    minutes.into_iter().collect()
}

pub(crate) fn common_words(entries: &[LogEntry]) -> Vec<String> {
    let Some(first) = entries.first() else { return Vec::new() };
    let lower = first.entry.message.to_lowercase();
    let mut words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3).collect();
    words.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    words.dedup();
    let mut kept: Vec<memchr::memmem::Finder<'_>> =
        words.iter().take(4 * MAX_COMMON_WORDS).map(|w| memchr::memmem::Finder::new(w.as_bytes())).collect();
    let mut text = Vec::new();
    for e in &entries[1..] {
        if kept.is_empty() {
            break;
        }
        // Exactly `str::to_lowercase`, as the matcher folds (a final
        // sigma depends on its neighbours), into one reused buffer.
        text.clear();
        lower_into(&mut text, &e.entry.message);
        kept.retain(|f| f.find(&text).is_some());
    }
    kept.iter().take(MAX_COMMON_WORDS).map(|f| String::from_utf8_lossy(f.needle()).into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::entry;
    use orion_core::model::log::Level;

    #[test]
    fn common_words_are_in_every_message_as_the_matcher_folds_them() {
        let block: Vec<LogEntry> = [
            "GET /a Request done in 3ms ΟΔΟΣ",
            "request FAILED: timeout, retry",
            "POST /b request done STRASSE ΟΔΟΣ",
        ]
        .iter()
        .enumerate()
        .map(|(i, m)| entry(i as i64 + 1, m, Level::Info, &[], None))
        .collect();
        let words = common_words(&block);
        assert_eq!(words, vec!["request".to_owned()]);
        for w in &words {
            for e in &block {
                assert!(orion_core::model::log::contains_case_insensitive(&e.entry.message, w));
            }
        }
        // Only merges list them; the filter answers "surely" for needles
        // inside a listed word, "unknown" otherwise.
        let ingest = encode_block(&block).unwrap();
        assert!(crate::decode_filter(&ingest.filter).unwrap().common.is_empty());
        let merged = encode_block_with(&block, &EncodeOptions::merged()).unwrap();
        let filter = crate::decode_filter(&merged.filter).unwrap();
        assert!(filter.always_contains(b"request") && filter.always_contains(b"ques"));
        assert!(
            !filter.always_contains(b"done")
                && !filter.always_contains(b"")
                && !filter.always_contains(b"REQUEST")
        );
    }

    #[test]
    fn a_needle_every_message_holds_is_counted_from_the_summary() {
        use crate::{Query, count_without_scan, needles_settled};
        use orion_core::model::log::LogFilter;
        let block: Vec<LogEntry> = (1..=300)
            .map(|i| entry(i, &format!("req {i} Request completed"), Level::ALL[i as usize % 6], &[], None))
            .collect();
        let merged = encode_block_with(&block, &EncodeOptions::merged()).unwrap();
        let filter = crate::decode_filter(&merged.filter).unwrap();
        let query = |search: &str, levels: Option<Level>| {
            let mut f = LogFilter { search: Some(search.to_owned()), ..LogFilter::default() };
            if let Some(l) = levels {
                f.levels = orion_core::model::log::LevelFilter::OneOf(vec![l]);
            }
            Query::new(&f)
        };
        let expected = |pred: &dyn Fn(&LogEntry) -> bool| block.iter().filter(|e| pred(e)).count() as u64;
        let q = query("REQUEST", None);
        assert!(needles_settled(Some(&filter), &q));
        assert_eq!(count_without_scan(&merged.summary, Some(&filter), &q), Some(300));
        let q = query("complete", Some(Level::Error));
        assert_eq!(
            count_without_scan(&merged.summary, Some(&filter), &q),
            Some(expected(&|e| e.entry.level == Level::Error))
        );
        // "req 1" is not in every message: the block must be scanned.
        let q = query("req 1", None);
        assert!(!needles_settled(Some(&filter), &q));
        assert_eq!(count_without_scan(&merged.summary, Some(&filter), &q), None);
    }

    #[test]
    fn frames_split_by_entries_and_bytes() {
        let entries: Vec<_> = (0..10).map(|i| entry(i, &"x".repeat(100), Level::Info, &[], None)).collect();
        let by_count = EncodeOptions { frame_entries: 4, ..EncodeOptions::ingest() };
        assert_eq!(frame_starts(&entries, &by_count).unwrap(), [0, 4, 8, 10]);
        let by_bytes = EncodeOptions { frame_bytes: 250, ..EncodeOptions::ingest() };
        assert_eq!(frame_starts(&entries, &by_bytes).unwrap(), [0, 2, 4, 6, 8, 10]);
    }

    #[test]
    fn the_budget_folds_the_largest_filters_first() {
        let mut frames = vec![Bloom::new(12, 2), Bloom::new(10, 2)];
        let mut pairs = Bloom::new(8, 2);
        fit_budget(&mut frames, &mut pairs, 300);
        let sizes: Vec<usize> = frames.iter().chain([&pairs]).map(Bloom::stored_len).collect();
        assert!(sizes.iter().sum::<usize>() <= 300, "{sizes:?}");
        assert_eq!(pairs.log2(), 8);
        // An impossible budget stops at the minimum size.
        fit_budget(&mut frames, &mut pairs, 0);
        assert!(frames.iter().chain([&pairs]).all(|b| b.log2() == crate::bloom::MIN_LOG2));
    }

    #[test]
    fn summary_flags_follow_the_entries() {
        let mut e = entry(1, "a", Level::Info, &["t"], Some("s"));
        e.entry.metadata.insert("k".into(), serde_json::Value::from(1));
        let block = encode_block(&[e, entry(2, "b", Level::Warn, &[], Some("s"))]).unwrap();
        let s = &block.summary;
        assert!(s.is_sorted() && s.has_metadata() && s.has_tags());
        assert_eq!(s.source.as_deref(), Some("s"));
        assert_eq!(s.frame_count, 1);
        assert_eq!(
            block.stored_bytes(),
            block.filter.len() + block.head.len() + block.metadata.len() + block.frames[0].len()
        );
    }
}
