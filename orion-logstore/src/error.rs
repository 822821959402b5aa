//! The one error type of the crate.

use std::fmt;

/// The parts of a block, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The per-block filter BLOB.
    Filter,
    /// The column-encoded head BLOB.
    Head,
    /// The metadata BLOB.
    Metadata,
    /// One message frame BLOB.
    Frame,
}

impl Part {
    /// The lower-case name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Filter => "filter",
            Self::Head => "head",
            Self::Metadata => "metadata",
            Self::Frame => "frame",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong encoding, decoding or scanning a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// `encode_block` was given no entries.
    #[error("a block needs at least one entry")]
    Empty,
    /// More entries than one block can hold.
    #[error("{count} entries, more than the {max} a block can hold")]
    TooManyEntries {
        /// How many were given.
        count: usize,
        /// The limit, [`MAX_BLOCK_ENTRIES`](crate::MAX_BLOCK_ENTRIES).
        max: usize,
    },
    /// A part would exceed its decoded-size cap (split the block).
    #[error("{part} would be {size} bytes, over its cap of {cap}")]
    TooLarge {
        /// Which part.
        part: Part,
        /// Its size.
        size: usize,
        /// The cap.
        cap: usize,
    },
    /// The bytes of a part are damaged or not a part at all.
    #[error("corrupt {part}: {reason}")]
    Corrupt {
        /// Which part.
        part: Part,
        /// What check failed.
        reason: &'static str,
    },
    /// A part written by a newer (or unknown) format version.
    #[error("{part} has format version {version}, this build reads version {}", crate::FORMAT_VERSION)]
    UnsupportedVersion {
        /// Which part.
        part: Part,
        /// The version byte found.
        version: u8,
    },
    /// Parts that do not belong to the same block were combined.
    #[error("the {part} belongs to another block")]
    Mismatch {
        /// The part that does not fit.
        part: Part,
    },
    /// A scan needs a part that was not supplied (the metadata for a
    /// metadata filter, or a frame the query must read).
    #[error("the scan needs the {part} (index {index})")]
    Missing {
        /// Which part.
        part: Part,
        /// The frame index (0 for other parts).
        index: u32,
    },
    /// zstd refused to compress (out of memory, bad parameters).
    #[error("compression failed: {0}")]
    Compress(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = BlockError> = std::result::Result<T, E>;

/// A [`BlockError::Corrupt`] for `part`.
pub(crate) fn corrupt(part: Part, reason: &'static str) -> BlockError {
    BlockError::Corrupt { part, reason }
}
