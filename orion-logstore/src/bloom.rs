//! A Bloom filter whose size is a power of two, so it can be *folded*:
//! OR-ing its upper half onto its lower half gives exactly the filter that
//! would have been built at half the size. Filters are built generously,
//! the number of distinct items is estimated from the bits set, and the
//! filter is then folded down to its target size or to the block's byte
//! budget.
//!
//! It is *blocked*: all `k` bits of an item lie in one 64-bit word, so an
//! insert or a probe touches one word. An item is a 64-bit hash `h`; its
//! word is `h mod 2^(log2 - 6)` (the low bits) and its bits within the
//! word are the 6-bit fields `(h >> (58 - 6i)) & 63` for `i` in `0..k`
//! (the high bits; `k <= 6`). Halving the word count keeps every bit in
//! place within its word, which is why folding is exact.
//!
//! Stored form: `u8 log2 · u8 k · 2^log2 / 8 bytes` (bit `p` is bit
//! `p % 8` of byte `p / 8`); `log2 = 0` stores nothing and means "no
//! information" (every probe passes).

use crate::error::Result;
use crate::wire::Reader;

/// Smallest filter: 64 bits.
pub(crate) const MIN_LOG2: u8 = 6;
/// Largest filter: 2^24 bits (2 MiB).
pub(crate) const MAX_LOG2: u8 = 24;
/// Most hash functions (bits per item) a stored filter may use.
pub(crate) const MAX_K: u8 = 6;

/// A Bloom filter, or the absence of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bloom {
    /// No information: everything may be present.
    All,
    /// A filter of `2^log2` bits.
    Bits {
        /// log2 of the size in bits.
        log2: u8,
        /// Hash functions per item.
        k: u8,
        /// The bits, 64 per word.
        words: Vec<u64>,
    },
}

/// The bits of an item within its word.
#[inline]
fn word_bits(h: u64, k: u8) -> u64 {
    let bit = |i: u32| 1u64 << ((h >> (58 - 6 * i)) & 63);
    match k {
        0 | 1 => bit(0),
        2 => bit(0) | bit(1),
        3 => bit(0) | bit(1) | bit(2),
        _ => (0..u32::from(k.min(MAX_K))).fold(0, |bits, i| bits | bit(i)),
    }
}

/// Adds an item to the words of a filter (a power of two of them).
#[inline]
pub(crate) fn insert_into(words: &mut [u64], k: u8, h: u64) {
    let i = (h as usize) & (words.len().max(1) - 1);
    if let Some(w) = words.get_mut(i) {
        *w |= word_bits(h, k);
    }
}

/// The estimated number of distinct items added to `words` with `k` bits
/// each, from the share of bits set.
pub(crate) fn estimate_items(words: &[u64], k: u8) -> f64 {
    let m = (words.len() * 64) as f64;
    let ones: u64 = words.iter().map(|w| u64::from(w.count_ones())).sum();
    let fill = ones as f64 / m;
    if fill >= 1.0 { f64::INFINITY } else { -(m / f64::from(k.max(1))) * (1.0 - fill).ln() }
}

impl Bloom {
    /// An empty filter of `2^log2` bits.
    pub(crate) fn new(log2: u8, k: u8) -> Self {
        let log2 = log2.clamp(MIN_LOG2, MAX_LOG2);
        Self::Bits { log2, k: k.clamp(1, MAX_K), words: vec![0; 1 << (log2 - 6)] }
    }

    /// The smallest log2 size giving `bits_per_item` bits to each of
    /// `items`, within the allowed range.
    pub(crate) fn log2_for(items: f64, bits_per_item: f64) -> u8 {
        let want = (items * bits_per_item).max(64.0);
        let log2 = want.log2().ceil();
        if log2 >= f64::from(MAX_LOG2) { MAX_LOG2 } else { (log2 as u8).max(MIN_LOG2) }
    }

    /// Adds an item.
    #[inline]
    pub(crate) fn insert(&mut self, h: u64) {
        if let Self::Bits { k, words, .. } = self {
            insert_into(words, *k, h);
        }
    }

    /// Whether the item may have been added (never a false "no").
    #[inline]
    pub(crate) fn may_contain(&self, h: u64) -> bool {
        match self {
            Self::All => true,
            Self::Bits { k, words, .. } => {
                let bits = word_bits(h, *k);
                // `words.len()` is a power of two.
                let i = (h as usize) & (words.len() - 1);
                words.get(i).is_some_and(|w| w & bits == bits)
            }
        }
    }

    /// A filter over the first `2^log2` bits of `scratch`, folded down
    /// from its full size (a power of two words): lets callers build in a
    /// reused buffer.
    pub(crate) fn from_scratch(scratch: &mut [u64], k: u8, log2: u8) -> Self {
        let mut len = scratch.len();
        let target = (1usize << (log2.max(MIN_LOG2) - 6)).min(len);
        while len > target {
            let half = len / 2;
            let (low, high) = scratch[..len].split_at_mut(half);
            for (l, h) in low.iter_mut().zip(high.iter()) {
                *l |= *h;
            }
            len = half;
        }
        Self::Bits { log2: (len.trailing_zeros() + 6) as u8, k, words: scratch[..len].to_vec() }
    }

    /// The size in bytes when stored.
    pub(crate) fn stored_len(&self) -> usize {
        match self {
            Self::All => 1,
            Self::Bits { words, .. } => 2 + words.len() * 8,
        }
    }

    /// The size of the bit array in bits (0 for [`Bloom::All`]).
    pub(crate) fn log2(&self) -> u8 {
        match self {
            Self::All => 0,
            Self::Bits { log2, .. } => *log2,
        }
    }

    /// The share of bits set (1.0 for [`Bloom::All`]).
    pub(crate) fn fill(&self) -> f64 {
        match self {
            Self::All => 1.0,
            Self::Bits { words, .. } => {
                let ones: u64 = words.iter().map(|w| u64::from(w.count_ones())).sum();
                ones as f64 / (words.len() * 64) as f64
            }
        }
    }

    /// The number of distinct items added, estimated from the fill.
    #[cfg(test)]
    pub(crate) fn estimated_items(&self) -> f64 {
        match self {
            Self::All => f64::INFINITY,
            Self::Bits { k, words, .. } => estimate_items(words, *k),
        }
    }

    /// Folds down to `2^log2` bits (no-op if already that small).
    pub(crate) fn fold_to(&mut self, target: u8) {
        if let Self::Bits { log2, words, .. } = self {
            let target = target.max(MIN_LOG2);
            while *log2 > target {
                let half = words.len() / 2;
                let (low, high) = words.split_at_mut(half);
                for (l, h) in low.iter_mut().zip(high.iter()) {
                    *l |= *h;
                }
                words.truncate(half);
                *log2 -= 1;
            }
        }
    }

    /// Replaces a nearly full filter (which prunes almost nothing) by
    /// [`Bloom::All`], saving its bytes.
    pub(crate) fn drop_if_saturated(&mut self, max_fill: f64) {
        if matches!(self, Self::Bits { .. }) && self.fill() > max_fill {
            *self = Self::All;
        }
    }

    /// Appends the stored form.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::All => out.push(0),
            Self::Bits { log2, k, words } => {
                out.extend_from_slice(&[*log2, *k]);
                for w in words {
                    out.extend_from_slice(&w.to_le_bytes());
                }
            }
        }
    }

    /// Reads the stored form.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        let log2 = r.u8()?;
        if log2 == 0 {
            return Ok(Self::All);
        }
        if !(MIN_LOG2..=MAX_LOG2).contains(&log2) {
            return Err(r.err("Bloom filter size out of range"));
        }
        let k = r.u8()?;
        if k == 0 || k > MAX_K {
            return Err(r.err("Bloom filter hash count out of range"));
        }
        let bytes = r.bytes(1 << (log2 - 3))?;
        let words = bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        Ok(Self::Bits { log2, k, words })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Part;

    fn h(i: u64) -> u64 {
        crate::grams::mix(i)
    }

    #[test]
    fn no_false_negatives_and_few_false_positives() {
        let mut b = Bloom::new(14, 3);
        for i in 0..1_000 {
            b.insert(h(i));
        }
        assert!((0..1_000).all(|i| b.may_contain(h(i))));
        // 16 bits per item, 3 bits in one word: ~0.6%.
        let false_pos = (1_000..11_000).filter(|&i| b.may_contain(h(i))).count();
        assert!(false_pos < 150, "{false_pos} false positives of 10,000");
    }

    #[test]
    fn folding_equals_building_smaller() {
        let mut big = Bloom::new(16, 2);
        let mut small = Bloom::new(11, 2);
        for i in 0..700 {
            big.insert(h(i));
            small.insert(h(i));
        }
        big.fold_to(11);
        assert_eq!(big, small);
        assert!((0..700).all(|i| big.may_contain(h(i))));
    }

    #[test]
    fn building_in_scratch_equals_building_at_size() {
        let mut scratch = vec![0u64; 1 << 10];
        let mut direct = Bloom::new(12, 2);
        for i in 0..300 {
            insert_into(&mut scratch, 2, h(i));
            direct.insert(h(i));
        }
        assert_eq!(Bloom::from_scratch(&mut scratch, 2, 12), direct);
    }

    #[test]
    fn estimates_distinct_items_from_the_fill() {
        let mut b = Bloom::new(18, 2);
        for i in 0..5_000 {
            b.insert(h(i % 2_500));
        }
        let n = b.estimated_items();
        assert!((2_300.0..2_700.0).contains(&n), "estimated {n}");
    }

    #[test]
    fn stored_form_round_trips_and_rejects_bad_sizes() {
        let mut b = Bloom::new(9, 2);
        b.insert(h(7));
        let mut out = Vec::new();
        b.write(&mut out);
        Bloom::All.write(&mut out);
        assert_eq!(out.len(), b.stored_len() + 1);
        let mut r = Reader::new(&out, Part::Filter);
        assert_eq!(Bloom::read(&mut r).unwrap(), b);
        assert_eq!(Bloom::read(&mut r).unwrap(), Bloom::All);
        r.finish().unwrap();
        assert!(Bloom::read(&mut Reader::new(&[30, 2], Part::Filter)).is_err());
        assert!(Bloom::read(&mut Reader::new(&[6, 0], Part::Filter)).is_err());
        assert!(Bloom::read(&mut Reader::new(&[6, 7], Part::Filter)).is_err());
        assert!(Bloom::read(&mut Reader::new(&[6, 2, 0], Part::Filter)).is_err());
    }

    #[test]
    fn saturated_filters_are_dropped() {
        let mut b = Bloom::new(6, 2);
        for i in 0..1_000 {
            b.insert(h(i));
        }
        b.drop_if_saturated(0.95);
        assert_eq!(b, Bloom::All);
        assert!(b.may_contain(12345));
    }
}
