//! Finding the matches of a query in a decoded block: columns first
//! (level, time, cursor, source, tags), then the needle (memmem over the
//! lower-cased frames), then metadata (parsed only for candidates).
//! Every answer equals `LogFilter::matches` (plus the cursor).

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use orion_core::model::ProjectId;
use orion_core::model::log::{HistogramCount, Interval, Level, LogEntry};

use crate::error::{BlockError, Part, Result, corrupt};
use crate::frame::{Frame, SEPARATOR};
use crate::grams::lower_into;
use crate::head::Head;
use crate::materialize::{FrameSet, materialize};
use crate::metadata::Metadata;
use crate::prune::bucket_start;
use crate::query::Query;

/// A query over one decoded block.
#[derive(Debug)]
pub struct BlockScan<'a> {
    query: &'a Query,
    head: &'a Head,
    metadata: Option<&'a Metadata>,
    frames: FrameSet<'a>,
    /// `index + 1` of each wanted source in the head's dictionary;
    /// `None` when a wanted source is absent (nothing matches).
    sources: Option<Vec<u32>>,
    /// Like `sources`, for server ids.
    servers: Option<Vec<u32>>,
    /// Dictionary indexes of the wanted tags; `None` if one is absent.
    tags: Option<Vec<u32>>,
    /// `index + 1` of excluded sources and servers present in the block,
    /// and indexes of excluded tags present (absent ones exclude nothing).
    not_sources: Vec<u32>,
    not_servers: Vec<u32>,
    not_tags: Vec<u32>,
    /// For a needle query: whose message contains every positive needle
    /// and no negated one.
    needle_hits: Option<Vec<bool>>,
    /// Each metadata check's key index (`None`: no entry has the key).
    meta_keys: Vec<Option<u32>>,
    /// The wanted metadata keys' indexes in the block's key dictionary;
    /// `None` if a key is absent from every entry.
    pair_keys: Option<Vec<u32>>,
}

impl<'a> BlockScan<'a> {
    /// Prepares a scan. `frames` are decoded frames of this block (any
    /// subset); `candidates` are the frames [`prune`](crate::prune) let
    /// through. A needle query must be given every candidate frame
    /// (entries of other frames cannot match); a metadata query must be
    /// given the metadata if the block has any.
    pub fn new<F: std::borrow::Borrow<Frame>>(
        query: &'a Query,
        head: &'a Head,
        metadata: Option<&'a Metadata>,
        frames: &'a [F],
        candidates: &[u32],
    ) -> Result<Self> {
        if let Some(m) = metadata
            && (m.tag != head.tag || m.len() != head.len())
        {
            return Err(BlockError::Mismatch { part: Part::Metadata });
        }
        if query.has_metadata_filter() && head.has_metadata() && metadata.is_none() {
            return Err(BlockError::Missing { part: Part::Metadata, index: 0 });
        }
        let frames = FrameSet::new(head, frames)?;
        let needle_hits = if query.has_needle() {
            // Entries outside the candidate frames never match; inside,
            // a message must hold every positive needle and no negated one.
            let mut hits = vec![false; head.len()];
            let mut found = Vec::new();
            let mut lowered = Vec::new();
            for &f in candidates {
                let frame =
                    frames.get(f as usize).ok_or(BlockError::Missing { part: Part::Frame, index: f })?;
                let range = head.frame_range(f as usize);
                let own = &mut hits[range];
                own.fill(true);
                for (needle, wanted) in
                    query.needles.iter().map(|n| (n, true)).chain(query.excluded.iter().map(|n| (n, false)))
                {
                    found.clear();
                    found.resize(own.len(), false);
                    search_frame(frame, &needle.finder, &mut lowered, &mut found)?;
                    for (hit, &f) in own.iter_mut().zip(&found) {
                        *hit &= f == wanted;
                    }
                }
            }
            Some(hits)
        } else {
            None
        };
        let sources = query.sources.iter().map(|s| head.source_index(s)).collect();
        let servers = query.servers.iter().map(|s| head.server_index(s)).collect();
        let tags = query.tags.iter().map(|t| head.tag_index(t)).collect();
        let not_sources = query.not_sources.iter().filter_map(|s| head.source_index(s)).collect();
        let not_servers = query.not_servers.iter().filter_map(|s| head.server_index(s)).collect();
        let not_tags = query.not_tags.iter().filter_map(|t| head.tag_index(t)).collect();
        let meta_keys = match metadata.filter(|_| head.has_metadata()) {
            Some(m) => query.meta.iter().map(|c| m.key_index(&c.key)).collect(),
            None => vec![None; query.meta.len()],
        };
        let pair_keys = match metadata.filter(|_| head.has_metadata()) {
            Some(m) => query.pairs.iter().map(|(k, _, _)| m.key_index(k)).collect(),
            None if query.pairs.is_empty() => Some(Vec::new()),
            None => None,
        };
        Ok(Self {
            query,
            head,
            metadata,
            frames,
            sources,
            servers,
            tags,
            not_sources,
            not_servers,
            not_tags,
            needle_hits,
            meta_keys,
            pair_keys,
        })
    }

    /// Whether entry `i` (storage position) matches.
    fn matches(&self, i: usize) -> Result<bool> {
        let h = self.head;
        let ts = h.timestamps[i];
        if !self.query.level_passes(h.levels[i]) || !self.query.time_passes(ts) {
            return Ok(false);
        }
        if self.query.after.is_some_and(|a| !a.passes(ts, h.ids[i])) {
            return Ok(false);
        }
        let (Some(sources), Some(servers), Some(tags)) = (&self.sources, &self.servers, &self.tags) else {
            return Ok(false);
        };
        if sources.iter().any(|&s| s != h.sources[i])
            || servers.iter().any(|&s| s != h.servers[i])
            || self.not_sources.contains(&h.sources[i])
            || self.not_servers.contains(&h.servers[i])
        {
            return Ok(false);
        }
        let own = h.tag_indexes(i);
        if !tags.iter().all(|t| own.contains(t)) || self.not_tags.iter().any(|t| own.contains(t)) {
            return Ok(false);
        }
        if self.needle_hits.as_ref().is_some_and(|hits| !hits[i]) {
            return Ok(false);
        }
        for (check, key) in self.query.meta.iter().zip(&self.meta_keys) {
            let stored = match (self.metadata, key) {
                (Some(m), Some(key)) => m.value_at(i, *key)?,
                _ => None,
            };
            if !check.passes(stored.as_ref()) {
                return Ok(false);
            }
        }
        if self.query.pairs.is_empty() {
            return Ok(true);
        }
        // No metadata in the block, or a wanted key in no entry: no match.
        let (Some(metadata), Some(keys)) = (self.metadata, &self.pair_keys) else { return Ok(false) };
        for (&key, (_, wanted, _)) in keys.iter().zip(&self.query.pairs) {
            if !metadata.pair_equals(i, key, wanted)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Storage positions of all matches, in storage order.
    fn matching(&self, cap: usize) -> Result<Vec<u32>> {
        self.matching_among(0..self.head.len(), cap)
    }

    /// The matches among `positions` (in the order given), at most `cap`
    /// of them.
    fn matching_among(&self, positions: impl Iterator<Item = usize>, cap: usize) -> Result<Vec<u32>> {
        // With a needle, only the entries whose message holds it can
        // match (a few of a block's thousands, for a rare word): the
        // others are skipped before any column is read.
        let hits = self.needle_hits.as_deref();
        let mut out = Vec::new();
        for i in positions.filter(|&i| hits.is_none_or(|h| h[i])) {
            if out.len() >= cap {
                break;
            }
            if self.matches(i)? {
                out.push(i as u32);
            }
        }
        Ok(out)
    }

    /// Storage positions of every match, newest first (`timestamp` desc,
    /// then `id` desc).
    pub fn positions(&self) -> Result<Vec<u32>> {
        let mut out = self.matching(usize::MAX)?;
        if self.head.is_sorted() {
            out.reverse();
        } else {
            let (ts, ids) = (&self.head.timestamps, &self.head.ids);
            out.sort_unstable_by(|&a, &b| {
                let (a, b) = (a as usize, b as usize);
                (ts[b], ids[b]).cmp(&(ts[a], ids[a]))
            });
        }
        Ok(out)
    }

    /// The `cap` newest matches, newest first: a page needs no more of
    /// any one block. A sorted block is searched from its end and stops
    /// at `cap`, so the first page of an unfiltered query reads a few
    /// entries of its newest block rather than all of them.
    pub fn newest(&self, cap: usize) -> Result<Vec<u32>> {
        if !self.head.is_sorted() {
            let mut out = self.positions()?;
            out.truncate(cap);
            return Ok(out);
        }
        self.matching_among((0..self.head.len()).rev(), cap)
    }

    /// The number of matches, counting no further than `cap` (pass
    /// `TOTAL_COUNT_CAP + 1` minus what other blocks counted).
    pub fn count(&self, cap: u64) -> Result<u64> {
        let cap = usize::try_from(cap).unwrap_or(usize::MAX);
        Ok(self.matching(cap)?.len() as u64)
    }

    /// Matches per level (index = rank).
    pub fn level_counts(&self) -> Result<[u64; 6]> {
        let mut counts = [0u64; 6];
        for i in self.matching(usize::MAX)? {
            counts[usize::from(self.head.levels[i as usize])] += 1;
        }
        Ok(counts)
    }

    /// Matches per bucket and level, sorted by bucket then level; empty
    /// buckets absent (what `LogRepository::histogram` returns for one
    /// block; sum the counts of equal keys across blocks).
    pub fn histogram(&self, interval: Interval) -> Result<Vec<HistogramCount>> {
        let width = interval.seconds();
        let mut counts: BTreeMap<(i64, u8), u64> = BTreeMap::new();
        for i in self.matching(usize::MAX)? {
            let i = i as usize;
            *counts
                .entry((bucket_start(self.head.timestamps[i], width), self.head.levels[i]))
                .or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((start, rank), count)| {
                let bucket = Utc
                    .timestamp_opt(start, 0)
                    .single()
                    .ok_or(corrupt(Part::Head, "timestamp out of range"))?;
                let level =
                    Level::from_rank(i16::from(rank)).ok_or(corrupt(Part::Head, "level out of range"))?;
                Ok(HistogramCount { bucket, level, count })
            })
            .collect()
    }

    /// Rebuilds the entries at `positions` (in that order); needs their
    /// frames and, if the block has metadata, the metadata.
    pub fn entries(&self, positions: &[u32], project_id: ProjectId) -> Result<Vec<LogEntry>> {
        materialize(self.head, self.metadata, &self.frames, positions, project_id)
    }

    /// Matches `offset..offset + limit` in newest-first order, rebuilt.
    pub fn page(&self, offset: usize, limit: usize, project_id: ProjectId) -> Result<Vec<LogEntry>> {
        let positions = self.positions()?;
        let end = offset.saturating_add(limit).min(positions.len());
        let chosen = positions.get(offset.min(end)..end).unwrap_or(&[]);
        self.entries(chosen, project_id)
    }
}

/// Marks in `hits` (the frame's entries) the messages whose lower case
/// contains the finder's needle. ASCII frames are lower-cased in one go;
/// others message by message with `str::to_lowercase`, so offsets are
/// mapped through the lowered text's own boundaries.
fn search_frame(
    frame: &Frame,
    finder: &memchr::memmem::Finder<'_>,
    lowered: &mut Vec<u8>,
    hits: &mut [bool],
) -> Result<()> {
    if hits.len() != frame.len() {
        return Err(BlockError::Mismatch { part: Part::Frame });
    }
    lowered.clear();
    let mut own_ends;
    let ends: &[u32] = if frame.ascii {
        lowered.extend_from_slice(&frame.text);
        lowered.make_ascii_lowercase();
        &frame.ends
    } else {
        own_ends = Vec::with_capacity(frame.len());
        for i in 0..frame.len() {
            if i > 0 {
                lowered.push(SEPARATOR);
            }
            lower_into(lowered, frame.message(i)?);
            own_ends.push(lowered.len() as u32);
        }
        &own_ends
    };
    let mut pos = 0usize;
    while pos < lowered.len() {
        let Some(found) = lowered.get(pos..).and_then(|rest| finder.find(rest)) else { break };
        let at = pos + found;
        // The needle holds no separator, so the match lies inside one
        // message: the first whose end is past `at`.
        let i = ends.partition_point(|&e| e as usize <= at);
        let Some(hit) = hits.get_mut(i) else { break };
        *hit = true;
        pos = ends[i] as usize + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{EncodeOptions, encode_block_with};
    use crate::frame::decode_frame;
    use crate::head::decode_head;
    use crate::metadata::decode_metadata;
    use crate::testutil::{entry, project, with_metadata};
    use orion_core::model::log::LogFilter;
    use serde_json::json;

    #[test]
    fn non_ascii_offsets_map_to_the_right_message() {
        // Lower-casing changes byte lengths here ('İ' grows, the Kelvin
        // sign shrinks), so raw and lowered offsets differ.
        let messages = ["İİİİ x", "\u{212A}\u{212A}\u{212A} y", "target z", "İ target"];
        let entries: Vec<_> =
            messages.iter().enumerate().map(|(i, m)| entry(i as i64, m, Level::Info, &[], None)).collect();
        let b = encode_block_with(&entries, &EncodeOptions::ingest()).unwrap();
        let head = decode_head(&b.head).unwrap();
        let frames = vec![decode_frame(&b.frames[0]).unwrap()];
        for (needle, want) in [("TARGET", vec![3u32, 2]), ("kk", vec![1]), ("i̇ t", vec![3]), ("x", vec![0])]
        {
            let query = Query::new(&LogFilter { search: Some(needle.into()), ..LogFilter::default() });
            let scan = BlockScan::new(&query, &head, None, &frames, &[0]).unwrap();
            assert_eq!(scan.positions().unwrap(), want, "{needle}");
        }
    }

    /// A block's newest matches are the first of its positions, whether
    /// a sorted block is searched from its end or an unsorted one sorted.
    #[test]
    fn newest_matches_are_the_first_positions() {
        let sorted: Vec<_> = (0..50)
            .map(|i| {
                entry(i, &format!("m{i} {}", if i % 3 == 0 { "hit" } else { "miss" }), Level::Info, &[], None)
            })
            .collect();
        let mut unsorted = sorted.clone();
        unsorted.reverse();
        unsorted.swap(3, 40);
        let mut kinds = Vec::new();
        for entries in [sorted, unsorted] {
            let options = EncodeOptions { frame_entries: 8, ..EncodeOptions::ingest() };
            let b = encode_block_with(&entries, &options).unwrap();
            let head = decode_head(&b.head).unwrap();
            kinds.push(head.is_sorted());
            let frames: Vec<_> = b.frames.iter().map(|f| decode_frame(f).unwrap()).collect();
            let all: Vec<u32> = (0..frames.len() as u32).collect();
            for search in [None, Some("HIT")] {
                let query = Query::new(&LogFilter { search: search.map(Into::into), ..LogFilter::default() });
                let scan = BlockScan::new(&query, &head, None, &frames, &all).unwrap();
                let positions = scan.positions().unwrap();
                assert_eq!(positions.len(), if search.is_some() { 17 } else { 50 });
                for cap in [0, 1, 5, 17, 100] {
                    assert_eq!(
                        scan.newest(cap).unwrap(),
                        positions[..cap.min(positions.len())],
                        "{search:?} {cap}"
                    );
                }
            }
        }
        assert_eq!(kinds, [true, false]);
    }

    #[test]
    fn missing_parts_are_reported() {
        let entries = [with_metadata(entry(1, "hello", Level::Info, &[], None), json!({"k": "v"}))];
        let b = encode_block_with(&entries, &EncodeOptions::ingest()).unwrap();
        let head = decode_head(&b.head).unwrap();
        let needle = Query::new(&LogFilter { search: Some("hello".into()), ..LogFilter::default() });
        assert_eq!(
            BlockScan::new(&needle, &head, None, &[] as &[Frame], &[0]).unwrap_err(),
            BlockError::Missing { part: Part::Frame, index: 0 }
        );
        let pairs =
            Query::new(&LogFilter { metadata: vec![("k".into(), "v".into())], ..LogFilter::default() });
        assert_eq!(
            BlockScan::new(&pairs, &head, None, &[] as &[Frame], &[0]).unwrap_err(),
            BlockError::Missing { part: Part::Metadata, index: 0 }
        );
        let metadata = decode_metadata(&b.metadata).unwrap();
        let scan = BlockScan::new(&pairs, &head, Some(&metadata), &[] as &[Frame], &[0]).unwrap();
        assert_eq!(scan.positions().unwrap(), [0]);
        // Rebuilding the entry needs its frame.
        assert!(matches!(scan.entries(&[0], project()), Err(BlockError::Missing { part: Part::Frame, .. })));
        let frames = vec![decode_frame(&b.frames[0]).unwrap()];
        let scan = BlockScan::new(&pairs, &head, Some(&metadata), &frames, &[0]).unwrap();
        assert_eq!(scan.page(0, 10, project()).unwrap(), entries);
        assert!(scan.page(1, 10, project()).unwrap().is_empty());
    }
}
