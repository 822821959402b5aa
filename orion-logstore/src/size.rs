//! How many bytes a decoded part holds in memory, so a cache of decoded
//! parts can be capped in bytes. Counts the heap buffers (by length, not
//! capacity: decoding allocates exactly) plus a fixed allowance per
//! string and per nested vector for their headers.

use crate::filter::BlockFilter;
use crate::frame::Frame;
use crate::head::Head;

/// What a `String` or `Vec` header and its allocation's bookkeeping cost.
pub(crate) const PER_ALLOCATION: usize = 32;

pub(crate) fn strings(list: &[String]) -> usize {
    list.iter().map(|s| s.len() + PER_ALLOCATION).sum()
}

impl Head {
    /// Bytes this decoded head holds.
    pub fn heap_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.frame_starts.len() * 4
            + (self.ids.len() + self.timestamps.len() + self.received.len()) * 8
            + self.levels.len()
            + strings(&self.source_dict)
            + self.sources.len() * 4
            + strings(&self.server_dict)
            + self.servers.len() * 4
            + strings(&self.tag_dict)
            + self.tag_lists.iter().map(|l| l.len() * 4 + PER_ALLOCATION).sum::<usize>()
            + self.list_refs.len() * 4
            + self.message_lens.len() * 4
    }
}

impl Frame {
    /// Bytes this decoded frame holds.
    pub fn heap_size(&self) -> usize {
        std::mem::size_of::<Self>() + self.text.len() + self.ends.len() * 4
    }
}

impl BlockFilter {
    /// Bytes this decoded filter holds.
    pub fn heap_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.frames.iter().map(|b| b.stored_len() + PER_ALLOCATION).sum::<usize>()
            + self.metadata.stored_len()
            + self.tags.iter().map(|(t, _)| t.len() + PER_ALLOCATION + 4).sum::<usize>()
            + strings(&self.sources)
            + strings(&self.servers)
            + strings(&self.common)
            + self.minutes.len() * std::mem::size_of::<(i64, [u32; 6])>()
    }
}
