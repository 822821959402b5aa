//! The on-disk log buffer (spool) of one script: captured lines are
//! appended to segment files first, and a persisted cursor says how far
//! the server has acknowledged them.
//!
//! Layout of a spool directory:
//!
//! ```text
//! seg-00000000000000000001.ndjson   one JSON log entry per line, oldest first
//! seg-00000000000000000002.ndjson   the segment being written
//! cursor                            "<segment> <byte offset>": first unsent line
//! ```
//!
//! Rules that make the guarantee hold:
//! - the writer only ever appends to the newest segment, and each process
//!   start opens a fresh one, so a line torn by a crash is always at the
//!   end of a finished segment, where the reader skips it;
//! - the reader returns only complete lines (ending in `\n`) and never
//!   moves the cursor itself: [`SpoolReader::commit`] does, after the server
//!   answered 201, by writing the cursor to a temporary file, fsyncing it
//!   and renaming it over the old one (then fsyncing the directory);
//! - segments wholly before the cursor are deleted after the commit;
//! - when the spool is over its byte budget, the writer deletes the oldest
//!   segment (never the one it writes) and says so in a warning; the reader
//!   then carries on at the next segment that exists.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Name of the cursor file.
const CURSOR: &str = "cursor";
/// Smallest segment size, so a small budget does not mean a file per line.
const MIN_SEGMENT_BYTES: u64 = 64 * 1024;
/// Largest segment size: deleting a segment for space drops at most this.
const MAX_SEGMENT_BYTES: u64 = 16 * 1024 * 1024;

/// A position in the spool: the first byte not yet acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor {
    /// Segment number.
    pub segment: u64,
    /// Byte offset in that segment.
    pub offset: u64,
}

fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("seg-{segment:020}.ndjson"))
}

/// Segment numbers present in `dir`, ascending.
fn segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = name.strip_prefix("seg-").and_then(|r| r.strip_suffix(".ndjson"))
            && let Ok(n) = n.parse()
        {
            found.push(n);
        }
    }
    found.sort_unstable();
    Ok(found)
}

fn read_cursor(dir: &Path) -> io::Result<Cursor> {
    match fs::read_to_string(dir.join(CURSOR)) {
        Ok(text) => {
            let mut parts = text.split_whitespace().map(str::parse::<u64>);
            match (parts.next(), parts.next()) {
                (Some(Ok(segment)), Some(Ok(offset))) => Ok(Cursor { segment, offset }),
                _ => Err(io::Error::new(io::ErrorKind::InvalidData, "the spool cursor file is corrupt")),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Cursor::default()),
        Err(e) => Err(e),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Appends lines to the newest segment; enforces the byte budget.
#[derive(Debug)]
pub struct SpoolWriter {
    dir: PathBuf,
    file: File,
    segment: u64,
    len: u64,
    segment_bytes: u64,
    max_bytes: u64,
    unsynced: bool,
    last_sync: Instant,
}

impl SpoolWriter {
    /// Opens `dir` (created if missing) and starts a fresh segment.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let newest = segments(dir)?.last().copied().unwrap_or(0);
        let segment = newest.max(read_cursor(dir)?.segment) + 1;
        let file = Self::create(dir, segment)?;
        Ok(Self {
            dir: dir.to_owned(),
            file,
            segment,
            len: 0,
            segment_bytes: (max_bytes / 4).clamp(MIN_SEGMENT_BYTES, MAX_SEGMENT_BYTES),
            max_bytes,
            unsynced: false,
            last_sync: Instant::now(),
        })
    }

    fn create(dir: &Path, segment: u64) -> io::Result<File> {
        let file = OpenOptions::new().create_new(true).append(true).open(segment_path(dir, segment))?;
        sync_dir(dir)?;
        Ok(file)
    }

    /// Appends `lines` (each one JSON document without a newline) in one
    /// write. Returns the bytes of unsent logs dropped to stay in budget.
    pub fn append(&mut self, lines: &[String]) -> io::Result<u64> {
        let mut bytes = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in lines {
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        self.file.write_all(&bytes)?;
        self.len += bytes.len() as u64;
        self.unsynced = true;
        if self.len < self.segment_bytes {
            return Ok(0);
        }
        self.file.sync_data()?;
        self.segment += 1;
        self.file = Self::create(&self.dir, self.segment)?;
        self.len = 0;
        self.unsynced = false;
        self.enforce_budget()
    }

    /// Deletes the oldest segments (never the current one) until the spool
    /// fits in its budget.
    fn enforce_budget(&mut self) -> io::Result<u64> {
        let mut sizes = Vec::new();
        for segment in segments(&self.dir)? {
            let size = fs::metadata(segment_path(&self.dir, segment)).map(|m| m.len()).unwrap_or(0);
            sizes.push((segment, size));
        }
        let mut total: u64 = sizes.iter().map(|(_, size)| size).sum();
        let mut dropped = 0;
        for (segment, size) in sizes {
            if total <= self.max_bytes || segment >= self.segment {
                break;
            }
            fs::remove_file(segment_path(&self.dir, segment))?;
            total -= size;
            dropped += size;
        }
        Ok(dropped)
    }

    /// fsyncs what was appended if the last fsync is older than `every`
    /// (or `every` is zero): bounds what a power cut can take to `every`.
    pub fn sync_if_due(&mut self, every: Duration) -> io::Result<()> {
        if self.unsynced && self.last_sync.elapsed() >= every {
            self.file.sync_data()?;
            self.unsynced = false;
            self.last_sync = Instant::now();
        }
        Ok(())
    }
}

/// Lines read from the spool, and where the cursor goes once they are sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Where the first line starts.
    pub start: Cursor,
    /// Complete lines, in order, without their newline.
    pub lines: Vec<String>,
    /// The cursor after the last of them.
    pub end: Cursor,
}

/// Reads unsent lines from the cursor on; moves the cursor on commit.
#[derive(Debug)]
pub struct SpoolReader {
    dir: PathBuf,
    /// Persisted position.
    committed: Cursor,
}

impl SpoolReader {
    /// Opens `dir` (created if missing) at its persisted cursor.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Self { dir: dir.to_owned(), committed: read_cursor(dir)? })
    }

    /// The persisted cursor.
    #[cfg(test)]
    pub fn cursor(&self) -> Cursor {
        self.committed
    }

    /// Up to `max_lines` complete lines (and about `max_bytes`) from the
    /// cursor on, never spanning two segments; `None` when all is sent.
    pub fn next_batch(&self, max_lines: usize, max_bytes: usize) -> io::Result<Option<Batch>> {
        let all = segments(&self.dir)?;
        let mut position = self.committed;
        for (i, &segment) in all.iter().enumerate() {
            if segment < position.segment {
                continue;
            }
            if segment > position.segment {
                // The cursor's segment is gone (sent, or dropped for space).
                position = Cursor { segment, offset: 0 };
            }
            let (lines, offset) =
                read_lines(&segment_path(&self.dir, segment), position.offset, max_lines, max_bytes)?;
            if !lines.is_empty() {
                return Ok(Some(Batch { start: position, lines, end: Cursor { segment, offset } }));
            }
            if i + 1 == all.len() {
                break; // the segment being written: wait for more
            }
            // A finished segment with nothing left (at most a line torn by
            // a crash): move on to the next one.
        }
        Ok(None)
    }

    /// Records that everything before `end` reached the server: persists
    /// the cursor durably, then deletes the segments wholly before it.
    pub fn commit(&mut self, end: Cursor) -> io::Result<()> {
        let tmp = self.dir.join("cursor.tmp");
        {
            let mut file = File::create(&tmp)?;
            writeln!(file, "{} {}", end.segment, end.offset)?;
            file.sync_all()?;
        }
        fs::rename(&tmp, self.dir.join(CURSOR))?;
        sync_dir(&self.dir)?;
        self.committed = end;
        for segment in segments(&self.dir)? {
            if segment >= end.segment {
                break;
            }
            fs::remove_file(segment_path(&self.dir, segment))?;
        }
        Ok(())
    }
}

/// Bytes read back from the end of each segment by [`tail`].
const TAIL_READ_BYTES: u64 = 512 * 1024;

/// The last `count` complete lines in the spool at `dir`, oldest first,
/// sent or not (a crash report's context): the newest segments, read
/// back from their end, at most [`TAIL_READ_BYTES`] of each.
pub fn tail(dir: &Path, count: usize) -> io::Result<Vec<String>> {
    let mut newest_first: Vec<String> = Vec::new();
    for segment in segments(dir)?.into_iter().rev() {
        if newest_first.len() >= count {
            break;
        }
        let mut file = match File::open(segment_path(dir, segment)) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        let start = len.saturating_sub(TAIL_READ_BYTES);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut file, &mut bytes)?;
        // A line cut by where reading started, or one still being written,
        // is not a line.
        let mut text: &[u8] = &bytes;
        if start > 0 {
            text = text.iter().position(|&b| b == b'\n').map_or(&[][..], |i| &text[i + 1..]);
        }
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(&[][..], |i| &text[..i]);
        let lines: Vec<&[u8]> =
            if complete.is_empty() { Vec::new() } else { complete.split(|&b| b == b'\n').collect() };
        for line in lines.into_iter().rev() {
            if newest_first.len() >= count {
                break;
            }
            newest_first.push(String::from_utf8_lossy(line).into_owned());
        }
    }
    newest_first.reverse();
    Ok(newest_first)
}

/// Complete lines of `path` from `offset`, and the offset after the last.
fn read_lines(
    path: &Path,
    offset: u64,
    max_lines: usize,
    max_bytes: usize,
) -> io::Result<(Vec<String>, u64)> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        // Dropped for space between the listing and now.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), offset)),
        Err(e) => return Err(e),
    };
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = BufReader::new(file);
    let (mut lines, mut position, mut bytes) = (Vec::new(), offset, 0usize);
    let mut buf = Vec::new();
    while lines.len() < max_lines && bytes < max_bytes {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 || buf.last() != Some(&b'\n') {
            break; // end of file, or a line still being written
        }
        position += n as u64;
        bytes += n;
        buf.pop();
        lines.push(String::from_utf8_lossy(&buf).into_owned());
    }
    Ok((lines, position))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("{{\"n\":{i}}}")).collect()
    }

    fn drain(reader: &mut SpoolReader) -> Vec<String> {
        let mut all = Vec::new();
        while let Some(batch) = reader.next_batch(3, usize::MAX).unwrap() {
            all.extend(batch.lines);
            reader.commit(batch.end).unwrap();
        }
        all
    }

    #[test]
    fn lines_come_back_in_batches_and_a_commit_is_never_resent() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SpoolWriter::open(dir.path(), 1 << 20).unwrap();
        writer.append(&lines(0..5)).unwrap();
        let mut reader = SpoolReader::open(dir.path()).unwrap();
        let batch = reader.next_batch(3, usize::MAX).unwrap().unwrap();
        assert_eq!(batch.lines, lines(0..3));
        // Not committed (the send failed): the same lines come again.
        assert_eq!(reader.next_batch(3, usize::MAX).unwrap().unwrap(), batch);
        reader.commit(batch.end).unwrap();
        assert_eq!(reader.next_batch(3, usize::MAX).unwrap().unwrap().lines, lines(3..5));
    }

    #[test]
    fn the_cursor_survives_a_restart_of_reader_and_writer() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SpoolWriter::open(dir.path(), 1 << 20).unwrap();
        writer.append(&lines(0..4)).unwrap();
        let mut reader = SpoolReader::open(dir.path()).unwrap();
        let batch = reader.next_batch(3, usize::MAX).unwrap().unwrap();
        reader.commit(batch.end).unwrap();
        drop((writer, reader));

        // A new process: a fresh segment for new lines, the old tail kept.
        let mut writer = SpoolWriter::open(dir.path(), 1 << 20).unwrap();
        writer.append(&lines(4..6)).unwrap();
        let mut reader = SpoolReader::open(dir.path()).unwrap();
        assert_eq!(reader.cursor(), batch.end);
        assert_eq!(drain(&mut reader), lines(3..6));
        assert_eq!(drain(&mut SpoolReader::open(dir.path()).unwrap()), Vec::<String>::new());
        // Sent segments are gone; only the one being written is left.
        assert_eq!(segments(dir.path()).unwrap().len(), 1);
    }

    #[test]
    fn a_line_without_its_newline_is_not_read_until_it_is_complete() {
        let dir = tempfile::tempdir().unwrap();
        let _writer = SpoolWriter::open(dir.path(), 1 << 20).unwrap();
        let path = segment_path(dir.path(), 1);
        fs::write(&path, "{\"n\":0}\n{\"n\":").unwrap();
        let reader = SpoolReader::open(dir.path()).unwrap();
        let batch = reader.next_batch(10, usize::MAX).unwrap().unwrap();
        assert_eq!(batch.lines, ["{\"n\":0}"]);
        assert_eq!(batch.end.offset, 8);
    }

    #[test]
    fn a_line_torn_by_a_crash_is_skipped_once_a_new_segment_exists() {
        let dir = tempfile::tempdir().unwrap();
        drop(SpoolWriter::open(dir.path(), 1 << 20).unwrap());
        fs::write(segment_path(dir.path(), 1), "{\"n\":0}\n{\"n\":").unwrap();
        let mut writer = SpoolWriter::open(dir.path(), 1 << 20).unwrap();
        writer.append(&lines(1..2)).unwrap();
        assert_eq!(drain(&mut SpoolReader::open(dir.path()).unwrap()), ["{\"n\":0}", "{\"n\":1}"]);
    }

    #[test]
    fn the_tail_is_the_last_complete_lines_across_segments_sent_or_not() {
        let dir = tempfile::tempdir().unwrap();
        drop(SpoolWriter::open(dir.path(), 1 << 20).unwrap());
        fs::write(segment_path(dir.path(), 1), "{\"n\":0}\n{\"n\":1}\n{\"n\":").unwrap();
        let mut writer = SpoolWriter::open(dir.path(), 1 << 20).unwrap();
        writer.append(&lines(2..5)).unwrap();
        let mut reader = SpoolReader::open(dir.path()).unwrap();
        let batch = reader.next_batch(100, usize::MAX).unwrap().unwrap();
        reader.commit(batch.end).unwrap();
        // The torn line is skipped; lines already sent still count.
        assert_eq!(tail(dir.path(), 4).unwrap(), ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"]);
        assert_eq!(tail(dir.path(), 2).unwrap(), lines(3..5));
        assert_eq!(tail(dir.path(), 100).unwrap().len(), 5);
    }

    #[test]
    fn batches_stop_at_the_byte_limit() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SpoolWriter::open(dir.path(), 1 << 20).unwrap();
        writer.append(&lines(0..10)).unwrap();
        let reader = SpoolReader::open(dir.path()).unwrap();
        // Each line is 8 bytes with its newline: the batch closes once 16 are read.
        assert_eq!(reader.next_batch(100, 16).unwrap().unwrap().lines, lines(0..2));
    }

    #[test]
    fn over_budget_the_oldest_segment_is_dropped_and_reading_goes_on_after_it() {
        let dir = tempfile::tempdir().unwrap();
        // 64 KiB segments, 160 KiB budget.
        let mut writer = SpoolWriter::open(dir.path(), 160 * 1024).unwrap();
        let line = "x".repeat(1023);
        let mut dropped = 0;
        for _ in 0..300 {
            dropped += writer.append(std::slice::from_ref(&line)).unwrap();
        }
        assert!(dropped > 0, "300 KiB in a 160 KiB budget must drop something");
        let total: u64 = segments(dir.path())
            .unwrap()
            .into_iter()
            .map(|s| fs::metadata(segment_path(dir.path(), s)).unwrap().len())
            .sum();
        assert!(total <= 160 * 1024 + 64 * 1024, "spool holds {total} bytes");
        let read = drain(&mut SpoolReader::open(dir.path()).unwrap());
        assert_eq!(read.len() as u64, (300 * 1024 - dropped) / 1024);
    }
}
