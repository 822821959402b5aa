//! Rebuilding [`LogEntry`] values from decoded parts.

use std::borrow::Borrow;

use orion_core::model::log::{LogEntry, NewLogEntry};
use orion_core::model::{ProjectId, ServerId, SourceName};
use serde_json::Map;

use crate::error::{BlockError, Part, Result, corrupt};
use crate::frame::Frame;
use crate::head::Head;
use crate::metadata::Metadata;
use crate::time::from_micros;

/// Decoded frames of one block, by index, checked against its head.
#[derive(Debug)]
pub(crate) struct FrameSet<'a> {
    by_index: Vec<Option<&'a Frame>>,
}

impl<'a> FrameSet<'a> {
    /// Checks that every frame belongs to `head`'s block and sits where
    /// the head says.
    pub(crate) fn new<F: Borrow<Frame>>(head: &Head, frames: &'a [F]) -> Result<Self> {
        let mut by_index = vec![None; head.frame_count()];
        for f in frames {
            let f: &'a Frame = f.borrow();
            let i = f.index() as usize;
            let slot = by_index.get_mut(i).ok_or(BlockError::Mismatch { part: Part::Frame })?;
            let range = head.frame_range(i);
            if f.tag != head.tag || f.first_position() != range.start || f.len() != range.len() {
                return Err(BlockError::Mismatch { part: Part::Frame });
            }
            for (k, p) in range.enumerate() {
                let (s, e) = f.span(k);
                if head.message_len(p).is_some_and(|len| e - s != len) {
                    return Err(corrupt(Part::Frame, "message length differs from the head"));
                }
            }
            *slot = Some(f);
        }
        Ok(Self { by_index })
    }

    /// Frame `i`, if supplied.
    pub(crate) fn get(&self, i: usize) -> Option<&'a Frame> {
        self.by_index.get(i).copied().flatten()
    }
}

/// The entries at `positions` (storage positions, in the order given).
pub(crate) fn materialize(
    head: &Head,
    metadata: Option<&Metadata>,
    frames: &FrameSet<'_>,
    positions: &[u32],
    project_id: ProjectId,
) -> Result<Vec<LogEntry>> {
    let metadata = match metadata {
        Some(m) if m.tag != head.tag || m.len() != head.len() => {
            return Err(BlockError::Mismatch { part: Part::Metadata });
        }
        Some(m) => Some(m),
        None if head.has_metadata() && !positions.is_empty() => {
            return Err(BlockError::Missing { part: Part::Metadata, index: 0 });
        }
        None => None,
    };
    let mut out = Vec::with_capacity(positions.len());
    for &p in positions {
        let i = p as usize;
        if i >= head.len() {
            return Err(corrupt(Part::Head, "position out of range"));
        }
        let f = head.frame_of(i);
        let frame = frames.get(f).ok_or(BlockError::Missing { part: Part::Frame, index: f as u32 })?;
        let message = frame.message(i - frame.first_position())?.to_owned();
        let metadata = match metadata {
            Some(m) => m.object(i)?,
            None => Map::new(),
        };
        let time = |us: i64| from_micros(us).ok_or(corrupt(Part::Head, "timestamp out of range"));
        out.push(LogEntry {
            id: head.ids[i],
            entry: NewLogEntry {
                project_id,
                timestamp: time(head.timestamps[i])?,
                received_at: time(head.received[i])?,
                level: head.level(i),
                message,
                metadata,
                tags: head.tags(i).map(str::to_owned).collect(),
                // Checked again on the way out: a block that passed its
                // checksums but holds a name the domain refuses is damaged.
                source: head
                    .source(i)
                    .map(SourceName::parse)
                    .transpose()
                    .map_err(|_| corrupt(Part::Head, "invalid source name"))?,
                server_id: head
                    .server_id(i)
                    .map(ServerId::parse)
                    .transpose()
                    .map_err(|_| corrupt(Part::Head, "invalid server id"))?,
            },
        });
    }
    Ok(out)
}
