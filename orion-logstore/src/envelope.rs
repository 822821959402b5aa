//! The envelope every BLOB shares: a version byte, a kind byte, the block
//! tag, the body, and a CRC-32 of everything before it. Also the zstd
//! helpers (thread-local contexts, capped decompression).

use std::cell::RefCell;
use std::io::Cursor;

use crate::FORMAT_VERSION;
use crate::error::{BlockError, Part, Result, corrupt};
use crate::wire::{Reader, put_len};

/// Bytes of envelope around a body: version, kind, tag (4), CRC (4).
pub(crate) const OVERHEAD: usize = 10;

/// The kind byte of each part.
fn kind_byte(part: Part) -> u8 {
    match part {
        Part::Filter => b'F',
        Part::Head => b'H',
        Part::Metadata => b'M',
        Part::Frame => b'T',
    }
}

/// Starts a BLOB of `part` for the block with `tag`; append the body,
/// then call [`seal`].
pub(crate) fn begin(part: Part, tag: u32, body_hint: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body_hint + OVERHEAD);
    out.push(FORMAT_VERSION);
    out.push(kind_byte(part));
    out.extend_from_slice(&tag.to_le_bytes());
    out
}

/// Appends the CRC-32 of everything written so far.
pub(crate) fn seal(mut out: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks version, kind and checksum; returns the block tag and the body.
pub(crate) fn open(bytes: &[u8], part: Part) -> Result<(u32, &[u8])> {
    if bytes.len() < OVERHEAD {
        return Err(corrupt(part, "too short"));
    }
    if bytes[0] != FORMAT_VERSION {
        return Err(BlockError::UnsupportedVersion { part, version: bytes[0] });
    }
    if bytes[1] != kind_byte(part) {
        return Err(corrupt(part, "not this kind of part"));
    }
    let (data, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32fast::hash(data) != stored {
        return Err(corrupt(part, "checksum mismatch"));
    }
    let tag = u32::from_le_bytes([data[2], data[3], data[4], data[5]]);
    Ok((tag, &data[6..]))
}

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Appends `raw`'s length (varint) and its zstd frame at `level`.
pub(crate) fn compress_into(out: &mut Vec<u8>, raw: &[u8], level: i32) -> Result<()> {
    put_len(out, raw.len());
    let start = out.len();
    out.reserve(zstd::zstd_safe::compress_bound(raw.len()));
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match &mut *slot {
            Some(c) => c,
            empty => empty.insert(zstd::bulk::Compressor::new(level).map_err(compress_err)?),
        };
        compressor.set_compression_level(level).map_err(compress_err)?;
        let mut cursor = Cursor::new(&mut *out);
        cursor.set_position(start as u64);
        compressor.compress_to_buffer(raw, &mut cursor).map_err(compress_err)?;
        Ok(())
    })
}

fn compress_err(e: std::io::Error) -> BlockError {
    BlockError::Compress(e.to_string())
}

/// Reads a length (at most `cap`) and a zstd frame that must expand to
/// exactly that many bytes: garbage can never make this allocate more
/// than `cap`.
pub(crate) fn decompress(r: &mut Reader<'_>, cap: usize) -> Result<Vec<u8>> {
    let part = r.part();
    let len = r.len(cap)?;
    let data = r.rest();
    let mut out = Vec::with_capacity(len);
    if len == 0 && data.is_empty() {
        return Ok(out);
    }
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let d = match &mut *slot {
            Some(d) => d,
            empty => {
                empty.insert(zstd::bulk::Decompressor::new().map_err(|_| corrupt(part, "zstd context"))?)
            }
        };
        match d.decompress_to_buffer(data, &mut out) {
            Ok(n) if n == len => Ok(out),
            Ok(_) => Err(corrupt(part, "decompressed size differs from the declared size")),
            Err(_) => Err(corrupt(part, "zstd data is invalid or too large")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut out = begin(Part::Head, 0xdead_beef, 16);
        compress_into(&mut out, b"hello hello hello hello", 1).unwrap();
        seal(out)
    }

    #[test]
    fn open_returns_tag_and_body() {
        let blob = sample();
        let (tag, body) = open(&blob, Part::Head).unwrap();
        assert_eq!(tag, 0xdead_beef);
        let mut r = Reader::new(body, Part::Head);
        assert_eq!(decompress(&mut r, 1_000).unwrap(), b"hello hello hello hello");
    }

    #[test]
    fn wrong_kind_version_and_checksum_are_errors() {
        let blob = sample();
        assert!(matches!(open(&blob, Part::Frame), Err(BlockError::Corrupt { .. })));
        let mut v = blob.clone();
        v[0] = 9;
        assert_eq!(
            open(&v, Part::Head),
            Err(BlockError::UnsupportedVersion { part: Part::Head, version: 9 })
        );
        let mut c = blob.clone();
        let mid = c.len() / 2;
        c[mid] ^= 1;
        assert!(matches!(open(&c, Part::Head), Err(BlockError::Corrupt { reason: "checksum mismatch", .. })));
        assert!(open(&blob[..5], Part::Head).is_err());
    }

    #[test]
    fn decompression_is_capped_by_the_declared_size() {
        let blob = sample();
        let (_, body) = open(&blob, Part::Head).unwrap();
        // The declared size (23) is over a cap of 10.
        assert!(decompress(&mut Reader::new(body, Part::Head), 10).is_err());
        // A declared size smaller than the real output fails too.
        let mut lie = vec![5u8];
        lie.extend_from_slice(&body[1..]);
        assert!(decompress(&mut Reader::new(&lie, Part::Head), 1_000).is_err());
    }
}
