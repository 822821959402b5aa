//! Lower-casing and n-grams of message text, and the hashes the filters
//! store.
//!
//! Grams are byte windows of the *lower-cased* UTF-8 text (exactly
//! [`str::to_lowercase`], the folding [`contains_case_insensitive`] uses),
//! taken within one message. If `lower(message)` contains `lower(needle)`,
//! every gram of `lower(needle)` is a gram of `lower(message)`: a filter of
//! message grams never rejects a message that matches.
//!
//! A gram of `n` bytes `b0..b(n-1)` is the integer `Σ bj << 8(n-1-j)`, and
//! its hash is [`gram_hash`] of that integer.
//!
//! [`contains_case_insensitive`]: orion_core::model::log::contains_case_insensitive

use std::fmt::Write as _;

use serde_json::Value;

/// The finaliser of SplitMix64 (after adding the golden-ratio constant),
/// for tests that need well-spread hashes.
#[cfg(test)]
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Appends `lower(text)` (exactly `str::to_lowercase`) to `out`.
pub(crate) fn lower_into(out: &mut Vec<u8>, text: &str) {
    if text.is_ascii() {
        let start = out.len();
        out.extend_from_slice(text.as_bytes());
        out[start..].make_ascii_lowercase();
    } else {
        out.extend_from_slice(text.to_lowercase().as_bytes());
    }
}

/// The hash of a gram's integer `g`: `p ^ (p >> 32)` with
/// `p = (g ^ 0x5bd1e995) · 0x9E3779B97F4A7C15 (mod 2^64)`. One multiply;
/// the Bloom filters take their word from the low bits (mixed with the
/// product's high half) and their bits from the high bits.
#[inline]
pub(crate) fn gram_hash(g: u64) -> u64 {
    let p = (g ^ 0x5bd1_e995).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    p ^ (p >> 32)
}

/// Calls `f` with the hash of every `n`-byte window of `lower` (`n` in
/// 1..=4), in order, repeats included.
///
/// ASCII letters are lower-cased on the way, so an ASCII message can be
/// passed as it is; any other text must already be `to_lowercase`d
/// (which leaves no ASCII capital behind, and this leaves bytes >= 0x80
/// alone).
#[inline]
pub(crate) fn for_each_gram(lower: &[u8], n: usize, mut f: impl FnMut(u64)) {
    if n == 0 || n > 4 || lower.len() < n {
        return;
    }
    let mask: u64 = (1u64 << (8 * n)) - 1;
    let mut key = 0u64;
    for (i, &b) in lower.iter().enumerate() {
        key = ((key << 8) | u64::from(b.to_ascii_lowercase())) & mask;
        if i + 1 >= n {
            f(gram_hash(key));
        }
    }
}

/// Like [`for_each_gram`] for a text already lower-cased and followed by
/// at least 3 padding bytes (`padded.len() >= len + 3`): each gram is
/// one unaligned big-endian load, with no chain from byte to byte.
#[inline]
pub(crate) fn for_each_gram_padded(padded: &[u8], len: usize, n: usize, mut f: impl FnMut(u64)) {
    if n == 0 || n > 4 || len < n || padded.len() < len + 3 {
        return;
    }
    let shift = 8 * (4 - n as u32);
    for w in padded[..len + 3].windows(4).take(len + 1 - n) {
        f(gram_hash(u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]) >> shift)));
    }
}

/// The distinct gram hashes of `lower`.
pub(crate) fn gram_hashes(lower: &[u8], n: usize) -> Vec<u64> {
    let mut out = Vec::new();
    for_each_gram(lower, n, |h| out.push(h));
    out.sort_unstable();
    out.dedup();
    out
}

/// The text `metadata_equals` compares for a stored value: strings as
/// they are, numbers as their JSON text, booleans as `true`/`false`.
/// `None` for null, arrays and objects, which never equal anything.
pub(crate) fn value_text<'a>(value: &'a Value, scratch: &'a mut String) -> Option<&'a str> {
    match value {
        Value::String(s) => Some(s),
        Value::Number(n) => {
            scratch.clear();
            // Writing to a String cannot fail.
            let _ = write!(scratch, "{n}");
            Some(scratch)
        }
        Value::Bool(b) => Some(if *b { "true" } else { "false" }),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The hash of a metadata `key=value` pair: XXH3-64 of the key's bytes, a
/// 0xFF byte (never in UTF-8), and the value text's bytes.
pub(crate) fn pair_hash(key: &str, text: &str, scratch: &mut Vec<u8>) -> u64 {
    scratch.clear();
    scratch.extend_from_slice(key.as_bytes());
    scratch.push(0xff);
    scratch.extend_from_slice(text.as_bytes());
    xxhash_rust::xxh3::xxh3_64(scratch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use orion_core::model::log::metadata_equals;
    use serde_json::json;

    #[test]
    fn lowering_matches_to_lowercase() {
        for s in ["Hello WORLD", "İstanbul", "STRASSE ß", "\u{212A}elvin", "ΣΑΣ", "ǅ", ""] {
            let mut out = Vec::new();
            lower_into(&mut out, s);
            assert_eq!(out, s.to_lowercase().as_bytes());
        }
    }

    #[test]
    fn needle_grams_are_a_subset_of_message_grams() {
        let message = "Connection to DB-Primary İstanbul failed".to_lowercase();
        let needle = "db-PRIMARY İst".to_lowercase();
        for n in 1..=4 {
            let all = gram_hashes(message.as_bytes(), n);
            assert!(gram_hashes(needle.as_bytes(), n).iter().all(|h| all.binary_search(h).is_ok()));
        }
    }

    #[test]
    fn grams_are_windows_within_the_text() {
        let mut keys = Vec::new();
        for_each_gram(b"abcd", 3, |h| keys.push(h));
        assert_eq!(keys, vec![gram_hash(0x0061_6263), gram_hash(0x0062_6364)]);
        for_each_gram(b"ab", 3, |_| panic!("no gram in a short text"));
    }

    #[test]
    fn padded_grams_equal_rolling_grams() {
        for text in ["", "a", "ab", "abc", "abcd", "hello world", "grüße, İstanbul"] {
            let lower = text.to_lowercase();
            let mut padded = lower.clone().into_bytes();
            padded.extend_from_slice(&[0, 0, 0]);
            for n in 1..=4 {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for_each_gram(lower.as_bytes(), n, |h| a.push(h));
                for_each_gram_padded(&padded, lower.len(), n, |h| b.push(h));
                assert_eq!(a, b, "{text:?} n={n}");
            }
        }
    }

    #[test]
    fn value_text_agrees_with_metadata_equals() {
        let mut scratch = String::new();
        for v in [json!("eu-1"), json!(42), json!(-7), json!(1.5), json!(u64::MAX), json!(true), json!(false)]
        {
            let text = value_text(&v, &mut scratch).unwrap().to_owned();
            assert!(metadata_equals(&v, &text), "{v}");
        }
        for v in [json!(null), json!([1]), json!({"a": 1})] {
            assert_eq!(value_text(&v, &mut scratch), None);
        }
    }
}
