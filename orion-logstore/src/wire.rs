//! Little building blocks of the byte format: LEB128 varints, zig-zag,
//! length-prefixed strings, and a bounds-checked reader that turns every
//! short read into [`BlockError::Corrupt`] instead of a panic.

use crate::error::{BlockError, Part, Result, corrupt};

/// Appends `v` as an unsigned LEB128 varint (1–10 bytes).
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Zig-zag maps signed to unsigned so small magnitudes stay small.
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// The inverse of [`zigzag`].
pub(crate) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Appends a signed varint (zig-zag, then LEB128).
pub(crate) fn put_ivarint(out: &mut Vec<u8>, v: i64) {
    put_varint(out, zigzag(v));
}

/// Appends a `usize` as a varint.
pub(crate) fn put_len(out: &mut Vec<u8>, v: usize) {
    put_varint(out, v as u64);
}

/// Appends a string: varint byte length, then the UTF-8 bytes.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads the byte format of one part; every method fails with
/// [`BlockError::Corrupt`] on a short or malformed read.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    part: Part,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`, blaming `part` for any damage.
    pub(crate) fn new(bytes: &'a [u8], part: Part) -> Self {
        Self { bytes, pos: 0, part }
    }

    /// The part being read.
    pub(crate) fn part(&self) -> Part {
        self.part
    }

    /// A `Corrupt` error for this part.
    pub(crate) fn err(&self, reason: &'static str) -> BlockError {
        corrupt(self.part, reason)
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Fails unless everything was read.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.remaining() == 0 { Ok(()) } else { Err(self.err("trailing bytes")) }
    }

    /// One byte.
    pub(crate) fn u8(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| self.err("unexpected end"))?;
        self.pos += 1;
        Ok(b)
    }

    /// The next `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.err("length overflow"))?;
        let slice = self.bytes.get(self.pos..end).ok_or_else(|| self.err("unexpected end"))?;
        self.pos = end;
        Ok(slice)
    }

    /// Everything not read yet.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let slice = &self.bytes[self.pos..];
        self.pos = self.bytes.len();
        slice
    }

    /// An unsigned LEB128 varint of at most 10 bytes.
    pub(crate) fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            if i == 9 && b > 1 {
                return Err(self.err("varint overflow"));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(self.err("varint too long"))
    }

    /// A zig-zag signed varint.
    pub(crate) fn ivarint(&mut self) -> Result<i64> {
        self.varint().map(unzigzag)
    }

    /// A varint that must be at most `max` (a count or a length).
    pub(crate) fn len(&mut self, max: usize) -> Result<usize> {
        let v = self.varint()?;
        match usize::try_from(v) {
            Ok(v) if v <= max => Ok(v),
            _ => Err(self.err("length out of range")),
        }
    }

    /// A length-prefixed UTF-8 string.
    pub(crate) fn str(&mut self) -> Result<&'a str> {
        let n = self.len(self.remaining())?;
        let bytes = self.bytes(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.err("invalid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_the_edges() {
        let values = [0u64, 1, 127, 128, 16_383, 16_384, u64::from(u32::MAX), u64::MAX - 1, u64::MAX];
        let mut out = Vec::new();
        for v in values {
            put_varint(&mut out, v);
        }
        let mut r = Reader::new(&out, Part::Head);
        for v in values {
            assert_eq!(r.varint().unwrap(), v);
        }
        r.finish().unwrap();
    }

    #[test]
    fn zigzag_round_trips_signed_extremes() {
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -64, 63] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }

    #[test]
    fn overlong_and_short_varints_are_errors() {
        let mut r = Reader::new(&[0xff; 11], Part::Head);
        assert!(r.varint().is_err());
        let mut r = Reader::new(&[0x80], Part::Head);
        assert!(r.varint().is_err());
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], Part::Head);
        assert!(r.varint().is_err());
    }

    #[test]
    fn strings_check_length_and_utf8() {
        let mut out = Vec::new();
        put_str(&mut out, "grüße");
        assert_eq!(Reader::new(&out, Part::Filter).str().unwrap(), "grüße");
        let bad = [3u8, 0xff, b'a', b'b'];
        assert!(Reader::new(&bad, Part::Filter).str().is_err());
        let short = [9u8, b'a'];
        assert!(Reader::new(&short, Part::Filter).str().is_err());
    }
}
