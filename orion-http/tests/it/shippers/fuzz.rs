//! Every decoder, fed arbitrary bytes: an answer (usually an error), never
//! a panic, and never more memory than the decoded-body limit allows
//! (the limits themselves are proved in `errors.rs`).

use orion_http::shippers::otlp::{Encoding, parse as otlp};
use orion_http::shippers::{decode, elastic, loki};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn otlp_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(request) = otlp(Encoding::Protobuf, &bytes) {
            let _ = orion_http::shippers::otlp::inputs(request);
        }
        if let Ok(request) = otlp(Encoding::Json, &bytes) {
            let _ = orion_http::shippers::otlp::inputs(request);
        }
    }

    #[test]
    fn loki_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = loki::parse_protobuf(&bytes);
        let _ = loki::parse_protobuf(&snap::raw::Encoder::new().compress_vec(&bytes).unwrap());
        let _ = loki::parse_json(&bytes);
        let _ = loki::parse_labels(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn bulk_and_decompression_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = elastic::parse_bulk(None, &bytes);
        let _ = decode::gunzip(&bytes, 1 << 20);
        let _ = decode::unsnappy(&bytes, 1 << 20);
        let _ = decode::content_encoding(Some("deflate"), bytes.clone(), 1 << 20);
    }

    #[test]
    fn structured_inputs_never_panic(text in "\\PC{0,200}") {
        let line = format!("{{\"index\": {{}}}}\n{text}\n");
        let _ = elastic::parse_bulk(Some("x"), line.as_bytes());
        let json = format!("{{\"streams\": [{{\"stream\": {{\"job\": \"a\"}}, \"values\": [[\"1\", {text:?}]]}}]}}");
        let _ = loki::parse_json(json.as_bytes());
        let _ = loki::parse_labels(&format!("{{a=\"{text}\"}}"));
    }
}
