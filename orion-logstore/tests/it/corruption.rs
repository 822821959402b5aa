//! Damaged bytes in any part give an error, never a panic.

use orion_logstore::{
    BlockError, EncodedBlock, Part, decode_block, decode_filter, decode_frame, decode_head, decode_metadata,
    encode_block,
};
use rand::Rng;
use rand::rngs::StdRng;

use crate::arb;
use crate::support::{for_seeds, project};

fn decode_part(part: Part, bytes: &[u8]) -> Result<(), BlockError> {
    match part {
        Part::Filter => decode_filter(bytes).map(drop),
        Part::Head => decode_head(bytes).map(drop),
        Part::Metadata => decode_metadata(bytes).map(drop),
        Part::Frame => decode_frame(bytes).map(drop),
    }
}

fn pick_part(rng: &mut StdRng, block: &EncodedBlock) -> (Part, Vec<u8>) {
    match rng.random_range(0..4) {
        0 => (Part::Filter, block.filter.clone()),
        1 => (Part::Head, block.head.clone()),
        2 => (Part::Metadata, block.metadata.clone()),
        _ => (Part::Frame, block.frames[rng.random_range(0..block.frames.len())].clone()),
    }
}

/// Rewrites the trailing CRC so the damage gets past the checksum and
/// into the parsers.
fn reseal(bytes: &mut [u8]) {
    if bytes.len() >= 4 {
        let n = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..n]);
        bytes[n..].copy_from_slice(&crc.to_le_bytes());
    }
}

#[test]
fn flipped_or_truncated_bytes_are_errors() {
    for_seeds(40_000, 300, |rng| {
        let n = rng.random_range(1..300);
        let block = encode_block(&arb::entries(rng, n)).unwrap();
        for _ in 0..20 {
            let (part, mut bytes) = pick_part(rng, &block);
            match rng.random_range(0..3) {
                0 => {
                    // One changed byte: CRC-32 always detects it.
                    let i = rng.random_range(0..bytes.len());
                    bytes[i] ^= rng.random_range(1..=255u8);
                }
                1 => bytes.truncate(rng.random_range(0..bytes.len())),
                _ => bytes.extend((0..rng.random_range(1..8)).map(|_| rng.random::<u8>())),
            }
            let err = decode_part(part, &bytes).expect_err("damage must be detected");
            assert!(
                matches!(err, BlockError::Corrupt { part: p, .. } | BlockError::UnsupportedVersion { part: p, .. } if p == part),
                "{err:?}"
            );
        }
    });
}

#[test]
fn damage_behind_a_valid_checksum_never_panics() {
    for_seeds(41_000, 300, |rng| {
        let n = rng.random_range(1..200);
        let block = encode_block(&arb::entries(rng, n)).unwrap();
        for _ in 0..30 {
            let (part, mut bytes) = pick_part(rng, &block);
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random();
            }
            if rng.random_bool(0.2) {
                let len = rng.random_range(10..=bytes.len().max(10));
                bytes.truncate(len);
            }
            reseal(&mut bytes);
            // Any result is fine, as long as it is a result.
            let _ = decode_part(part, &bytes);
        }
    });
}

#[test]
fn garbage_never_panics() {
    for_seeds(42_000, 2_000, |rng| {
        let len = rng.random_range(0..64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if let Some(b) = bytes.first_mut() {
            *b = 1;
        }
        if bytes.len() > 1 {
            bytes[1] = [b'F', b'H', b'M', b'T'][rng.random_range(0..4)];
        }
        reseal(&mut bytes);
        for part in [Part::Filter, Part::Head, Part::Metadata, Part::Frame] {
            let _ = decode_part(part, &bytes);
        }
    });
}

#[test]
fn parts_of_different_blocks_do_not_combine() {
    for_seeds(43_000, 20, |rng| {
        let a = encode_block(&arb::entries(rng, 10)).unwrap();
        let b = encode_block(&arb::entries(rng, 10)).unwrap();
        if a.summary.block_tag() == b.summary.block_tag() {
            return;
        }
        let err = decode_block(&a.head, &b.metadata, &a.frames, project()).unwrap_err();
        assert_eq!(err, BlockError::Mismatch { part: Part::Metadata });
        let err = decode_block(&a.head, &a.metadata, &b.frames, project()).unwrap_err();
        assert_eq!(err, BlockError::Mismatch { part: Part::Frame });
        let filter = decode_filter(&b.filter).unwrap();
        let q = orion_logstore::Query::new(&orion_logstore::LogFilter::default());
        assert_eq!(
            orion_logstore::prune(&a.summary, &filter, &q),
            Err(BlockError::Mismatch { part: Part::Filter })
        );
        // Mixing the part kinds is caught too.
        assert!(decode_head(&a.metadata).is_err());
        assert!(decode_frame(&a.head).is_err());
    });
}
