//! Message frames: the text of a run of consecutive entries (256 to 512), one
//! zstd frame per BLOB, so a needle search reads only the frames its
//! filter lets through.
//!
//! Body: `varint frame index · varint first entry · varint entries ·
//! compressed(messages joined by 0xFF)`. 0xFF never occurs in UTF-8, so
//! the separator needs no escaping and a lower-cased needle can never
//! match across two messages.

use crate::envelope::{begin, compress_into, decompress, open, seal};
use crate::error::{Part, Result, corrupt};
use crate::wire::{Reader, put_len};
use crate::{MAX_BLOCK_ENTRIES, MAX_FRAME_BYTES};

/// The byte between two messages of a frame.
pub(crate) const SEPARATOR: u8 = 0xff;

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub(crate) tag: u32,
    index: u32,
    first: u32,
    /// Messages joined by [`SEPARATOR`].
    pub(crate) text: Vec<u8>,
    /// Where each message ends in `text` (exclusive).
    pub(crate) ends: Vec<u32>,
    /// Whether every message is ASCII.
    pub(crate) ascii: bool,
}

impl Frame {
    /// Its index among the block's frames.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The position (in the block) of its first entry.
    pub fn first_position(&self) -> usize {
        self.first as usize
    }

    /// How many messages it holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always `false`: frames are never empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The block tag.
    pub fn block_tag(&self) -> u32 {
        self.tag
    }

    /// Where message `i` (counted within the frame) lies in the text.
    pub(crate) fn span(&self, i: usize) -> (usize, usize) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize + 1 };
        (start, self.ends[i] as usize)
    }

    /// Message `i`, counted within the frame.
    pub fn message(&self, i: usize) -> Result<&str> {
        let (s, e) = self.span(i);
        std::str::from_utf8(&self.text[s..e]).map_err(|_| corrupt(Part::Frame, "invalid UTF-8"))
    }
}

/// Joins `messages` into the raw frame text.
pub(crate) fn join(messages: impl Iterator<Item = impl AsRef<str>>, out: &mut Vec<u8>) {
    for (i, m) in messages.enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.extend_from_slice(m.as_ref().as_bytes());
    }
}

/// Encodes frame `index` (entries `first..first + count`) from its raw text.
pub(crate) fn encode_frame(
    raw: &[u8],
    index: u32,
    first: u32,
    count: u32,
    tag: u32,
    level: i32,
) -> Result<Vec<u8>> {
    let mut out = begin(Part::Frame, tag, raw.len() / 3);
    put_len(&mut out, index as usize);
    put_len(&mut out, first as usize);
    put_len(&mut out, count as usize);
    compress_into(&mut out, raw, level)?;
    Ok(seal(out))
}

/// Decodes a frame BLOB, checking that every message is valid UTF-8.
pub fn decode_frame(bytes: &[u8]) -> Result<Frame> {
    let (tag, body) = open(bytes, Part::Frame)?;
    let mut r = Reader::new(body, Part::Frame);
    let index = r.len(MAX_BLOCK_ENTRIES)? as u32;
    let first = r.len(MAX_BLOCK_ENTRIES)? as u32;
    let count = r.len(MAX_BLOCK_ENTRIES)?;
    if count == 0 || first as usize + count > MAX_BLOCK_ENTRIES {
        return Err(r.err("frame entry range out of bounds"));
    }
    let text = decompress(&mut r, MAX_FRAME_BYTES)?;
    let mut ends = Vec::with_capacity(count);
    // One vectorisable pass decides whether all text is ASCII; only
    // otherwise is each message checked as UTF-8.
    let ascii = text.iter().fold(true, |all, &b| all & (b < 0x80 || b == SEPARATOR));
    let mut start = 0usize;
    for end in memchr::memchr_iter(SEPARATOR, &text).chain(std::iter::once(text.len())) {
        if ends.len() == count {
            return Err(corrupt(Part::Frame, "more messages than declared"));
        }
        if !ascii && std::str::from_utf8(&text[start..end]).is_err() {
            return Err(corrupt(Part::Frame, "invalid UTF-8"));
        }
        ends.push(end as u32);
        start = end + 1;
    }
    if ends.len() != count {
        return Err(corrupt(Part::Frame, "fewer messages than declared"));
    }
    Ok(Frame { tag, index, first, text, ends, ascii })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(messages: &[&str]) -> Frame {
        let mut raw = Vec::new();
        join(messages.iter(), &mut raw);
        decode_frame(&encode_frame(&raw, 2, 10, messages.len() as u32, 9, 1).unwrap()).unwrap()
    }

    #[test]
    fn messages_come_back_with_their_position() {
        let f = frame(&["first", "", "straße\n", "last"]);
        assert_eq!((f.index(), f.first_position(), f.len(), f.block_tag()), (2, 10, 4, 9));
        assert!(!f.ascii);
        let all: Vec<&str> = (0..f.len()).map(|i| f.message(i).unwrap()).collect();
        assert_eq!(all, ["first", "", "straße\n", "last"]);
        assert!(frame(&["a", "b"]).ascii);
    }

    #[test]
    fn a_wrong_message_count_is_corrupt() {
        let mut raw = Vec::new();
        join(["a", "b"].iter(), &mut raw);
        assert!(decode_frame(&encode_frame(&raw, 0, 0, 3, 1, 1).unwrap()).is_err());
        assert!(decode_frame(&encode_frame(&raw, 0, 0, 1, 1, 1).unwrap()).is_err());
        // Invalid UTF-8 inside a message.
        let bad = [b'a', 0xC3, SEPARATOR, b'b'];
        assert!(decode_frame(&encode_frame(&bad, 0, 0, 2, 1, 1).unwrap()).is_err());
    }
}
