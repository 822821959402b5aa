//! Decoding a whole block back into its entries.

use orion_core::model::ProjectId;
use orion_core::model::log::LogEntry;

use crate::encode::EncodedBlock;
use crate::error::{BlockError, Part, Result};
use crate::frame::{Frame, decode_frame};
use crate::head::decode_head;
use crate::materialize::{FrameSet, materialize};
use crate::metadata::decode_metadata;

/// Decodes every entry of a block, in storage order, from its head,
/// metadata and all its frames (in index order or not). `project_id` is
/// not stored in blocks: the caller knows it.
pub fn decode_block<F: AsRef<[u8]>>(
    head: &[u8],
    metadata: &[u8],
    frames: &[F],
    project_id: ProjectId,
) -> Result<Vec<LogEntry>> {
    let head = decode_head(head)?;
    let metadata = decode_metadata(metadata)?;
    let frames = frames.iter().map(|f| decode_frame(f.as_ref())).collect::<Result<Vec<Frame>>>()?;
    if frames.len() != head.frame_count() {
        return Err(BlockError::Missing { part: Part::Frame, index: frames.len() as u32 });
    }
    let set = FrameSet::new(&head, &frames)?;
    if let Some(missing) = (0..head.frame_count()).find(|&i| set.get(i).is_none()) {
        return Err(BlockError::Missing { part: Part::Frame, index: missing as u32 });
    }
    let positions: Vec<u32> = (0..head.len() as u32).collect();
    materialize(&head, Some(&metadata), &set, &positions, project_id)
}

impl EncodedBlock {
    /// Decodes this block's entries (see [`decode_block`]).
    pub fn decode(&self, project_id: ProjectId) -> Result<Vec<LogEntry>> {
        decode_block(&self.head, &self.metadata, &self.frames, project_id)
    }
}
