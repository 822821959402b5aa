//! Body decompression with a bound on the output: a small gzip or snappy
//! body can never expand past [`super::DECODED_BODY_LIMIT`] in memory.

use std::io::Read;

use crate::error::ApiError;

use super::{invalid_body, unsupported};

/// The body after its `Content-Encoding` (`gzip`, `x-gzip`, `deflate`,
/// `snappy`, `identity` or none), at most `limit` bytes once decoded (413
/// past it).
pub fn content_encoding(encoding: Option<&str>, body: Vec<u8>, limit: usize) -> Result<Vec<u8>, ApiError> {
    let encoding = encoding.map(|e| e.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("" | "identity") => {
            if body.len() > limit {
                return Err(ApiError::payload_too_large(limit));
            }
            Ok(body)
        }
        Some("gzip" | "x-gzip") => gunzip(&body, limit),
        Some("deflate") => bounded(flate2::read::ZlibDecoder::new(&body[..]), limit, "deflate"),
        Some("snappy") => unsnappy(&body, limit),
        Some(other) => Err(unsupported(format!(
            "unsupported Content-Encoding `{other}`: send gzip, deflate, snappy or none"
        ))),
    }
}

/// A gzip body (every member), at most `limit` bytes decoded.
pub fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, ApiError> {
    bounded(flate2::read::MultiGzDecoder::new(body), limit, "gzip")
}

fn bounded(reader: impl Read, limit: usize, what: &str) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| invalid_body(format!("the body is not valid {what}: {e}")))?;
    if out.len() > limit {
        return Err(ApiError::payload_too_large(limit));
    }
    Ok(out)
}

/// A snappy *block* (the raw format Loki and Prometheus use, not the
/// framed one), at most `limit` bytes decoded. The length the block
/// declares is checked before anything is allocated.
pub fn unsnappy(body: &[u8], limit: usize) -> Result<Vec<u8>, ApiError> {
    let declared = snap::raw::decompress_len(body)
        .map_err(|e| invalid_body(format!("the body is not a valid snappy block: {e}")))?;
    if declared > limit {
        return Err(ApiError::payload_too_large(limit));
    }
    snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| invalid_body(format!("the body is not a valid snappy block: {e}")))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_and_snappy_round_trip_within_the_limit() {
        let data = b"hello hello hello".repeat(100);
        assert_eq!(content_encoding(Some("gzip"), gzip(&data), 1 << 20).unwrap(), data);
        let block = snap::raw::Encoder::new().compress_vec(&data).unwrap();
        assert_eq!(unsnappy(&block, 1 << 20).unwrap(), data);
        assert_eq!(content_encoding(None, data.clone(), 1 << 20).unwrap(), data);
    }

    #[test]
    fn a_bomb_stops_at_the_limit_with_413() {
        let zeros = vec![0u8; 1 << 20];
        let err = content_encoding(Some("GZIP"), gzip(&zeros), 1000).unwrap_err();
        assert_eq!(err.code, "payload_too_large");
        let block = snap::raw::Encoder::new().compress_vec(&zeros).unwrap();
        assert_eq!(unsnappy(&block, 1000).unwrap_err().code, "payload_too_large");
    }

    #[test]
    fn garbage_is_invalid_body_and_unknown_encodings_are_415() {
        assert_eq!(
            content_encoding(Some("gzip"), b"not gzip".to_vec(), 100).unwrap_err().code,
            "invalid_body"
        );
        assert_eq!(unsnappy(b"\xff\xff\xff\xff\xff\xff", 100).unwrap_err().code, "invalid_body");
        assert_eq!(content_encoding(Some("br"), vec![], 100).unwrap_err().status, 415);
    }
}
