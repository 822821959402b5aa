//! Integer columns: each column of `i64` is stored either as offsets from
//! its minimum or as deltas from the previous value (whichever packs
//! smaller), divided by the greatest common divisor of those numbers
//! (milliseconds stored as microseconds cost nothing), then bit-packed at
//! the width of the largest.
//!
//! ```text
//! u8 mode (0 offset, 1 delta) · u8 width in bits (0..=64) · ivarint base
//! · [delta: ivarint smallest delta] · varint scale (>= 1)
//! · ceil(values × width / 8) bytes, little-endian bit order
//! ```
//!
//! All arithmetic on decode wraps, so a damaged column yields wrong
//! numbers (caught by the checksum) rather than a panic.

use crate::error::Result;
use crate::wire::{Reader, put_ivarint, put_varint};

const MODE_OFFSET: u8 = 0;
const MODE_DELTA: u8 = 1;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The gcd of all values (0 when they are all zero); stops early at 1.
fn gcd_all(values: impl Iterator<Item = u64>) -> u64 {
    let mut g = 0u64;
    for v in values {
        g = gcd(g, v);
        if g == 1 {
            return 1;
        }
    }
    g
}

fn bits(v: u64) -> u32 {
    64 - v.leading_zeros()
}

/// Tests divisibility by a fixed `g` with a multiply instead of a
/// division: `g = 2^s · d` with `d` odd, and `v` is a multiple of `d`
/// exactly when `v · d⁻¹ (mod 2^64) <= (2^64 - 1) / d`.
struct Divisor {
    shift: u32,
    inverse: u64,
    limit: u64,
}

impl Divisor {
    fn new(g: u64) -> Self {
        let shift = g.trailing_zeros();
        let d = g >> shift;
        // Newton's iteration doubles the correct low bits: 3, 6, ..., 96.
        let mut inverse = d;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(d.wrapping_mul(inverse)));
        }
        Self { shift, inverse, limit: u64::MAX / d }
    }

    #[inline]
    fn divides(&self, v: u64) -> bool {
        v.trailing_zeros() >= self.shift && (v >> self.shift).wrapping_mul(self.inverse) <= self.limit
    }
}

/// The gcd of `values` (1 if all are zero), computed on the first few and
/// checked on the rest without dividing.
fn scale_of(values: impl Iterator<Item = u64> + Clone) -> u64 {
    let g = gcd_all(values.clone().take(16));
    let g = if g > 1 {
        let d = Divisor::new(g);
        if values.clone().skip(16).all(|v| d.divides(v)) { g } else { gcd_all(values) }
    } else {
        gcd_all(values)
    };
    g.max(1)
}

/// Appends the column `values` (the count is stored elsewhere).
pub(crate) fn put_ints(out: &mut Vec<u8>, values: &[i64]) {
    let Some((&first, rest)) = values.split_first() else {
        out.extend_from_slice(&[MODE_OFFSET, 0]);
        put_ivarint(out, 0);
        put_varint(out, 1);
        return;
    };
    let (mut min, mut max) = (first, first);
    let (mut dmin, mut dmax) = (i64::MAX, i64::MIN);
    let mut deltas_fit = true;
    let mut prev = first;
    for &v in rest {
        min = min.min(v);
        max = max.max(v);
        match v.checked_sub(prev) {
            Some(d) => {
                dmin = dmin.min(d);
                dmax = dmax.max(d);
            }
            None => deltas_fit = false,
        }
        prev = v;
    }
    let n = values.len() as u64;
    let offsets = || values.iter().map(move |&v| v.wrapping_sub(min) as u64);
    let offset_scale = if max == min { 1 } else { scale_of(offsets()) };
    let offset_width = bits(max.wrapping_sub(min) as u64 / offset_scale);
    if deltas_fit && !rest.is_empty() && offset_width > 0 {
        let deltas = || values.windows(2).map(move |w| w[1].wrapping_sub(w[0]).wrapping_sub(dmin) as u64);
        let spread = dmax.wrapping_sub(dmin) as u64;
        let scale = if spread == 0 { 1 } else { scale_of(deltas()) };
        let width = bits(spread / scale);
        if (n - 1) * u64::from(width) < n * u64::from(offset_width) {
            out.extend_from_slice(&[MODE_DELTA, width as u8]);
            put_ivarint(out, first);
            put_ivarint(out, dmin);
            put_varint(out, scale);
            pack(out, deltas().map(|d| d / scale), width);
            return;
        }
    }
    out.extend_from_slice(&[MODE_OFFSET, offset_width as u8]);
    put_ivarint(out, min);
    put_varint(out, offset_scale);
    pack(out, offsets().map(|u| u / offset_scale), offset_width);
}

/// Appends a column of non-negative numbers (indexes, counts, lengths).
pub(crate) fn put_uints(out: &mut Vec<u8>, values: impl Iterator<Item = u64>) {
    let values: Vec<i64> = values.map(|v| v as i64).collect();
    put_ints(out, &values);
}

/// Reads a column of `n` values.
pub(crate) fn read_ints(r: &mut Reader<'_>, n: usize) -> Result<Vec<i64>> {
    let mode = r.u8()?;
    let width = u32::from(r.u8()?);
    if width > 64 {
        return Err(r.err("integer column wider than 64 bits"));
    }
    let base = r.ivarint()?;
    let mut out = Vec::with_capacity(n);
    match mode {
        MODE_OFFSET => {
            let scale = read_scale(r)?;
            unpack(r, n, width, |u| out.push(base.wrapping_add(u.wrapping_mul(scale) as i64)))?;
        }
        MODE_DELTA => {
            let lo = r.ivarint()?;
            let scale = read_scale(r)?;
            if n == 0 {
                return Err(r.err("delta column without values"));
            }
            let mut v = base;
            out.push(v);
            unpack(r, n - 1, width, |u| {
                v = v.wrapping_add(lo).wrapping_add(u.wrapping_mul(scale) as i64);
                out.push(v);
            })?;
        }
        _ => return Err(r.err("unknown integer column mode")),
    }
    Ok(out)
}

/// Reads a column of `n` values that must each be at most `max`.
pub(crate) fn read_uints(r: &mut Reader<'_>, n: usize, max: u64) -> Result<Vec<u32>> {
    let max = max.min(u64::from(u32::MAX)) as i64;
    let values = read_ints(r, n)?;
    if values.iter().any(|&v| !(0..=max).contains(&v)) {
        return Err(r.err("index or length out of range"));
    }
    Ok(values.into_iter().map(|v| v as u32).collect())
}

fn read_scale(r: &mut Reader<'_>) -> Result<u64> {
    match r.varint()? {
        0 => Err(r.err("integer column scale is zero")),
        s => Ok(s),
    }
}

fn pack(out: &mut Vec<u8>, values: impl Iterator<Item = u64>, width: u32) {
    if width == 0 {
        return;
    }
    let mut acc: u128 = 0;
    let mut filled = 0u32;
    for v in values {
        acc |= u128::from(v) << filled;
        filled += width;
        if filled >= 64 {
            out.extend_from_slice(&(acc as u64).to_le_bytes());
            acc >>= 64;
            filled -= 64;
        }
    }
    let tail = filled.div_ceil(8) as usize;
    out.extend_from_slice(&(acc as u64).to_le_bytes()[..tail]);
}

/// Calls `f` with each of `n` values of `width` bits.
fn unpack(r: &mut Reader<'_>, n: usize, width: u32, mut f: impl FnMut(u64)) -> Result<()> {
    if width == 0 {
        (0..n).for_each(|_| f(0));
        return Ok(());
    }
    let total_bits = (n as u64).checked_mul(u64::from(width)).ok_or_else(|| r.err("column too long"))?;
    let len = usize::try_from(total_bits.div_ceil(8)).map_err(|_| r.err("column too long"))?;
    let bytes = r.bytes(len)?;
    let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
    // Values of up to 56 bits: one unaligned 8-byte load each, with no
    // dependency between values, while 8 bytes remain.
    let w = width as usize;
    let mut done = 0usize;
    if w <= 56 {
        while done < n {
            let bit = done * w;
            let at = bit >> 3;
            let Some(c) = bytes.get(at..at + 8) else { break };
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            f((word >> (bit & 7)) & mask);
            done += 1;
        }
    }
    // The rest with a bit reader: `acc` holds `filled` unread bits,
    // refilled 32 bits at a time (byte by byte at the end).
    let skip = done * w;
    let mut at = skip >> 3;
    let mut acc: u128 = u128::from(bytes.get(at).copied().unwrap_or(0) >> (skip & 7));
    let mut filled = if done < n { 8 - (skip & 7) as u32 } else { 0 };
    if done < n {
        at += 1;
    }
    for _ in done..n {
        while filled < width {
            if let Some(c) = bytes.get(at..at + 4) {
                acc |= u128::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])) << filled;
                at += 4;
                filled += 32;
            } else {
                let b = bytes.get(at).copied().ok_or_else(|| r.err("column too short"))?;
                acc |= u128::from(b) << filled;
                at += 1;
                filled += 8;
            }
        }
        f(acc as u64 & mask);
        acc >>= width;
        filled -= width;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Part;

    fn round_trip(values: &[i64]) -> usize {
        let mut out = Vec::new();
        put_ints(&mut out, values);
        let mut r = Reader::new(&out, Part::Head);
        assert_eq!(read_ints(&mut r, values.len()).unwrap(), values);
        r.finish().unwrap();
        out.len()
    }

    #[test]
    fn sequences_and_constants_pack_to_nothing() {
        let ids: Vec<i64> = (1_000..2_024).collect();
        assert!(round_trip(&ids) < 10);
        assert!(round_trip(&[42; 1000]) < 10);
    }

    #[test]
    fn millisecond_timestamps_divide_out_the_scale() {
        let ts: Vec<i64> = (0..1000).map(|i| 1_700_000_000_000_000 + (i * 7 % 13) * 1000).collect();
        // 13 distinct milliseconds: 4 bits each.
        assert!(round_trip(&ts) < 520);
    }

    #[test]
    fn extremes_round_trip() {
        round_trip(&[]);
        round_trip(&[i64::MIN]);
        round_trip(&[i64::MIN, i64::MAX, 0, -1, 1]);
        round_trip(&[i64::MAX, i64::MIN, i64::MAX]);
        round_trip(&[5, 3, 1, -1, -3]);
        let wide: Vec<i64> = (0..100).map(|i| if i % 2 == 0 { i64::MIN + i } else { i64::MAX - i }).collect();
        round_trip(&wide);
    }

    #[test]
    fn every_width_and_length_round_trips() {
        for width in 0..64 {
            for n in [1i64, 2, 7, 8, 9, 15, 16, 17, 77] {
                let values: Vec<i64> = (0..n)
                    .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64) >> (63 - width))
                    .collect();
                round_trip(&values);
            }
        }
    }

    #[test]
    fn divisibility_without_division() {
        for g in [1u64, 2, 3, 7, 10, 1000, 1024, 3 << 20, u64::MAX, (1 << 63) + 1] {
            let d = Divisor::new(g);
            for v in [0u64, 1, 2, 999, 1000, 2000, 3 << 20, u64::MAX, 1 << 63, 12_345_678_000] {
                assert_eq!(d.divides(v), v % g == 0, "{v} by {g}");
            }
        }
    }

    #[test]
    fn damaged_headers_are_errors() {
        let mut r = Reader::new(&[0, 65, 0, 1], Part::Head);
        assert!(read_ints(&mut r, 3).is_err());
        let mut r = Reader::new(&[7, 1, 0, 1], Part::Head);
        assert!(read_ints(&mut r, 3).is_err());
        let mut r = Reader::new(&[0, 8, 0, 0], Part::Head);
        assert!(read_ints(&mut r, 3).is_err());
        let mut r = Reader::new(&[0, 8, 0, 1, 1, 2], Part::Head);
        assert!(read_ints(&mut r, 3).is_err());
    }
}
