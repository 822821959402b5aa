//! The metadata BLOB: every entry's metadata object, stored by key
//! (column per key) so that values of one key compress together and
//! common types take their binary size, compressed with zstd. Decoding an
//! entry gives back exactly the `Map` it was encoded from: same keys in
//! the same order, same value types, integers as integers, floats with the
//! same bits (their JSON text, `float_roundtrip`).
//!
//! Decompressed body:
//!
//! ```text
//! varint count · strings(keys)
//! varint shapes · shapes × (varint keys · keys × varint key index)   -- key lists, in map order
//! ints(shape of each entry)
//! per key, in key order: the column of its values (entries whose shape
//! has the key, in entry order):
//!   u8 kind
//!   0 json    ints(text length) · compact JSON texts       (any value)
//!   1 str     ints(byte length) · UTF-8 bytes              (strings)
//!   2 dict    strings(distinct) · ints(index)              (few distinct strings)
//!   3 hex     u8 bytes per value · values × bytes          (lower-case hex strings of one length)
//!   4 int     ints(value)                                  (JSON integers within i64)
//!   5 bool    ints(0 or 1)
//!   6 null
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use orion_core::model::log::{LogEntry, metadata_equals};
use serde_json::{Map, Value};

use crate::dict::{read_strings, write_strings};
use crate::envelope::{begin, compress_into, decompress, open, seal};
use crate::error::{BlockError, Part, Result, corrupt};
use crate::grams::{pair_hash, value_text};
use crate::intcol::{put_ints, put_uints, read_ints, read_uints};
use crate::wire::{Reader, put_len};
use crate::{MAX_BLOCK_ENTRIES, MAX_METADATA_PART_BYTES, MAX_METADATA_VALUES};

const JSON: u8 = 0;
const STR: u8 = 1;
const DICT: u8 = 2;
const HEX: u8 = 3;
const INT: u8 = 4;
const BOOL: u8 = 5;
const NULL: u8 = 6;

/// One key's values, decoded.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Json { ends: Vec<u32>, text: Vec<u8> },
    Str { ends: Vec<u32>, text: String },
    Dict { strings: Vec<String>, index: Vec<u32> },
    Hex { width: usize, bytes: Vec<u8> },
    Int(Vec<i64>),
    Bool(Vec<bool>),
    Null(usize),
}

impl Column {
    fn rows(&self) -> usize {
        match self {
            Self::Json { ends, .. } | Self::Str { ends, .. } => ends.len(),
            Self::Dict { index, .. } => index.len(),
            Self::Hex { width, bytes } => bytes.len() / width,
            Self::Int(v) => v.len(),
            Self::Bool(v) => v.len(),
            Self::Null(n) => *n,
        }
    }

    fn span(ends: &[u32], row: usize) -> (usize, usize) {
        let start = if row == 0 { 0 } else { ends[row - 1] as usize };
        (start, ends[row] as usize)
    }

    fn value(&self, row: usize) -> Result<Value> {
        Ok(match self {
            Self::Json { ends, text } => {
                let (s, e) = Self::span(ends, row);
                serde_json::from_slice(&text[s..e])
                    .map_err(|_| corrupt(Part::Metadata, "invalid JSON value"))?
            }
            Self::Str { ends, text } => {
                let (s, e) = Self::span(ends, row);
                Value::String(
                    text.get(s..e).ok_or(corrupt(Part::Metadata, "string off a character"))?.to_owned(),
                )
            }
            Self::Dict { strings, index } => Value::String(strings[index[row] as usize].clone()),
            Self::Hex { width, bytes } => Value::String(hex(&bytes[row * width..(row + 1) * width])),
            Self::Int(v) => Value::from(v[row]),
            Self::Bool(v) => Value::Bool(v[row]),
            Self::Null(_) => Value::Null,
        })
    }

    /// Appends the JSON text of row `row`, as `serde_json` writes the
    /// value [`Self::value`] gives, without building it where the type
    /// allows (JSON-typed values are parsed, so a damaged text fails).
    fn write_json(&self, row: usize, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Self::Json { .. } => write_value(out, &self.value(row)?),
            Self::Str { ends, text } => {
                let (s, e) = Self::span(ends, row);
                write_value(out, text.get(s..e).ok_or(corrupt(Part::Metadata, "string off a character"))?);
            }
            Self::Dict { strings, index } => write_value(out, &strings[index[row] as usize]),
            Self::Hex { width, bytes } => {
                out.push(b'"');
                out.extend_from_slice(hex(&bytes[row * width..(row + 1) * width]).as_bytes());
                out.push(b'"');
            }
            Self::Int(v) => write_value(out, &v[row]),
            Self::Bool(v) => out.extend_from_slice(if v[row] { b"true" } else { b"false" }),
            Self::Null(_) => out.extend_from_slice(b"null"),
        }
        Ok(())
    }

    /// `metadata_equals(value(row), wanted)` without building the value
    /// where the column's type allows.
    fn equals(&self, row: usize, wanted: &str) -> Result<bool> {
        Ok(match self {
            Self::Json { .. } => metadata_equals(&self.value(row)?, wanted),
            Self::Str { ends, text } => {
                let (s, e) = Self::span(ends, row);
                text.as_bytes().get(s..e) == Some(wanted.as_bytes())
            }
            Self::Dict { strings, index } => strings[index[row] as usize] == wanted,
            Self::Hex { width, bytes } => {
                wanted.len() == 2 * width && hex(&bytes[row * width..(row + 1) * width]) == wanted
            }
            Self::Int(v) => {
                let mut s = String::new();
                let _ = write!(s, "{}", v[row]);
                s == wanted
            }
            Self::Bool(v) => (if v[row] { "true" } else { "false" }) == wanted,
            Self::Null(_) => false,
        })
    }
}

/// Appends `value` as compact JSON (escaped as `serde_json` escapes).
fn write_value<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Serialising a string, number or JSON value into a Vec cannot fail.
    let _ = serde_json::to_writer(out, value);
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn unhex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// The decoded metadata of a block; objects are rebuilt on demand.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub(crate) tag: u32,
    keys: Vec<String>,
    shapes: Vec<Vec<u32>>,
    entry_shape: Vec<u32>,
    /// For entry `i`: `rows[row_starts[i]..row_starts[i + 1]]` are its
    /// rows in the columns of its shape's keys.
    row_starts: Vec<u32>,
    rows: Vec<u32>,
    columns: Vec<Column>,
}

impl Metadata {
    /// Bytes this decoded metadata part holds (for byte-capped caches).
    pub fn heap_size(&self) -> usize {
        use crate::size::{PER_ALLOCATION, strings};
        let columns: usize = self
            .columns
            .iter()
            .map(|c| {
                PER_ALLOCATION
                    + match c {
                        Column::Json { ends, text } => ends.len() * 4 + text.len(),
                        Column::Str { ends, text } => ends.len() * 4 + text.len(),
                        Column::Dict { strings: s, index } => strings(s) + index.len() * 4,
                        Column::Hex { bytes, .. } => bytes.len(),
                        Column::Int(v) => v.len() * 8,
                        Column::Bool(v) => v.len(),
                        Column::Null(_) => 0,
                    }
            })
            .sum();
        std::mem::size_of::<Self>()
            + strings(&self.keys)
            + self.shapes.iter().map(|s| s.len() * 4 + PER_ALLOCATION).sum::<usize>()
            + (self.entry_shape.len() + self.row_starts.len() + self.rows.len()) * 4
            + columns
    }

    /// Entries in the block.
    pub fn len(&self) -> usize {
        self.entry_shape.len()
    }

    /// Always `false`: a block has at least one entry.
    pub fn is_empty(&self) -> bool {
        self.entry_shape.is_empty()
    }

    /// The block tag.
    pub fn block_tag(&self) -> u32 {
        self.tag
    }

    /// Entry `i`'s metadata object.
    pub fn object(&self, i: usize) -> Result<Map<String, Value>> {
        let shape = &self.shapes[self.entry_shape[i] as usize];
        let rows = &self.rows[self.row_starts[i] as usize..self.row_starts[i + 1] as usize];
        let mut map = Map::new();
        for (&key, &row) in shape.iter().zip(rows) {
            let k = key as usize;
            map.insert(self.keys[k].clone(), self.columns[k].value(row as usize)?);
        }
        Ok(map)
    }

    /// Appends entry `i`'s metadata object as JSON text, byte for byte
    /// what `serde_json::to_writer` writes for [`Self::object`]'s `Map`.
    pub fn write_object_json(&self, i: usize, out: &mut Vec<u8>) -> Result<()> {
        let shape = &self.shapes[self.entry_shape[i] as usize];
        let rows = &self.rows[self.row_starts[i] as usize..self.row_starts[i + 1] as usize];
        out.push(b'{');
        for (n, (&key, &row)) in shape.iter().zip(rows).enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let k = key as usize;
            write_value(out, &self.keys[k]);
            out.push(b':');
            self.columns[k].write_json(row as usize, out)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// The index of `key` in this block's key dictionary.
    pub(crate) fn key_index(&self, key: &str) -> Option<u32> {
        self.keys.iter().position(|k| k == key).map(|i| i as u32)
    }

    /// Entry `i`'s value under key number `key`, if it has the key.
    pub(crate) fn value_at(&self, i: usize, key: u32) -> Result<Option<Value>> {
        let shape = &self.shapes[self.entry_shape[i] as usize];
        let Some(at) = shape.iter().position(|&k| k == key) else { return Ok(None) };
        let row = self.rows[self.row_starts[i] as usize + at] as usize;
        self.columns[key as usize].value(row).map(Some)
    }

    /// Whether entry `i` has key number `key` with a value that
    /// `metadata_equals` `wanted`.
    pub(crate) fn pair_equals(&self, i: usize, key: u32, wanted: &str) -> Result<bool> {
        let shape = &self.shapes[self.entry_shape[i] as usize];
        let Some(at) = shape.iter().position(|&k| k == key) else { return Ok(false) };
        let row = self.rows[self.row_starts[i] as usize + at] as usize;
        self.columns[key as usize].equals(row, wanted)
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
    let mut keys: Vec<&str> = Vec::new();
    let mut key_index: HashMap<&str, u32> = HashMap::new();
    let mut shapes: Vec<Vec<u32>> = Vec::new();
    let mut shape_index: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut entry_shape: Vec<u64> = Vec::with_capacity(entries.len());
    let mut columns: Vec<Vec<&Value>> = Vec::new();
    let mut pairs = Vec::new();
    let (mut text, mut scratch) = (String::new(), Vec::new());
    let mut last: Option<(&Map<String, Value>, u32)> = None;
    let mut shape_keys: Vec<u32> = Vec::new();
    for e in entries {
        let map = &e.entry.metadata;
        for (k, v) in map {
            if let Some(t) = value_text(v, &mut text) {
                pairs.push(pair_hash(k, t, &mut scratch));
            }
        }
        // Same keys as the previous entry: the usual case, no hashing.
        let shape = match last {
            Some((prev, s))
                if prev.len() == map.len() && prev.keys().zip(map.keys()).all(|(a, b)| a == b) =>
            {
                s
            }
            _ => {
                shape_keys.clear();
                for k in map.keys() {
                    let next = keys.len() as u32;
                    let i = *key_index.entry(k.as_str()).or_insert_with(|| {
                        keys.push(k);
                        columns.push(Vec::new());
                        next
                    });
                    shape_keys.push(i);
                }
                let next = shapes.len() as u32;
                *shape_index.entry(shape_keys.clone()).or_insert_with(|| {
                    shapes.push(shape_keys.clone());
                    next
                })
            }
        };
        last = Some((map, shape));
        entry_shape.push(u64::from(shape));
        for (&k, v) in shapes[shape as usize].iter().zip(map.values()) {
            columns[k as usize].push(v);
        }
    }
    let any = !keys.is_empty();
    let values: usize = columns.iter().map(Vec::len).sum();
    if values > MAX_METADATA_VALUES {
        return Err(BlockError::TooLarge { part: Part::Metadata, size: values, cap: MAX_METADATA_VALUES });
    }

    let mut body = Vec::with_capacity(entries.len() * 16 + 64);
    put_len(&mut body, entries.len());
    write_strings(&mut body, keys.iter().copied());
    put_len(&mut body, shapes.len());
    for s in &shapes {
        put_len(&mut body, s.len());
        for &k in s {
            put_len(&mut body, k as usize);
        }
    }
    put_uints(&mut body, entry_shape.into_iter());
    for column in &columns {
        write_column(&mut body, column)?;
    }
    if body.len() > MAX_METADATA_PART_BYTES {
        return Err(BlockError::TooLarge {
            part: Part::Metadata,
            size: body.len(),
            cap: MAX_METADATA_PART_BYTES,
        });
    }
    let mut out = begin(Part::Metadata, tag, body.len() / 2);
    compress_into(&mut out, &body, level)?;
    Ok((seal(out), pairs, any))
}

/// The kind a column of values is stored as.
fn kind_of(values: &[&Value]) -> u8 {
    let all = |f: fn(&Value) -> bool| values.iter().all(|v| f(v));
    if all(Value::is_null) {
        NULL
    } else if all(Value::is_boolean) {
        BOOL
    } else if all(Value::is_i64) {
        INT
    } else if all(Value::is_string) {
        let strs = || values.iter().filter_map(|v| v.as_str());
        let width = strs().next().map_or(0, str::len);
        let is_hex = width > 0
            && width % 2 == 0
            && width <= 510
            && strs().all(|s| s.len() == width && s.bytes().all(|b| unhex_digit(b).is_some()));
        if is_hex { HEX } else { STR }
    } else {
        JSON
    }
}

fn write_column(out: &mut Vec<u8>, values: &[&Value]) -> Result<()> {
    let kind = kind_of(values);
    let strs = || values.iter().map(|v| v.as_str().unwrap_or(""));
    match kind {
        NULL => out.push(NULL),
        BOOL => {
            out.push(BOOL);
            put_uints(out, values.iter().map(|v| u64::from(v.as_bool() == Some(true))));
        }
        INT => {
            out.push(INT);
            let ints: Vec<i64> = values.iter().map(|v| v.as_i64().unwrap_or(0)).collect();
            put_ints(out, &ints);
        }
        HEX => {
            out.push(HEX);
            let width = strs().next().map_or(0, str::len) / 2;
            out.push(width as u8);
            for s in strs() {
                for pair in s.as_bytes().chunks_exact(2) {
                    let hi = unhex_digit(pair[0]).unwrap_or(0);
                    let lo = unhex_digit(pair[1]).unwrap_or(0);
                    out.push(hi << 4 | lo);
                }
            }
        }
        STR => {
            // Few distinct strings: a dictionary and indexes.
            let mut index: HashMap<&str, u32> = HashMap::new();
            let mut distinct: Vec<&str> = Vec::new();
            let mut refs = Vec::with_capacity(values.len());
            let cap = values.len() / 4 + 1;
            for s in strs() {
                let next = distinct.len() as u32;
                let i = *index.entry(s).or_insert_with(|| {
                    distinct.push(s);
                    next
                });
                refs.push(u64::from(i));
                if distinct.len() > cap {
                    break;
                }
            }
            if distinct.len() <= cap {
                out.push(DICT);
                write_strings(out, distinct.into_iter());
                put_uints(out, refs.into_iter());
            } else {
                out.push(STR);
                put_uints(out, strs().map(|s| s.len() as u64));
                for s in strs() {
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
        _ => {
            out.push(JSON);
            let mut texts = Vec::new();
            let mut lens = Vec::with_capacity(values.len());
            for v in values {
                let start = texts.len();
                serde_json::to_writer(&mut texts, v)
                    .map_err(|_| corrupt(Part::Metadata, "unserialisable value"))?;
                lens.push((texts.len() - start) as u64);
            }
            put_uints(out, lens.into_iter());
            out.extend_from_slice(&texts);
        }
    }
    Ok(())
}

fn read_ends(r: &mut Reader<'_>, rows: usize) -> Result<(Vec<u32>, usize)> {
    let lens = read_uints(r, rows, MAX_METADATA_PART_BYTES as u64)?;
    let mut ends = Vec::with_capacity(rows);
    let mut end = 0u64;
    for l in lens {
        end += u64::from(l);
        ends.push(u32::try_from(end).map_err(|_| r.err("metadata lengths overflow"))?);
    }
    Ok((ends, end as usize))
}

fn read_column(r: &mut Reader<'_>, rows: usize) -> Result<Column> {
    Ok(match r.u8()? {
        NULL => Column::Null(rows),
        BOOL => Column::Bool(read_uints(r, rows, 1)?.into_iter().map(|b| b == 1).collect()),
        INT => Column::Int(read_ints(r, rows)?),
        HEX => {
            let width = usize::from(r.u8()?);
            if width == 0 {
                return Err(r.err("empty hex width"));
            }
            let len = width.checked_mul(rows).ok_or_else(|| r.err("hex column too long"))?;
            Column::Hex { width, bytes: r.bytes(len)?.to_vec() }
        }
        STR => {
            let (ends, total) = read_ends(r, rows)?;
            let bytes = r.bytes(total)?;
            let text = std::str::from_utf8(bytes).map_err(|_| r.err("invalid UTF-8"))?.to_owned();
            let mut start = 0usize;
            for &e in &ends {
                if !text.is_char_boundary(start) || !text.is_char_boundary(e as usize) {
                    return Err(r.err("string off a character"));
                }
                start = e as usize;
            }
            Column::Str { ends, text }
        }
        DICT => {
            let strings = read_strings(r)?;
            if strings.is_empty() {
                return Err(r.err("empty string dictionary"));
            }
            let index = read_uints(r, rows, strings.len() as u64 - 1)?;
            Column::Dict { strings, index }
        }
        JSON => {
            let (ends, total) = read_ends(r, rows)?;
            Column::Json { ends, text: r.bytes(total)?.to_vec() }
        }
        _ => return Err(r.err("unknown metadata column kind")),
    })
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
    let keys = read_strings(&mut r)?;
    let nshapes = r.len(n)?;
    let mut shapes = Vec::with_capacity(nshapes);
    for _ in 0..nshapes {
        let len = r.len(keys.len())?;
        let mut shape = Vec::with_capacity(len);
        for _ in 0..len {
            let k = r.len(keys.len().saturating_sub(1))? as u32;
            if shape.contains(&k) || keys.is_empty() {
                return Err(r.err("key repeated in a shape"));
            }
            shape.push(k);
        }
        shapes.push(shape);
    }
    let entry_shape = read_uints(&mut r, n, (nshapes as u64).saturating_sub(1))?;
    if nshapes == 0 {
        return Err(r.err("no shapes"));
    }
    let total: usize = entry_shape.iter().map(|&s| shapes[s as usize].len()).sum();
    if total > MAX_METADATA_VALUES {
        return Err(r.err("too many metadata values"));
    }
    let mut counts = vec![0u32; keys.len()];
    let mut row_starts = Vec::with_capacity(n + 1);
    let mut rows = Vec::with_capacity(total);
    row_starts.push(0u32);
    for &s in &entry_shape {
        for &k in &shapes[s as usize] {
            rows.push(counts[k as usize]);
            counts[k as usize] += 1;
        }
        row_starts.push(rows.len() as u32);
    }
    let columns = counts.iter().map(|&c| read_column(&mut r, c as usize)).collect::<Result<Vec<_>>>()?;
    r.finish()?;
    debug_assert!(columns.iter().zip(&counts).all(|(c, &n)| c.rows() == n as usize));
    Ok(Metadata { tag, keys, shapes, entry_shape, row_starts, rows, columns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(values: &[Value]) -> u8 {
        kind_of(&values.iter().collect::<Vec<_>>())
    }

    #[test]
    fn columns_take_the_narrowest_kind() {
        assert_eq!(kinds(&[json!(null), json!(null)]), NULL);
        assert_eq!(kinds(&[json!(true), json!(false)]), BOOL);
        assert_eq!(kinds(&[json!(1), json!(-5), json!(i64::MIN)]), INT);
        assert_eq!(kinds(&[json!(1), json!(u64::MAX)]), JSON);
        assert_eq!(kinds(&[json!(1), json!(1.0)]), JSON);
        assert_eq!(kinds(&[json!("9f86d081"), json!("00ff00aa")]), HEX);
        assert_eq!(kinds(&[json!("9F86D081")]), STR);
        assert_eq!(kinds(&[json!("abc")]), STR);
        assert_eq!(kinds(&[json!("ab"), json!("abcd")]), STR);
        assert_eq!(kinds(&[json!("a"), json!(1)]), JSON);
    }

    #[test]
    fn every_kind_compares_like_metadata_equals() {
        let samples = [
            json!("9f86d081"),
            json!("eu-1"),
            json!(42),
            json!(-7),
            json!(true),
            json!(null),
            json!(1.5),
            json!([1]),
        ];
        for v in &samples {
            for column in [vec![v; 3], vec![v, &samples[1], v]] {
                let mut out = Vec::new();
                write_column(&mut out, &column).unwrap();
                let decoded = read_column(&mut Reader::new(&out, Part::Metadata), column.len()).unwrap();
                for (row, original) in column.iter().enumerate() {
                    assert_eq!(&decoded.value(row).unwrap(), *original);
                    for wanted in
                        ["9f86d081", "9F86D081", "eu-1", "42", "042", "-7", "true", "null", "1.5", "[1]"]
                    {
                        assert_eq!(
                            decoded.equals(row, wanted).unwrap(),
                            metadata_equals(original, wanted),
                            "{original} vs {wanted}"
                        );
                    }
                }
            }
        }
    }
}
