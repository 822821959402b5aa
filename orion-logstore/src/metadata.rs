//! The metadata BLOB: each entry's metadata object as compact JSON
//! (serde_json's own serialisation, so key order and number text round
//! trip exactly), compressed with zstd.
//!
//! Decompressed body: `varint count · ints(JSON length, 0 = empty object)
//! · the JSON texts, concatenated`.

use orion_core::model::log::LogEntry;
use serde_json::{Map, Value};

use crate::envelope::{begin, compress_into, decompress, open, seal};
use crate::error::{BlockError, Part, Result, corrupt};
use crate::grams::{pair_hash, value_text};
use crate::intcol::{put_uints, read_uints};
use crate::wire::{Reader, put_len};
use crate::{MAX_BLOCK_ENTRIES, MAX_METADATA_PART_BYTES};

/// The decoded metadata of a block; objects are parsed on demand.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub(crate) tag: u32,
    offsets: Vec<u32>,
    text: Vec<u8>,
}

impl Metadata {
    /// Entries in the block.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Always `false`: a block has at least one entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The block tag.
    pub fn block_tag(&self) -> u32 {
        self.tag
    }

    /// The compact JSON of entry `i` (empty for an empty object).
    pub fn json(&self, i: usize) -> &[u8] {
        &self.text[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Entry `i`'s metadata object.
    pub fn object(&self, i: usize) -> Result<Map<String, Value>> {
        let json = self.json(i);
        if json.is_empty() {
            return Ok(Map::new());
        }
        serde_json::from_slice(json).map_err(|_| corrupt(Part::Metadata, "invalid metadata JSON"))
    }
}

/// Encodes the metadata of `entries`; also returns the hash of every
/// comparable `key=value` pair (for the filter) and whether any object
/// is non-empty.
pub(crate) fn encode_metadata(
    entries: &[LogEntry],
    tag: u32,
    level: i32,
) -> Result<(Vec<u8>, Vec<u64>, bool)> {
    let mut text = Vec::with_capacity(entries.len() * 16);
    let mut lens = Vec::with_capacity(entries.len());
    let mut pairs = Vec::new();
    let mut scratch = String::new();
    let mut key_scratch = Vec::new();
    for e in entries {
        let map = &e.entry.metadata;
        if map.is_empty() {
            lens.push(0);
            continue;
        }
        let start = text.len();
        serde_json::to_writer(&mut text, map)
            .map_err(|_| corrupt(Part::Metadata, "unserialisable metadata"))?;
        lens.push((text.len() - start) as u64);
        for (k, v) in map {
            if let Some(t) = value_text(v, &mut scratch) {
                pairs.push(pair_hash(k, t, &mut key_scratch));
            }
        }
    }
    let any = !text.is_empty();
    let mut body = Vec::with_capacity(text.len() + entries.len() + 16);
    put_len(&mut body, entries.len());
    put_uints(&mut body, lens.into_iter());
    body.extend_from_slice(&text);
    if body.len() > MAX_METADATA_PART_BYTES {
        return Err(BlockError::TooLarge {
            part: Part::Metadata,
            size: body.len(),
            cap: MAX_METADATA_PART_BYTES,
        });
    }
    let mut out = begin(Part::Metadata, tag, body.len() / 3);
    compress_into(&mut out, &body, level)?;
    Ok((seal(out), pairs, any))
}

/// Decodes a metadata BLOB.
pub fn decode_metadata(bytes: &[u8]) -> Result<Metadata> {
    let (tag, compressed) = open(bytes, Part::Metadata)?;
    let raw = decompress(&mut Reader::new(compressed, Part::Metadata), MAX_METADATA_PART_BYTES)?;
    let mut r = Reader::new(&raw, Part::Metadata);
    let n = r.len(MAX_BLOCK_ENTRIES)?;
    if n == 0 {
        return Err(r.err("no entries"));
    }
    let lens = read_uints(&mut r, n, MAX_METADATA_PART_BYTES as u64)?;
    let mut offsets = Vec::with_capacity(n + 1);
    let mut end = 0u64;
    offsets.push(0u32);
    for l in lens {
        end += u64::from(l);
        offsets.push(u32::try_from(end).map_err(|_| r.err("metadata lengths overflow"))?);
    }
    let text = r.bytes(usize::try_from(end).map_err(|_| r.err("metadata too long"))?)?.to_vec();
    r.finish()?;
    Ok(Metadata { tag, offsets, text })
}
