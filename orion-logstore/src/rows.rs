//! Entries of decoded blocks lent out in place: [`BlockRows`] holds the
//! decoded parts of a page's blocks (shared, not copied) and the chosen
//! positions, and visits each entry as a borrowed
//! [`EntryView`](orion_core::model::log::EntryView), so an export writes
//! its output straight from the columns instead of building an owned
//! entry per row first.
//!
//! Everything [`materialize`](crate::materialize) checks is checked here
//! too, at the same point or earlier: frames against the head and the
//! metadata's shape when a block is added, a position's range and frame
//! when it is pushed, source and server names when a block is added (all
//! of the block's names), and a message's UTF-8 and a metadata value's
//! text when it is visited. What a visit writes equals the owned entry's
//! fields, metadata byte for byte as `serde_json` writes the `Map`.

use std::borrow::Borrow;
use std::sync::Arc;

use orion_core::model::log::{EntryView, MetadataJson, Tags};
use orion_core::model::{ServerId, SourceName};

use crate::error::{BlockError, Part, Result, corrupt};
use crate::frame::Frame;
use crate::head::Head;
use crate::materialize::FrameSet;
use crate::metadata::Metadata;
use crate::time::from_micros;

/// One block's parts, as lent.
#[derive(Debug)]
struct Lent {
    head: Arc<Head>,
    metadata: Option<Arc<Metadata>>,
    /// By frame index; `None` for frames not read.
    frames: Vec<Option<Arc<Frame>>>,
}

/// A page of entries from decoded blocks, in the order pushed.
#[derive(Debug, Default)]
pub struct BlockRows {
    blocks: Vec<Lent>,
    /// `(block index in blocks, storage position)`.
    rows: Vec<(u32, u32)>,
}

impl BlockRows {
    /// No blocks, no rows.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a block's parts (`frames`: any of its decoded frames; the
    /// metadata, if the block has any and its entries will be pushed);
    /// returns the block's index for [`Self::push`]. Fails as
    /// materializing would on frames or metadata that are not this
    /// block's, or on a source or server name the domain refuses.
    pub fn add_block<F: Borrow<Frame> + Clone + Into<Arc<Frame>>>(
        &mut self,
        head: Arc<Head>,
        metadata: Option<Arc<Metadata>>,
        frames: &[F],
    ) -> Result<u32> {
        if let Some(m) = &metadata
            && (m.tag != head.tag || m.len() != head.len())
        {
            return Err(BlockError::Mismatch { part: Part::Metadata });
        }
        FrameSet::new(&head, frames)?;
        if head.source_dict.iter().any(|s| SourceName::parse(s).is_err()) {
            return Err(corrupt(Part::Head, "invalid source name"));
        }
        if head.server_dict.iter().any(|s| ServerId::parse(s).is_err()) {
            return Err(corrupt(Part::Head, "invalid server id"));
        }
        let mut by_index = vec![None; head.frame_count()];
        for f in frames {
            let i = f.borrow().index() as usize;
            by_index[i] = Some(f.clone().into());
        }
        self.blocks.push(Lent { head, metadata, frames: by_index });
        Ok((self.blocks.len() - 1) as u32)
    }

    /// Appends the entry at storage position `position` of block `block`
    /// (an index from [`Self::add_block`]). Its frame, and the metadata if
    /// the block has any, must have been given.
    pub fn push(&mut self, block: u32, position: u32) -> Result<()> {
        let lent = self.blocks.get(block as usize).ok_or(BlockError::Mismatch { part: Part::Head })?;
        let i = position as usize;
        if i >= lent.head.len() {
            return Err(corrupt(Part::Head, "position out of range"));
        }
        let f = lent.head.frame_of(i);
        if lent.frames[f].is_none() {
            return Err(BlockError::Missing { part: Part::Frame, index: f as u32 });
        }
        if lent.head.has_metadata() && lent.metadata.is_none() {
            return Err(BlockError::Missing { part: Part::Metadata, index: 0 });
        }
        self.rows.push((block, position));
        Ok(())
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// `(timestamp µs, id)` of the last entry.
    pub fn last(&self) -> Option<(i64, i64)> {
        let &(b, p) = self.rows.last()?;
        let head = &self.blocks[b as usize].head;
        Some((head.timestamps[p as usize], head.ids[p as usize]))
    }

    /// Calls `each` with every entry in order; on an entry that cannot be
    /// read, stops with the index of its block (as [`Self::add_block`]
    /// gave it) and what is wrong.
    pub fn visit(&self, each: &mut dyn FnMut(&EntryView<'_>)) -> std::result::Result<(), (u32, BlockError)> {
        // Reused across entries: no allocation per entry.
        let mut tags: Vec<&str> = Vec::new();
        let mut metadata = Vec::new();
        for &(b, p) in &self.rows {
            self.visit_one(b, p as usize, (&mut tags, &mut metadata), each).map_err(|e| (b, e))?;
        }
        Ok(())
    }

    fn visit_one<'s>(
        &'s self,
        block: u32,
        i: usize,
        (tags, metadata): (&mut Vec<&'s str>, &mut Vec<u8>),
        each: &mut dyn FnMut(&EntryView<'_>),
    ) -> Result<()> {
        let lent = &self.blocks[block as usize];
        let head = &*lent.head;
        let f = head.frame_of(i);
        let frame =
            lent.frames[f].as_deref().ok_or(BlockError::Missing { part: Part::Frame, index: f as u32 })?;
        let message = frame.message(i - frame.first_position())?;
        metadata.clear();
        match &lent.metadata {
            Some(m) => m.write_object_json(i, metadata)?,
            None => metadata.extend_from_slice(b"{}"),
        }
        let time = |us: i64| from_micros(us).ok_or(corrupt(Part::Head, "timestamp out of range"));
        tags.clear();
        tags.extend(head.tags(i));
        each(&EntryView {
            id: head.ids[i],
            timestamp: time(head.timestamps[i])?,
            received_at: time(head.received[i])?,
            level: head.level(i),
            message,
            tags: Tags::Borrowed(tags),
            source: head.source(i),
            server_id: head.server_id(i),
            metadata: &RawObject(metadata),
        });
        Ok(())
    }
}

/// A metadata object's JSON text, already written.
struct RawObject<'a>(&'a [u8]);

impl MetadataJson for RawObject<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0);
    }
}
