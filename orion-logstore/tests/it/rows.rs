//! Entries lent in place ([`BlockRows`]) read exactly like the owned
//! entries decoding gives: every field, metadata byte for byte as
//! `serde_json` writes the `Map`, in the order pushed, across blocks.

use std::sync::Arc;

use orion_core::model::log::{EntryView, LogEntry};
use orion_logstore::{
    BlockError, BlockRows, EncodeOptions, EncodedBlock, Frame, Part, decode_block, decode_frame, decode_head,
    decode_metadata, encode_block_with,
};
use rand::Rng;

use crate::arb;
use crate::support::{for_seeds, project};

/// What a view says, owned, to compare with an entry.
#[derive(Debug, PartialEq)]
struct Seen {
    id: i64,
    timestamp: String,
    received_at: String,
    level: String,
    message: String,
    tags: Vec<String>,
    source: Option<String>,
    server_id: Option<String>,
    metadata: String,
}

fn seen(v: &EntryView<'_>) -> Seen {
    let mut metadata = Vec::new();
    v.metadata.write_json(&mut metadata);
    Seen {
        id: v.id,
        timestamp: v.timestamp.to_rfc3339(),
        received_at: v.received_at.to_rfc3339(),
        level: v.level.as_str().to_owned(),
        message: v.message.to_owned(),
        tags: v.tags.iter().map(str::to_owned).collect(),
        source: v.source.map(str::to_owned),
        server_id: v.server_id.map(str::to_owned),
        metadata: String::from_utf8(metadata).expect("metadata is UTF-8 JSON"),
    }
}

fn owned(e: &LogEntry) -> Seen {
    seen(&EntryView::of(e))
}

/// A block's decoded parts: head, metadata if any, and every frame.
fn parts(
    block: &EncodedBlock,
) -> (Arc<orion_logstore::Head>, Option<Arc<orion_logstore::Metadata>>, Vec<Arc<Frame>>) {
    let head = Arc::new(decode_head(&block.head).expect("head"));
    let metadata = head.has_metadata().then(|| Arc::new(decode_metadata(&block.metadata).expect("metadata")));
    let frames = block.frames.iter().map(|f| Arc::new(decode_frame(f).expect("frame"))).collect();
    (head, metadata, frames)
}

#[test]
fn lent_entries_read_like_decoded_ones_across_blocks_in_any_order() {
    for_seeds(500, 400, |rng| {
        let mut expected = Vec::new();
        let mut rows = BlockRows::new();
        let mut pushes = Vec::new();
        for _ in 0..rng.random_range(1..=3) {
            let n = arb::block_size(rng);
            let entries = arb::entries(rng, n);
            let mut options = EncodeOptions::ingest();
            options.frame_entries = [256, 1, 7, 100][rng.random_range(0..4)];
            let block = encode_block_with(&entries, &options).expect("encode");
            let decoded =
                decode_block(&block.head, &block.metadata, &block.frames, project()).expect("decode");
            let (head, metadata, frames) = parts(&block);
            let index = rows.add_block(head, metadata, &frames).expect("a block's own parts");
            for _ in 0..rng.random_range(0..=n.min(40)) {
                pushes.push((index, rng.random_range(0..n as u32), decoded.clone()));
            }
        }
        // Interleave the blocks' rows, as an export's heap does.
        for i in (1..pushes.len()).rev() {
            pushes.swap(i, rng.random_range(0..=i));
        }
        for (index, position, decoded) in &pushes {
            rows.push(*index, *position).expect("a position with its frame");
            expected.push(owned(&decoded[*position as usize]));
        }
        let mut got = Vec::new();
        rows.visit(&mut |v| got.push(seen(v))).expect("intact blocks read");
        assert_eq!(got, expected);
        assert_eq!(rows.len(), expected.len());
        let last = pushes.last().map(|(_, p, d)| {
            let e = &d[*p as usize];
            (e.entry.timestamp.timestamp_micros(), e.id)
        });
        assert_eq!(rows.last(), last);
    });
}

#[test]
fn parts_that_do_not_belong_or_are_missing_are_refused() {
    for_seeds(900, 20, |rng| {
        let (a, b) = (arb::entries(rng, 300), arb::entries(rng, 300));
        let mut options = EncodeOptions::ingest();
        options.frame_entries = 100;
        let (block_a, block_b) =
            (encode_block_with(&a, &options).unwrap(), encode_block_with(&b, &options).unwrap());
        let (head_a, meta_a, frames_a) = parts(&block_a);
        let (_, meta_b, frames_b) = parts(&block_b);
        let mut rows = BlockRows::new();
        assert!(matches!(
            rows.add_block(head_a.clone(), meta_a.clone(), &frames_b),
            Err(BlockError::Mismatch { part: Part::Frame })
        ));
        if let (Some(_), Some(mb)) = (&meta_a, meta_b) {
            assert!(matches!(
                rows.add_block(head_a.clone(), Some(mb), &frames_a),
                Err(BlockError::Mismatch { part: Part::Metadata })
            ));
        }
        // Only the first frame: a position in the second is missing its frame.
        let first = rows.add_block(head_a.clone(), meta_a.clone(), &frames_a[..1]).unwrap();
        assert!(matches!(rows.push(first, 150), Err(BlockError::Missing { part: Part::Frame, index: 1 })));
        assert!(rows.push(first, 300).is_err(), "a position past the block");
        rows.push(first, 5).unwrap();
        if head_a.has_metadata() {
            let bare = rows.add_block(head_a.clone(), None, &frames_a).unwrap();
            assert!(matches!(rows.push(bare, 0), Err(BlockError::Missing { part: Part::Metadata, .. })));
        }
        assert_eq!(rows.len(), 1, "refused rows are not kept");
    });
}

#[test]
fn every_column_kind_is_written_as_serde_json_writes_it() {
    for_seeds(950, 50, |rng| {
        let n = rng.random_range(1..300);
        let mut entries = arb::entries(rng, n);
        for e in &mut entries {
            let dict = ["eu-west-1", "us\"east\u{e9}"][rng.random_range(0..2)];
            let json = serde_json::json!({
                "b": rng.random_bool(0.5),
                "h": format!("{:016x}", rng.random::<u64>()),
                "i": rng.random::<i64>(),
                "n": null,
                "s": format!("line\n{}\t\u{1}", rng.random::<u32>()),
                "d": dict,
                "j": [rng.random::<f64>(), {"z": 1, "a": -0.0}],
            });
            e.entry.metadata = json.as_object().expect("object").clone();
        }
        let block = encode_block_with(&entries, &EncodeOptions::ingest()).expect("encode");
        let decoded = decode_block(&block.head, &block.metadata, &block.frames, project()).expect("decode");
        let (head, metadata, frames) = parts(&block);
        let mut rows = BlockRows::new();
        let index = rows.add_block(head, metadata, &frames).expect("its own parts");
        for p in 0..n as u32 {
            rows.push(index, p).expect("in range");
        }
        let mut got = Vec::new();
        rows.visit(&mut |v| got.push(seen(v).metadata)).expect("intact");
        let want: Vec<String> =
            decoded.iter().map(|e| serde_json::to_string(&e.entry.metadata).expect("JSON")).collect();
        assert_eq!(got, want);
    });
}
