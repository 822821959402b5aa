//! The head's `received_at` column, in whichever of three modes packs
//! smallest:
//!
//! ```text
//! u8 mode · ints(values)
//!   0 as is, in storage order
//!   1 minus each entry's timestamp, in storage order (agents that send
//!     promptly: the lag is small even when the times are spread)
//!   2 as is, in ascending id order (merged blocks: ids are handed out in
//!     arrival order, so `received_at` rises with the id even where storage
//!     order, by timestamp, shuffles both)
//! ```
//!
//! Mode 2 matters when timestamps and arrival disagree (backfills,
//! batches of old lines, the benchmarks' spread): sorted by time, a
//! block's arrival times cost the width of the whole ingest period each;
//! sorted by id they rise in small steps. Ids are unique within a block,
//! so the id order is one permutation, rebuilt on decode.

use crate::error::Result;
use crate::intcol::{put_ints, read_ints};
use crate::wire::Reader;

const AS_IS: u8 = 0;
const MINUS_TIMESTAMP: u8 = 1;
const BY_ID: u8 = 2;

/// Appends the column of `received` (storage order) beside `ids` and
/// `timestamps` (the same order).
pub(crate) fn put_received(out: &mut Vec<u8>, ids: &[i64], timestamps: &[i64], received: &[i64]) {
    let mut best = (AS_IS, Vec::new());
    put_ints(&mut best.1, received);
    let relative: Vec<i64> = received.iter().zip(timestamps).map(|(r, t)| r.wrapping_sub(*t)).collect();
    consider(&mut best, MINUS_TIMESTAMP, &relative);
    // Ids already ascending (every ingest block): mode 2 would equal mode 0.
    if !ids.is_sorted() {
        let by_id: Vec<i64> = id_order(ids).into_iter().map(|i| received[i]).collect();
        consider(&mut best, BY_ID, &by_id);
    }
    out.push(best.0);
    out.extend_from_slice(&best.1);
}

/// Keeps `values` under `mode` if they pack smaller than the best so far.
fn consider(best: &mut (u8, Vec<u8>), mode: u8, values: &[i64]) {
    let mut packed = Vec::new();
    put_ints(&mut packed, values);
    if packed.len() < best.1.len() {
        *best = (mode, packed);
    }
}

/// Reads the column of `ids.len()` values back into storage order.
pub(crate) fn read_received(r: &mut Reader<'_>, ids: &[i64], timestamps: &[i64]) -> Result<Vec<i64>> {
    let mode = r.u8()?;
    let mut values = read_ints(r, ids.len())?;
    match mode {
        AS_IS => {}
        MINUS_TIMESTAMP => values.iter_mut().zip(timestamps).for_each(|(v, t)| *v = v.wrapping_add(*t)),
        BY_ID => {
            let mut stored = vec![0i64; ids.len()];
            for (position, value) in id_order(ids).into_iter().zip(values) {
                stored[position] = value;
            }
            values = stored;
        }
        _ => return Err(r.err("unknown received_at mode")),
    }
    Ok(values)
}

/// Storage positions by ascending id (ties, which a sound block never
/// has, by position: a damaged one still decodes to something checkable).
fn id_order(ids: &[i64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| (ids[i], i));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Part;

    fn round_trip(ids: &[i64], timestamps: &[i64], received: &[i64]) -> (u8, usize) {
        let mut out = Vec::new();
        put_received(&mut out, ids, timestamps, received);
        let mut r = Reader::new(&out, Part::Head);
        assert_eq!(read_received(&mut r, ids, timestamps).unwrap(), received);
        r.finish().unwrap();
        (out[0], out.len())
    }

    /// `n` entries sorted by timestamp whose ids (and arrival) follow a
    /// shuffled order, as in a merged block of backfilled lines.
    fn shuffled(n: i64) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
        let ids: Vec<i64> = (0..n).map(|i| 1_000 + (i * 7_919) % n).collect();
        let timestamps: Vec<i64> = (0..n).map(|i| 1_700_000_000_000_000 + i * 1_000).collect();
        // Each request of 8 entries arrives 3 ms after the one before.
        let received = ids.iter().map(|id| 1_800_000_000_000_000 + (id - 1_000) / 8 * 3_000).collect();
        (ids, timestamps, received)
    }

    #[test]
    fn arrival_that_rises_with_the_id_is_stored_in_id_order() {
        let (ids, timestamps, received) = shuffled(1_024);
        let (mode, len) = round_trip(&ids, &timestamps, &received);
        assert_eq!(mode, BY_ID);
        let mut storage_order = Vec::new();
        put_ints(&mut storage_order, &received);
        // 1 bit a value in id order against 7 in storage order.
        assert!(len * 4 < storage_order.len(), "{len} against {}", storage_order.len());
    }

    #[test]
    fn a_small_lag_behind_the_timestamp_is_stored_as_the_lag() {
        let (ids, timestamps, _) = shuffled(512);
        let received: Vec<i64> = timestamps.iter().map(|t| t + 250_000).collect();
        assert_eq!(round_trip(&ids, &timestamps, &received).0, MINUS_TIMESTAMP);
    }

    #[test]
    fn ascending_ids_never_pay_for_the_permutation() {
        let ids: Vec<i64> = (1..=300).collect();
        let timestamps: Vec<i64> = ids.iter().map(|i| i * 977 % 300 * 1_000_000).collect();
        let received: Vec<i64> = ids.iter().map(|i| 5_000_000_000 + i / 10 * 1_000).collect();
        assert_eq!(round_trip(&ids, &timestamps, &received).0, AS_IS);
    }

    #[test]
    fn every_mode_round_trips_odd_columns() {
        round_trip(&[1], &[i64::MAX], &[i64::MIN]);
        round_trip(&[3, 1, 2], &[0, 0, 0], &[i64::MAX, i64::MIN, 0]);
        round_trip(&[9, 4, 7, 1], &[10, 20, 30, 40], &[4, 1, 3, 0]);
    }

    #[test]
    fn an_unknown_mode_is_an_error() {
        let mut out = vec![3];
        put_ints(&mut out, &[1, 2]);
        assert!(read_received(&mut Reader::new(&out, Part::Head), &[1, 2], &[0, 0]).is_err());
    }
}
