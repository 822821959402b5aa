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

/// The gcd of all values (1 when they are all zero); stops early at 1.
fn gcd_all(values: impl Iterator<Item = u64>) -> u64 {
    let mut g = 0u64;
    for v in values {
        g = gcd(g, v);
        if g == 1 {
            return 1;
        }
    }
    g.max(1)
}

fn bits(v: u64) -> u32 {
    64 - v.leading_zeros()
}

/// Appends the column `values` (the count is stored elsewhere).
pub(crate) fn put_ints(out: &mut Vec<u8>, values: &[i64]) {
    let Some((&first, _)) = values.split_first() else {
        out.extend_from_slice(&[MODE_OFFSET, 0]);
        put_ivarint(out, 0);
        put_varint(out, 1);
        return;
    };
    let (min, max) = values.iter().fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let offset_scale = gcd_all(values.iter().map(|&v| v.wrapping_sub(min) as u64));
    let offset_width = bits(max.wrapping_sub(min) as u64 / offset_scale);

    // Deltas in i128 cannot overflow; the column only takes the delta form
    // when the spread of deltas fits in 64 bits.
    let deltas = || values.windows(2).map(|w| i128::from(w[1]) - i128::from(w[0]));
    let delta = deltas().min().and_then(|lo| {
        let hi = deltas().max()?;
        let spread = u64::try_from(hi - lo).ok()?;
        let scale = gcd_all(deltas().map(|d| (d - lo) as u64));
        Some((lo, scale, bits(spread / scale)))
    });
    let n = values.len() as u64;
    match delta {
        Some((lo, scale, width)) if (n - 1) * u64::from(width) < n * u64::from(offset_width) => {
            out.extend_from_slice(&[MODE_DELTA, width as u8]);
            put_ivarint(out, first);
            put_ivarint(out, lo as i64);
            put_varint(out, scale);
            pack(out, deltas().map(|d| (d - lo) as u64 / scale), width);
        }
        _ => {
            out.extend_from_slice(&[MODE_OFFSET, offset_width as u8]);
            put_ivarint(out, min);
            put_varint(out, offset_scale);
            pack(out, values.iter().map(|&v| v.wrapping_sub(min) as u64 / offset_scale), offset_width);
        }
    }
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
    match mode {
        MODE_OFFSET => {
            let scale = read_scale(r)?;
            let packed = unpack(r, n, width)?;
            Ok(packed.into_iter().map(|u| base.wrapping_add(u.wrapping_mul(scale) as i64)).collect())
        }
        MODE_DELTA => {
            let lo = r.ivarint()?;
            let scale = read_scale(r)?;
            if n == 0 {
                return Err(r.err("delta column without values"));
            }
            let packed = unpack(r, n - 1, width)?;
            let mut out = Vec::with_capacity(n);
            let mut v = base;
            out.push(v);
            for u in packed {
                v = v.wrapping_add(lo).wrapping_add(u.wrapping_mul(scale) as i64);
                out.push(v);
            }
            Ok(out)
        }
        _ => Err(r.err("unknown integer column mode")),
    }
}

/// Reads a column of `n` values that must each be at most `max`.
pub(crate) fn read_uints(r: &mut Reader<'_>, n: usize, max: u64) -> Result<Vec<u32>> {
    let max = max.min(u64::from(u32::MAX));
    read_ints(r, n)?
        .into_iter()
        .map(|v| match u32::try_from(v) {
            Ok(v) if u64::from(v) <= max => Ok(v),
            _ => Err(r.err("index or length out of range")),
        })
        .collect()
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

fn unpack(r: &mut Reader<'_>, n: usize, width: u32) -> Result<Vec<u64>> {
    if width == 0 {
        return Ok(vec![0; n]);
    }
    let total_bits = (n as u64).checked_mul(u64::from(width)).ok_or_else(|| r.err("column too long"))?;
    let len = usize::try_from(total_bits.div_ceil(8)).map_err(|_| r.err("column too long"))?;
    let bytes = r.bytes(len)?;
    let mut padded = Vec::with_capacity(len + 16);
    padded.extend_from_slice(bytes);
    padded.extend_from_slice(&[0; 16]);
    let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
    let mut out = Vec::with_capacity(n);
    let w = width as usize;
    for i in 0..n {
        let bit = i * w;
        let at = bit >> 3;
        let word = padded.get(at..at + 16).ok_or_else(|| r.err("column too short"))?;
        let mut b = [0u8; 16];
        b.copy_from_slice(word);
        let v = (u128::from_le_bytes(b) >> (bit & 7)) as u64;
        out.push(v & mask);
    }
    Ok(out)
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
    fn every_width_round_trips() {
        for width in 0..64 {
            let values: Vec<i64> = (0..77i64)
                .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64) >> (63 - width))
                .collect();
            round_trip(&values);
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
