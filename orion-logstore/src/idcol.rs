//! The head's id column, whole or split in two.
//!
//! ```text
//! whole   ints(id)
//! split   u8 bits · ints(id >> bits) · ints(id & (2^bits - 1))
//! ```
//!
//! Ids are often composite: the storage crate hands out `block << 16 |
//! ordinal`, with ordinals below ~1,024. Once a merge sorts a block by
//! time, its ids come from hundreds of source blocks in no order, and a
//! single column pays for the 16-bit gap between the used ordinals and the
//! block number on every value (~26 bits where ~20 carry information).
//! Split at the right bit, each half packs to its own width. Blocks whose
//! ids ascend (every ingest block) pack to almost nothing whole and never
//! try the split.

use crate::error::Result;
use crate::intcol::{put_ints, read_ints};
use crate::wire::Reader;

/// The split points tried, low bits first.
const SPLITS: [u8; 4] = [8, 12, 16, 20];

/// Appends the id column; returns whether it was split (the head's flag).
pub(crate) fn put_ids(out: &mut Vec<u8>, ids: &[i64]) -> bool {
    let mut whole = Vec::new();
    put_ints(&mut whole, ids);
    let mut best: Option<Vec<u8>> = None;
    if !ids.is_sorted() {
        for bits in SPLITS {
            let split = split_at(ids, bits);
            if split.len() < best.as_ref().map_or(whole.len(), Vec::len) {
                best = Some(split);
            }
        }
    }
    match best {
        Some(split) => {
            out.extend_from_slice(&split);
            true
        }
        None => {
            out.extend_from_slice(&whole);
            false
        }
    }
}

fn split_at(ids: &[i64], bits: u8) -> Vec<u8> {
    let mask = (1i64 << bits) - 1;
    let high: Vec<i64> = ids.iter().map(|id| id >> bits).collect();
    let low: Vec<i64> = ids.iter().map(|id| id & mask).collect();
    let mut out = vec![bits];
    put_ints(&mut out, &high);
    put_ints(&mut out, &low);
    out
}

/// Reads `n` ids written by [`put_ids`] (`split` being what it returned).
pub(crate) fn read_ids(r: &mut Reader<'_>, n: usize, split: bool) -> Result<Vec<i64>> {
    if !split {
        return read_ints(r, n);
    }
    let bits = u32::from(r.u8()?);
    if !(1..=62).contains(&bits) {
        return Err(r.err("id column split out of range"));
    }
    let high = read_ints(r, n)?;
    let low = read_ints(r, n)?;
    let mask = (1i64 << bits) - 1;
    if low.iter().any(|&l| l & !mask != 0) {
        return Err(r.err("id column's low part wider than its split"));
    }
    // Wrapping: a damaged high part yields wrong ids (the checksum's
    // job), not a panic.
    Ok(high.into_iter().zip(low).map(|(h, l)| h.wrapping_shl(bits) | l).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Part;

    fn round_trip(ids: &[i64]) -> (bool, usize) {
        let mut out = Vec::new();
        let split = put_ids(&mut out, ids);
        let mut r = Reader::new(&out, Part::Head);
        assert_eq!(read_ids(&mut r, ids.len(), split).unwrap(), ids);
        r.finish().unwrap();
        (split, out.len())
    }

    #[test]
    fn composite_ids_in_time_order_split_at_the_ordinal() {
        // 1,024 entries of a merged block: from 512 source blocks (numbers
        // 7,000 up), 2 entries each at ordinals below 1,000, shuffled.
        let ids: Vec<i64> =
            (0..1_024i64).map(|i| ((7_000 + (i * 389) % 512) << 16) | ((i * 577) % 1_000)).collect();
        let (split, len) = round_trip(&ids);
        assert!(split);
        let mut whole = Vec::new();
        put_ints(&mut whole, &ids);
        // 9 + 10 bits against 25.
        assert!(len * 5 < whole.len() * 4, "{len} against {}", whole.len());
    }

    #[test]
    fn ascending_ids_stay_whole() {
        let ids: Vec<i64> = (0..1_000).map(|i| (5 << 16) | i).collect();
        let (split, len) = round_trip(&ids);
        assert!(!split);
        assert!(len < 10, "{len} bytes");
    }

    #[test]
    fn shuffled_plain_ids_are_kept_whole_when_splitting_gains_nothing() {
        let ids: Vec<i64> = (0..777).map(|i| (i * 331) % 777).collect();
        assert!(!round_trip(&ids).0);
    }

    #[test]
    fn extremes_round_trip() {
        round_trip(&[i64::MAX, 0, 1 << 53, 3]);
        round_trip(&[(1 << 53) - 1, 1 << 20, 65_535, 65_536]);
    }

    #[test]
    fn damaged_splits_are_errors() {
        let mut out = vec![0];
        put_ints(&mut out, &[1, 2]);
        put_ints(&mut out, &[0, 0]);
        assert!(read_ids(&mut Reader::new(&out, Part::Head), 2, true).is_err());
        // A low part wider than the split.
        let mut out = vec![4];
        put_ints(&mut out, &[1, 2]);
        put_ints(&mut out, &[3, 99]);
        assert!(read_ids(&mut Reader::new(&out, Part::Head), 2, true).is_err());
    }
}
