//! The filter BLOB: what a query needs to skip a block, or most of its
//! frames, without decompressing anything. Never a false negative.
//!
//! Body (not compressed: Bloom bits do not compress):
//!
//! ```text
//! varint count · u8 gram length n
//! varint frames · frames × bloom(n-grams of the frame's lower-cased messages)
//! bloom(metadata key=value pairs)
//! varint tags · tags × (string · varint entries carrying it)
//! u8 some entry has no source · strings(sources)
//! u8 some entry has no server id · strings(server ids)
//! [strings(words every message contains)    (merged blocks; absent = none)
//!  [varint minutes · minutes × (ivarint minute since the last, or since
//!   the epoch for the first · 6 × varint entries of that level)
//!                                          (merged blocks spanning at most
//!                                           MAX_MINUTES minutes; 0 or absent = none)
//!   [varint sets · sets × (varint len · len × varint tag index)]]]
//!                                          (the distinct tag sets of the entries,
//!                                           at most MAX_TAG_SETS; absent = unknown)
//! ```
//!
//! The tag sets let a query for several tags (or a tag without another)
//! skip a block where each tag is present but no entry carries the
//! combination, without decoding its head. They were added after the
//! first blocks were written: a filter without them is read as before.
//!
//! The minute counts let a histogram count a block that straddles its
//! buckets without decoding its head: every interval is a whole number of
//! minutes from the epoch.
//!
//! `bloom(..)` is a [blocked, foldable Bloom filter](crate::bloom); the
//! n-gram and pair hashes are described in [`grams`](crate::grams).

use crate::MAX_BLOCK_ENTRIES;
use crate::bloom::{self, Bloom, estimate_items, insert_into};
use crate::dict::{read_strings, write_strings};
use crate::envelope::{begin, open, seal};
use crate::error::{Part, Result};
use crate::grams::{for_each_gram_padded, lower_into, pair_hash};
use crate::query::Needle;
use crate::wire::{Reader, put_ivarint, put_len, put_str};

/// The decoded filter of a block.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockFilter {
    pub(crate) tag: u32,
    pub(crate) count: u32,
    pub(crate) gram_len: u8,
    pub(crate) frames: Vec<Bloom>,
    pub(crate) metadata: Bloom,
    pub(crate) tags: Vec<(String, u32)>,
    pub(crate) unsourced: bool,
    pub(crate) sources: Vec<String>,
    pub(crate) no_server: bool,
    pub(crate) servers: Vec<String>,
    /// Lower-cased words every message contains (merged blocks only).
    pub(crate) common: Vec<String>,
    /// Entries per minute since the epoch and level, ascending by minute
    /// (merged blocks spanning at most [`MAX_MINUTES`]; empty = unknown).
    pub(crate) minutes: Vec<(i64, [u32; 6])>,
    /// The distinct sets of tags the entries carry, as sorted indexes into
    /// `tags` (empty = unknown: an older filter, or more than
    /// [`MAX_TAG_SETS`]).
    pub(crate) tag_sets: Vec<Vec<u32>>,
}

/// Frame filters whose first probes are issued together (see
/// [`BlockFilter::frames_holding`]).
const PROBE_BATCH: usize = 16;

/// Most distinct tag sets a filter lists (past that, a block's tags are
/// too varied for the sets to prune much, and they would cost bytes).
pub const MAX_TAG_SETS: usize = 64;

/// Most distinct minutes a block's filter counts entries by (more would
/// cost bytes for blocks spread over hours, which histograms scan anyway).
pub const MAX_MINUTES: usize = 64;

impl BlockFilter {
    /// The block tag.
    pub fn block_tag(&self) -> u32 {
        self.tag
    }

    /// Entries in the block.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The n-gram length of its message filters (3 or 4).
    pub fn gram_len(&self) -> usize {
        usize::from(self.gram_len)
    }

    /// How many frames it describes.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    /// Every distinct tag with the number of entries carrying it.
    pub fn tags(&self) -> &[(String, u32)] {
        &self.tags
    }

    /// How many entries carry `tag`.
    pub fn tag_count(&self, tag: &str) -> u32 {
        self.tags.iter().find(|(t, _)| t == tag).map_or(0, |(_, c)| *c)
    }

    /// The distinct sources present.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Whether some entry has no source.
    pub fn has_unsourced(&self) -> bool {
        self.unsourced
    }

    /// The distinct server ids present.
    pub fn server_ids(&self) -> &[String] {
        &self.servers
    }

    /// Whether some entry has no server id.
    pub fn has_no_server(&self) -> bool {
        self.no_server
    }

    /// Whether every message of the block surely contains `lower` (a
    /// lower-cased needle): it lies inside a word every message contains.
    /// `false` means "unknown", never "no".
    pub fn always_contains(&self, lower: &[u8]) -> bool {
        !lower.is_empty() && self.common.iter().any(|w| memchr::memmem::find(w.as_bytes(), lower).is_some())
    }

    /// Entries per minute (since the epoch) and level, ascending by minute,
    /// if the block records them.
    pub fn minute_counts(&self) -> Option<&[(i64, [u32; 6])]> {
        (!self.minutes.is_empty()).then_some(self.minutes.as_slice())
    }

    /// Whether some entry may carry every tag of `all` and none of `none`:
    /// `false` only when the filter lists its tag sets and none of them
    /// does. A tag absent from the block fails `all` and passes `none`.
    pub fn may_have_tags(&self, all: &[String], none: &[String]) -> bool {
        if self.tag_sets.is_empty() || (all.is_empty() && none.is_empty()) {
            return true;
        }
        let index = |t: &String| self.tags.iter().position(|(n, _)| n == t).map(|i| i as u32);
        let Some(wanted) = all.iter().map(index).collect::<Option<Vec<u32>>>() else { return false };
        let excluded: Vec<u32> = none.iter().filter_map(index).collect();
        self.tag_sets.iter().any(|set| {
            wanted.iter().all(|t| set.binary_search(t).is_ok())
                && !excluded.iter().any(|t| set.binary_search(t).is_ok())
        })
    }

    /// Whether some entry may have `metadata[key]` equal to `value` (as
    /// `metadata_equals` compares).
    pub fn may_have_pair(&self, key: &str, value: &str) -> bool {
        self.metadata.may_contain(pair_hash(key, value, &mut Vec::new()))
    }

    /// The frames that may hold a message containing every one of
    /// `needles`, ascending (all of them when there is none).
    ///
    /// A large block has hundreds of frame filters, and the first probe
    /// of each is a cache miss. Probed one frame after another, each miss
    /// waited for the one before; here the first needle's lead gram is
    /// looked up in [`PROBE_BATCH`] filters before any answer is used, so
    /// those loads are independent and their misses overlap. The frames
    /// that pass go on to the remaining grams and needles.
    pub(crate) fn frames_holding(&self, needles: &[Needle]) -> Vec<u32> {
        let all = || (0..self.frames.len() as u32).collect();
        let n = usize::from(self.gram_len);
        // Needles shorter than a gram pass every filter: the first with a
        // gram leads.
        let Some((k, lead, h)) =
            needles.iter().enumerate().find_map(|(k, d)| d.lead_gram(n).map(|(i, h)| (k, i, h)))
        else {
            return all();
        };
        let first = &needles[k];
        let rest = || needles.iter().enumerate().filter(move |&(j, _)| j != k).map(|(_, d)| d);
        let mut out = Vec::new();
        for (c, chunk) in self.frames.chunks(PROBE_BATCH).enumerate() {
            let mut passed = [false; PROBE_BATCH];
            for (p, bloom) in passed.iter_mut().zip(chunk) {
                *p = bloom.may_contain(h);
            }
            for (i, bloom) in chunk.iter().enumerate() {
                let holds = passed[i]
                    && first.may_be_in_past(n, lead, |g| bloom.may_contain(g))
                    && rest().all(|d| d.may_be_in(n, |g| bloom.may_contain(g)));
                if holds {
                    out.push((c * PROBE_BATCH + i) as u32);
                }
            }
        }
        out
    }

    /// Bytes of Bloom bits for messages (all frames).
    pub fn message_filter_bytes(&self) -> usize {
        self.frames.iter().map(Bloom::stored_len).sum()
    }

    /// Bytes of Bloom bits for metadata pairs.
    pub fn metadata_filter_bytes(&self) -> usize {
        self.metadata.stored_len()
    }
}

/// Builds the gram filter of one frame from its messages: built at up to
/// `2^max_log2` bits in `scratch`, then folded to `bits_per_item` bits per
/// distinct gram (estimated from the fill).
pub(crate) fn frame_bloom<'a>(
    messages: impl Iterator<Item = &'a str> + Clone,
    n: usize,
    k: u8,
    bits_per_item: f64,
    max_log2: u8,
    scratch: &mut Vec<u64>,
) -> Bloom {
    let total: usize = messages.clone().map(|m| m.len().saturating_sub(n - 1)).sum();
    let build = Bloom::log2_for(total as f64, bits_per_item).min(max_log2.max(bloom::MIN_LOG2));
    scratch.clear();
    scratch.resize(1 << (build - 6), 0);
    // Hash every gram first, then set bits: two tight loops run faster
    // than one that alternates hashing and read-modify-write.
    let mut lowered: Vec<u8> = Vec::new();
    let mut hashes: Vec<u64> = Vec::with_capacity(total);
    for m in messages {
        lowered.clear();
        lower_into(&mut lowered, m);
        let len = lowered.len();
        lowered.extend_from_slice(&[0; 3]);
        for_each_gram_padded(&lowered, len, n, |h| hashes.push(h));
    }
    for &h in &hashes {
        insert_into(scratch, k, h);
    }
    let distinct = estimate_items(scratch, k);
    Bloom::from_scratch(scratch, k, Bloom::log2_for(distinct, bits_per_item))
}

/// Builds the metadata pair filter from the pairs' hashes.
pub(crate) fn pair_bloom(mut pairs: Vec<u64>, k: u8, bits_per_item: f64) -> Bloom {
    pairs.sort_unstable();
    pairs.dedup();
    let mut bloom = Bloom::new(Bloom::log2_for(pairs.len() as f64, bits_per_item), k);
    for h in pairs {
        bloom.insert(h);
    }
    bloom
}

/// Writes the filter BLOB.
pub(crate) fn encode_filter(f: &BlockFilter) -> Vec<u8> {
    let blooms: usize = f.frames.iter().map(Bloom::stored_len).sum::<usize>() + f.metadata.stored_len();
    let mut out = begin(Part::Filter, f.tag, blooms + 64);
    put_len(&mut out, f.count as usize);
    out.push(f.gram_len);
    put_len(&mut out, f.frames.len());
    for b in &f.frames {
        b.write(&mut out);
    }
    f.metadata.write(&mut out);
    put_len(&mut out, f.tags.len());
    for (t, c) in &f.tags {
        put_str(&mut out, t);
        put_len(&mut out, *c as usize);
    }
    out.push(u8::from(f.unsourced));
    write_strings(&mut out, f.sources.iter().map(String::as_str));
    out.push(u8::from(f.no_server));
    write_strings(&mut out, f.servers.iter().map(String::as_str));
    let sets = !f.tag_sets.is_empty();
    if sets || !f.common.is_empty() || !f.minutes.is_empty() {
        write_strings(&mut out, f.common.iter().map(String::as_str));
    }
    if sets || !f.minutes.is_empty() {
        put_len(&mut out, f.minutes.len());
        let mut last = 0;
        for (minute, counts) in &f.minutes {
            put_ivarint(&mut out, minute - last);
            last = *minute;
            for &c in counts {
                put_len(&mut out, c as usize);
            }
        }
    }
    if sets {
        put_len(&mut out, f.tag_sets.len());
        for set in &f.tag_sets {
            put_len(&mut out, set.len());
            for &t in set {
                put_len(&mut out, t as usize);
            }
        }
    }
    seal(out)
}

/// Decodes a filter BLOB.
pub fn decode_filter(bytes: &[u8]) -> Result<BlockFilter> {
    let (tag, body) = open(bytes, Part::Filter)?;
    let mut r = Reader::new(body, Part::Filter);
    let count = r.len(MAX_BLOCK_ENTRIES)?;
    if count == 0 {
        return Err(r.err("no entries"));
    }
    let gram_len = r.u8()?;
    if !(1..=4).contains(&gram_len) {
        return Err(r.err("n-gram length out of range"));
    }
    let nframes = r.len(count)?;
    if nframes == 0 {
        return Err(r.err("no frames"));
    }
    let mut frames = Vec::with_capacity(nframes);
    for _ in 0..nframes {
        frames.push(Bloom::read(&mut r)?);
    }
    let metadata = Bloom::read(&mut r)?;
    let ntags = r.len(r.remaining())?;
    let mut tags = Vec::with_capacity(ntags);
    for _ in 0..ntags {
        let t = r.str()?.to_owned();
        let c = r.len(count)? as u32;
        tags.push((t, c));
    }
    let unsourced = flag(&mut r)?;
    let sources = read_strings(&mut r)?;
    let no_server = flag(&mut r)?;
    let servers = read_strings(&mut r)?;
    let common = if r.remaining() > 0 { read_strings(&mut r)? } else { Vec::new() };
    let minutes = if r.remaining() > 0 { read_minutes(&mut r, count)? } else { Vec::new() };
    let tag_sets = if r.remaining() > 0 { read_tag_sets(&mut r, ntags)? } else { Vec::new() };
    r.finish()?;
    Ok(BlockFilter {
        tag,
        count: count as u32,
        gram_len,
        frames,
        metadata,
        tags,
        unsourced,
        sources,
        no_server,
        servers,
        common,
        minutes,
        tag_sets,
    })
}

/// The tag sets: each strictly ascending indexes of the tag dictionary.
fn read_tag_sets(r: &mut Reader<'_>, ntags: usize) -> Result<Vec<Vec<u32>>> {
    let n = r.len(MAX_TAG_SETS)?;
    let mut sets = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.len(ntags)?;
        let mut set = Vec::with_capacity(len);
        for _ in 0..len {
            let t = r.len(ntags.saturating_sub(1))? as u32;
            if set.last().is_some_and(|&last| t <= last) {
                return Err(r.err("tag set not ascending"));
            }
            set.push(t);
        }
        sets.push(set);
    }
    Ok(sets)
}

/// The minute counts: ascending, non-empty, adding up to the block's count.
fn read_minutes(r: &mut Reader<'_>, count: usize) -> Result<Vec<(i64, [u32; 6])>> {
    // Zero minutes: none recorded (written when tag sets follow).
    let n = r.len(MAX_MINUTES)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let (mut minutes, mut last, mut total) = (Vec::with_capacity(n), 0i64, 0usize);
    for i in 0..n {
        let minute = last.checked_add(r.ivarint()?).ok_or_else(|| r.err("minute out of range"))?;
        if i > 0 && minute <= last {
            return Err(r.err("minutes not ascending"));
        }
        let mut counts = [0u32; 6];
        for c in &mut counts {
            let v = r.len(count)?;
            total += v;
            *c = v as u32;
        }
        minutes.push((minute, counts));
        last = minute;
    }
    if total != count {
        return Err(r.err("minute counts do not add up to the entry count"));
    }
    Ok(minutes)
}

fn flag(r: &mut Reader<'_>) -> Result<bool> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(r.err("flag byte out of range")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::encode_block;
    use crate::grams::gram_hashes;
    use crate::testutil::{entry, with_metadata};
    use orion_core::model::log::Level;
    use serde_json::json;

    #[test]
    fn dictionaries_and_pairs() {
        let entries = [
            with_metadata(
                entry(1, "Disk FULL on /var", Level::Error, &["ops", "ops"], Some("app")),
                json!({"region": "eu-1", "code": 507, "ok": false, "nested": {"a": 1}}),
            ),
            entry(2, "all good", Level::Info, &["web"], None),
        ];
        let f = decode_filter(&encode_block(&entries).unwrap().filter).unwrap();
        assert_eq!((f.count(), f.gram_len(), f.frame_count()), (2, 4, 1));
        assert_eq!(f.tags(), [("ops".to_owned(), 1), ("web".to_owned(), 1)]);
        assert_eq!(f.tag_count("nope"), 0);
        assert_eq!(f.sources(), ["app"]);
        assert!(f.has_unsourced() && f.has_no_server());
        assert!(f.server_ids().is_empty());
        for (k, v) in [("region", "eu-1"), ("code", "507"), ("ok", "false")] {
            assert!(f.may_have_pair(k, v), "{k}={v}");
        }
        // Objects never equal anything, so they are not in the filter.
        assert!(!f.may_have_pair("region", "eu-2") || !f.may_have_pair("nested", "{\"a\":1}"));
        assert_eq!(f.frames_holding(&[crate::query::Needle::new("FULL on")]), [0]);
        assert!(f.message_filter_bytes() > 0 && f.metadata_filter_bytes() > 0);
    }

    /// Probing frames in batches answers exactly what probing each frame
    /// alone would, past a batch's end, whichever needle has the grams,
    /// and finds every frame that holds the needles.
    #[test]
    fn frames_holding_agrees_with_probing_each_frame_alone() {
        use crate::query::Needle;
        // 40 frames of one entry: two batches and a part.
        let entries: Vec<_> = (0..40)
            .map(|i| entry(i, &format!("frame {i} word{} shared", i % 7), Level::Info, &[], None))
            .collect();
        let options = crate::EncodeOptions { frame_entries: 1, ..crate::EncodeOptions::default() };
        let f = decode_filter(&crate::encode_block_with(&entries, &options).unwrap().filter).unwrap();
        assert_eq!(f.frame_count(), 40);
        let n = f.gram_len();
        let alone = |needles: &[Needle]| -> Vec<u32> {
            (0..40u32)
                .filter(|&i| {
                    let b = &f.frames[i as usize];
                    needles.iter().all(|d| d.may_be_in(n, |h| b.may_contain(h)))
                })
                .collect()
        };
        let cases: [&[&str]; 5] =
            [&["word3"], &["ab", "word5"], &["shared", "word1"], &["zzzz-none"], &["ab"]];
        for texts in cases {
            let needles: Vec<Needle> = texts.iter().map(|t| Needle::new(t)).collect();
            let got = f.frames_holding(&needles);
            assert_eq!(got, alone(&needles), "{texts:?}");
            let holding = entries.iter().enumerate().filter(|(_, e)| {
                texts.iter().all(|t| e.entry.message.to_lowercase().contains(&t.to_lowercase()))
            });
            for (i, _) in holding {
                assert!(got.contains(&(i as u32)), "{texts:?} misses frame {i}");
            }
        }
        assert!(f.frames_holding(&[Needle::new("word3")]).len() < 40);
        assert_eq!(f.frames_holding(&[]), (0..40).collect::<Vec<u32>>());
    }

    #[test]
    fn frame_blooms_hold_every_gram_of_every_lowered_message() {
        let messages = ["Straße İstanbul", "\u{212A}elvin", "plain"];
        let mut scratch = Vec::new();
        let bloom = frame_bloom(messages.iter().copied(), 3, 2, 8.0, 12, &mut scratch);
        for m in messages {
            for h in gram_hashes(m.to_lowercase().as_bytes(), 3) {
                assert!(bloom.may_contain(h), "{m}");
            }
        }
    }

    #[test]
    fn damaged_fields_are_errors() {
        let entries = [entry(1, "x", Level::Info, &[], None)];
        let good = encode_block(&entries).unwrap().filter;
        assert!(decode_filter(&good).is_ok());
        assert!(decode_filter(&good[..good.len() - 1]).is_err());
    }

    #[test]
    fn minute_counts_round_trip_and_bad_ones_are_refused() {
        let mut entries: Vec<_> =
            (0..10).map(|i| entry(i, "request served", Level::Info, &[], None)).collect();
        for (i, e) in entries.iter_mut().enumerate() {
            e.entry.timestamp = chrono::DateTime::from_timestamp(1_700_000_000 + 40 * i as i64, 0).unwrap();
        }
        let options = crate::encode::EncodeOptions::merged();
        let block = crate::encode::encode_block_with(&entries, &options).unwrap();
        let filter = decode_filter(&block.filter).unwrap();
        let minutes = filter.minute_counts().expect("a merged block counts its minutes").to_vec();
        assert_eq!(minutes.iter().map(|(_, c)| c.iter().sum::<u32>()).sum::<u32>(), 10);
        assert!(minutes.windows(2).all(|w| w[0].0 < w[1].0));

        // Re-sealed with a valid checksum, so only the section's own checks
        // can refuse them.
        let refused = |minutes: Vec<(i64, [u32; 6])>| {
            let bytes = encode_filter(&BlockFilter { minutes, ..filter.clone() });
            decode_filter(&bytes).unwrap_err().to_string()
        };
        let mut short = minutes.clone();
        short[0].1[Level::Info.rank() as usize] -= 1;
        assert!(refused(short).contains("do not add up"));
        let mut unordered = minutes.clone();
        unordered.swap(0, 1);
        assert!(refused(unordered).contains("not ascending"));
        let too_many: Vec<_> = (0..=MAX_MINUTES as i64).map(|m| (m, [0u32; 6])).collect();
        assert!(!refused(too_many).is_empty());
    }

    #[test]
    fn tag_sets_say_which_combinations_some_entry_carries() {
        let entries = [
            entry(1, "a", Level::Info, &["checkout", "web"], None),
            entry(2, "b", Level::Info, &["api"], None),
            entry(3, "c", Level::Info, &["web", "checkout", "web"], None),
            entry(4, "d", Level::Info, &[], None),
        ];
        let filter = decode_filter(&encode_block(&entries).unwrap().filter).unwrap();
        let names = |f: &BlockFilter, set: &[u32]| -> Vec<String> {
            set.iter().map(|&t| f.tags[t as usize].0.clone()).collect()
        };
        let mut sets: Vec<Vec<String>> = filter.tag_sets.iter().map(|s| names(&filter, s)).collect();
        for s in &mut sets {
            s.sort();
        }
        sets.sort();
        assert_eq!(sets, [vec![], vec!["api".to_owned()], vec!["checkout".to_owned(), "web".to_owned()]]);

        let tags = |v: &[&str]| v.iter().map(|t| (*t).to_owned()).collect::<Vec<String>>();
        let may = |all: &[&str], none: &[&str]| filter.may_have_tags(&tags(all), &tags(none));
        assert!(may(&["checkout", "web"], &[]));
        assert!(!may(&["checkout", "api"], &[]), "no entry carries both");
        assert!(!may(&["checkout", "missing"], &[]));
        assert!(may(&["web"], &["api"]));
        assert!(!may(&["checkout"], &["web"]), "checkout always comes with web");
        assert!(may(&[], &["checkout", "api"]), "the untagged entry");
        assert!(may(&[], &["absent"]));

        // A filter without the section (as written before it existed)
        // knows nothing: every combination may be there.
        let older =
            decode_filter(&encode_filter(&BlockFilter { tag_sets: Vec::new(), ..filter.clone() })).unwrap();
        assert!(older.tag_sets.is_empty() && older.may_have_tags(&tags(&["checkout", "api"]), &[]));

        // Damaged sets are refused, not misread.
        let refused = |tag_sets: Vec<Vec<u32>>| {
            decode_filter(&encode_filter(&BlockFilter { tag_sets, ..filter.clone() }))
                .unwrap_err()
                .to_string()
        };
        assert!(refused(vec![vec![1, 0]]).contains("not ascending"));
        assert!(refused(vec![vec![0, 0]]).contains("not ascending"));
        assert!(!refused(vec![vec![filter.tags.len() as u32]]).is_empty());
        assert!(!refused(vec![Vec::new(); MAX_TAG_SETS + 1]).is_empty());
    }

    #[test]
    fn too_varied_or_single_tags_record_no_sets() {
        let single: Vec<_> = (0..4).map(|i| entry(i, "m", Level::Info, &["only"], None)).collect();
        assert!(decode_filter(&encode_block(&single).unwrap().filter).unwrap().tag_sets.is_empty());
        let names: Vec<String> = (0..=MAX_TAG_SETS).map(|i| format!("t{i}")).collect();
        let varied: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, t)| entry(i as i64, "m", Level::Info, &[t.as_str(), "x"], None))
            .collect();
        let filter = decode_filter(&encode_block(&varied).unwrap().filter).unwrap();
        assert!(filter.tag_sets.is_empty() && filter.tags.len() == MAX_TAG_SETS + 2);
    }
}
