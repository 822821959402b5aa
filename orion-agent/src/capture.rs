//! Turning a script's output into log entries: bounded line reading and
//! the level of each line.

use chrono::Utc;
use orion_client::LogEntry;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Longest message the server takes (64 KiB); longer lines are split.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Which pipe a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output: `info` unless the line names its level.
    Stdout,
    /// Standard error: `error` unless the line names its level.
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }

    fn default_level(self) -> &'static str {
        match self {
            Self::Stdout => "info",
            Self::Stderr => "error",
        }
    }
}

/// Reads lines of at most [`MAX_LINE_BYTES`] without ever holding more: a
/// script that prints megabytes without a newline cannot exhaust memory.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: BufReader<R>,
    pending: Vec<u8>,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Reads from `inner`.
    pub fn new(inner: R) -> Self {
        Self { inner: BufReader::new(inner), pending: Vec::new() }
    }

    /// The next line (without its `\n`), or `None` at end of input.
    pub async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        loop {
            let buf = self.inner.fill_buf().await?;
            if buf.is_empty() {
                return Ok((!self.pending.is_empty()).then(|| self.take()));
            }
            let room = MAX_LINE_BYTES - self.pending.len();
            match buf.iter().take(room).position(|&b| b == b'\n') {
                Some(i) => {
                    self.pending.extend_from_slice(&buf[..i]);
                    self.inner.consume(i + 1);
                    return Ok(Some(self.take()));
                }
                None => {
                    let n = buf.len().min(room);
                    self.pending.extend_from_slice(&buf[..n]);
                    self.inner.consume(n);
                    if self.pending.len() >= MAX_LINE_BYTES {
                        return Ok(Some(self.take()));
                    }
                }
            }
        }
    }

    fn take(&mut self) -> String {
        let bytes = std::mem::take(&mut self.pending);
        let mut line = String::from_utf8_lossy(&bytes).into_owned();
        if line.ends_with('\r') {
            line.pop();
        }
        // Replacement characters can make a lossy line longer than its bytes.
        if line.len() > MAX_LINE_BYTES {
            let mut end = MAX_LINE_BYTES;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            line.truncate(end);
        }
        line
    }
}

/// A log entry for `line`, stamped now: a line that waits in the buffer
/// through an outage keeps the time it was printed. `None` for a blank line
/// (the server refuses empty messages).
pub fn entry(stream: Stream, line: String, pid: Option<u32>) -> Option<LogEntry> {
    if line.trim().is_empty() {
        return None;
    }
    let level = leading_level(&line).unwrap_or(stream.default_level());
    let mut entry =
        LogEntry { level: Some(level.to_owned()), timestamp: Some(Utc::now()), ..LogEntry::default() }
            .field("stream", stream.name());
    if let Some(pid) = pid {
        entry = entry.field("pid", pid);
    }
    entry.message = line;
    Some(entry)
}

/// The level a line starts with, in the usual spellings: `ERROR ...`,
/// `[warn] ...`, `<info> ...`, `Warning: ...`.
pub fn leading_level(line: &str) -> Option<&'static str> {
    let rest = line.trim_start().trim_start_matches(['[', '<', '(']);
    let word_end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_end);
    // "Information" or "errors" are words, not levels.
    if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some(match word.to_ascii_lowercase().as_str() {
        "trace" => "trace",
        "debug" => "debug",
        "info" => "info",
        "warn" | "warning" => "warn",
        "error" | "err" => "error",
        "fatal" | "critical" | "crit" => "fatal",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_read_from_the_usual_prefixes_only() {
        assert_eq!(leading_level("ERROR disk full"), Some("error"));
        assert_eq!(leading_level("  [warn] slow"), Some("warn"));
        assert_eq!(leading_level("Warning: x"), Some("warn"));
        assert_eq!(leading_level("<crit>boom"), Some("fatal"));
        assert_eq!(leading_level("debug"), Some("debug"));
        assert_eq!(leading_level("Information follows"), None);
        assert_eq!(leading_level("errors: 0"), None);
        assert_eq!(leading_level("hello"), None);
    }

    #[test]
    fn stream_sets_the_default_level_and_blank_lines_are_dropped() {
        let out = entry(Stream::Stdout, "hello".into(), Some(7)).unwrap();
        assert_eq!(out.level.as_deref(), Some("info"));
        assert_eq!(out.metadata.as_ref().unwrap()["stream"], "stdout");
        assert_eq!(out.metadata.as_ref().unwrap()["pid"], 7);
        let err = entry(Stream::Stderr, "oops".into(), None).unwrap();
        assert_eq!(err.level.as_deref(), Some("error"));
        assert_eq!(
            entry(Stream::Stderr, "INFO starting".into(), None).unwrap().level.as_deref(),
            Some("info")
        );
        assert!(entry(Stream::Stdout, "  \t".into(), None).is_none());
    }

    #[tokio::test]
    async fn long_lines_are_split_and_crlf_is_trimmed() {
        let mut input = "a\r\nb\n".as_bytes().to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        let mut reader = LineReader::new(&input[..]);
        assert_eq!(reader.next_line().await.unwrap().as_deref(), Some("a"));
        assert_eq!(reader.next_line().await.unwrap().as_deref(), Some("b"));
        assert_eq!(reader.next_line().await.unwrap().unwrap().len(), MAX_LINE_BYTES);
        assert_eq!(reader.next_line().await.unwrap().unwrap().len(), 10);
        assert_eq!(reader.next_line().await.unwrap(), None);
    }
}
