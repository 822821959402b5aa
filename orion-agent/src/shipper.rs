//! Moving one script's log entries to the server through its spool: a
//! writer task appends captured entries to disk, a sender task posts them
//! in batches and advances the cursor only after the server's 201.
//!
//! Every batch is sent with an `Idempotency-Key` derived from where it
//! starts in the spool, `<server>:<script>:<spool id>:<segment>:<offset>`,
//! so a batch resent after a lost answer — by the retry loop, or by the
//! next agent after a restart — is stored once (within the server's 24 h
//! window). The spool id is random per spool directory (file `spool-id`),
//! so a wiped and recreated spool never reuses a key. A resend may read
//! more lines than the first attempt did (the tail of the segment grew);
//! the first attempt's lines are then a prefix of the resend's, and the
//! server answers the count it stored the first time: the rest is sent
//! under the key suffixed with `:from-<count>`, and so on.
//!
//! Batches go with the script's own `sk_source_` token (from
//! `POST /agent/source`), kept in the spool directory (mode 0600) so a
//! restarted agent reuses it instead of minting a new one each start.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orion_client::{Client, ClientError, LogEntry, RetryPolicy};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::backoff::Backoff;
use super::buffer::{Batch, Cursor, SpoolReader, SpoolWriter};
use super::config::write_private;

/// Most entries in one `POST /agent/log` (the server takes 10,000).
pub const MAX_BATCH_LINES: usize = 1_000;
/// Most bytes read into one batch (the server takes 10 MiB of JSON).
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;
/// Entries waiting between the script's pipes and the disk; when full, the
/// script's pipe reader waits, and so, through the pipe, does the script.
const CHANNEL: usize = 4_096;
/// First wait after a failed send.
const RETRY_INITIAL: Duration = Duration::from_millis(200);
/// File of the cached source token, beside the segments.
const TOKEN_FILE: &str = "source-token";
/// File of the spool's random id, beside the segments.
const SPOOL_ID_FILE: &str = "spool-id";
/// Characters of the server id and of the script name kept in a key.
const KEY_NAME_CHARS: usize = 24;

/// What a shipper needs besides its script.
#[derive(Debug, Clone)]
pub struct ShipperSettings {
    /// Fsync period of the spool and fallback check interval.
    pub flush_interval: Duration,
    /// Longest wait between two send attempts during an outage.
    pub retry_backoff_max: Duration,
    /// Byte budget of this script's spool.
    pub max_bytes: u64,
    /// The agent's server id, the first part of idempotency keys.
    pub server_id: String,
}

/// What goes to a script's spool writer.
#[derive(Debug)]
pub enum Spooled {
    /// A captured line.
    Entry(LogEntry),
    /// Answered once everything sent before it is on disk (a crash's
    /// context is read back from there).
    Flush(oneshot::Sender<()>),
}

/// The running writer and sender of one script.
#[derive(Debug)]
pub struct Shipper {
    tx: mpsc::Sender<Spooled>,
    writer: JoinHandle<()>,
    sender: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Shipper {
    /// Opens the spool in `dir` and starts both tasks. `agent` carries the
    /// agent token (to obtain the source token).
    pub fn start(
        name: &str,
        cwd: Option<&Path>,
        dir: &Path,
        agent: Client,
        settings: ShipperSettings,
    ) -> std::io::Result<Self> {
        let writer = SpoolWriter::open(dir, settings.max_bytes)?;
        let reader = SpoolReader::open(dir)?;
        let key_prefix = format!("{}:{}:{}", key_part(&settings.server_id), key_part(name), spool_id(dir)?);
        let (tx, rx) = mpsc::channel(CHANNEL);
        let (stop, stop_rx) = watch::channel(false);
        let written = Arc::new(Notify::new());
        let writer =
            tokio::spawn(write_loop(name.to_owned(), writer, rx, written.clone(), settings.flush_interval));
        let source = SourceToken {
            path: dir.join(TOKEN_FILE),
            name: name.to_owned(),
            cwd: cwd.map(|c| c.display().to_string()),
            value: None,
        };
        let reader = Arc::new(Mutex::new(reader));
        let sender = SendLoop {
            name: name.to_owned(),
            key_prefix,
            reader,
            agent,
            source,
            written,
            stop: stop_rx,
            settings,
        };
        let sender = tokio::spawn(sender.run());
        Ok(Self { tx, writer, sender, stop })
    }

    /// Where the script's entries go.
    pub fn entries(&self) -> mpsc::Sender<Spooled> {
        self.tx.clone()
    }

    /// Once every [`Self::entries`] clone is dropped (the script stopped):
    /// waits for the writer to put the last entries on disk, then lets the
    /// sender send what it can within `deadline`. What is left stays on
    /// disk for the next start.
    pub async fn finish(self, deadline: Duration) {
        drop(self.tx);
        let _ = self.writer.await;
        let _ = self.stop.send(true);
        let mut sender = self.sender;
        if tokio::time::timeout(deadline, &mut sender).await.is_err() {
            sender.abort();
        }
    }
}

/// `raw` cut to [`KEY_NAME_CHARS`], with characters an idempotency key
/// cannot hold replaced by `_` (the random spool id keeps keys apart).
fn key_part(raw: &str) -> String {
    raw.chars()
        .take(KEY_NAME_CHARS)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect()
}

/// The spool's random id: read from `dir`, or made and written there.
fn spool_id(dir: &Path) -> std::io::Result<String> {
    let path = dir.join(SPOOL_ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => return Ok(key_part(id.trim())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let id = hex::encode(rand::random::<[u8; 8]>());
    std::fs::write(&path, &id)?;
    Ok(id)
}

/// The idempotency key of the batch starting at `start`, after `sent` of
/// its entries were already stored.
fn batch_key(prefix: &str, start: Cursor, sent: usize) -> String {
    let key = format!("{prefix}:{}:{}", start.segment, start.offset);
    if sent == 0 { key } else { format!("{key}:from-{sent}") }
}

async fn write_loop(
    name: String,
    mut writer: SpoolWriter,
    mut rx: mpsc::Receiver<Spooled>,
    written: Arc<Notify>,
    sync_every: Duration,
) {
    while let Some(first) = rx.recv().await {
        // Everything already waiting goes in the same write; flushes are
        // answered after it.
        let (mut entries, mut flushes) = (Vec::new(), Vec::new());
        let mut next = Some(first);
        while let Some(item) = next.take() {
            match item {
                Spooled::Entry(entry) => entries.push(entry),
                Spooled::Flush(done) => flushes.push(done),
            }
            if entries.len() < MAX_BATCH_LINES {
                next = rx.try_recv().ok();
            }
        }
        if entries.is_empty() {
            for done in flushes {
                let _ = done.send(());
            }
            continue;
        }
        let lines: Vec<String> = entries.iter().filter_map(|e| serde_json::to_string(e).ok()).collect();
        let result = tokio::task::spawn_blocking(move || {
            let appended = writer.append(&lines);
            let synced = writer.sync_if_due(sync_every);
            (writer, appended, synced)
        })
        .await;
        let Ok((back, appended, synced)) = result else {
            tracing::error!(script = %name, "the log buffer writer panicked; logs of this script are no longer kept");
            return;
        };
        writer = back;
        match appended {
            Ok(0) => {}
            Ok(dropped) => tracing::warn!(
                script = %name,
                dropped_bytes = dropped,
                "log buffer full: dropped the oldest unsent logs to stay within buffer_max_bytes"
            ),
            Err(e) => {
                tracing::error!(script = %name, error = %e, "cannot write to the log buffer; lines lost")
            }
        }
        if let Err(e) = synced {
            tracing::warn!(script = %name, error = %e, "cannot fsync the log buffer");
        }
        for done in flushes {
            let _ = done.send(());
        }
        written.notify_one();
    }
    let _ = tokio::task::spawn_blocking(move || writer.sync_if_due(Duration::ZERO)).await;
}

/// The script's source token: from the cache file, or made by the server.
#[derive(Debug)]
struct SourceToken {
    path: PathBuf,
    name: String,
    cwd: Option<String>,
    value: Option<String>,
}

impl SourceToken {
    async fn get(&mut self, agent: &Client) -> Result<String, ClientError> {
        if self.value.is_none() {
            self.value = std::fs::read_to_string(&self.path)
                .ok()
                .map(|t| t.trim().to_owned())
                .filter(|t| t.starts_with("sk_source_"));
        }
        if let Some(token) = &self.value {
            return Ok(token.clone());
        }
        let token = agent.create_source(&self.name, self.cwd.as_deref()).await?;
        if let Err(e) = write_private(&self.path, token.as_bytes()) {
            // Still usable for this run; the next start asks again.
            tracing::warn!(script = %self.name, error = %e, "cannot cache the source token");
        }
        self.value = Some(token.clone());
        Ok(token)
    }

    /// Drops a token the server refused (revoked, say).
    fn forget(&mut self) {
        self.value = None;
        let _ = std::fs::remove_file(&self.path);
    }
}

struct SendLoop {
    name: String,
    /// `<server>:<script>:<spool id>`, the start of every batch's key.
    key_prefix: String,
    /// Shared only with the blocking tasks that read and commit it.
    reader: Arc<Mutex<SpoolReader>>,
    agent: Client,
    source: SourceToken,
    written: Arc<Notify>,
    stop: watch::Receiver<bool>,
    settings: ShipperSettings,
}

/// What became of one batch.
enum Outcome {
    Sent,
    /// Worth trying again later (server unreachable, 5xx, 429).
    Retry(ClientError),
    /// Refused for good (400, 413): dropped so it cannot wedge the spool.
    Refused(ClientError),
}

impl SendLoop {
    async fn run(mut self) {
        let mut backoff = Backoff::new(RETRY_INITIAL, self.settings.retry_backoff_max);
        let mut failing = false;
        loop {
            let stopping = *self.stop.borrow();
            let Some(batch) = self.next_batch().await else {
                if stopping {
                    return;
                }
                self.wait(self.settings.flush_interval).await;
                continue;
            };
            match self.send(&batch).await {
                Outcome::Sent => {
                    if failing {
                        tracing::info!(script = %self.name, "the server is reachable again; sending buffered logs");
                        failing = false;
                    }
                    backoff.reset();
                    self.commit(batch).await;
                }
                Outcome::Refused(e) => {
                    tracing::error!(script = %self.name, lines = batch.lines.len(), error = %e, "the server refused a batch of logs; dropped it");
                    self.commit(batch).await;
                }
                Outcome::Retry(e) => {
                    if !failing {
                        tracing::warn!(script = %self.name, error = %e, "cannot send logs; they stay buffered on disk until the server is back");
                        failing = true;
                    }
                    if stopping {
                        return; // the rest waits on disk for the next start
                    }
                    self.wait(backoff.next_delay()).await;
                }
            }
        }
    }

    /// Sleeps `delay`, cut short by new lines or the stop signal.
    async fn wait(&mut self, delay: Duration) {
        tokio::select! {
            _ = self.written.notified() => {}
            _ = tokio::time::sleep(delay) => {}
            _ = self.stop.changed() => {}
        }
    }

    async fn next_batch(&mut self) -> Option<Batch> {
        let reader = self.reader.clone();
        let batch = tokio::task::spawn_blocking(move || {
            reader.lock().expect("spool lock").next_batch(MAX_BATCH_LINES, MAX_BATCH_BYTES)
        })
        .await
        .expect("spool reads do not panic");
        match batch {
            Ok(batch) => batch,
            Err(e) => {
                tracing::error!(script = %self.name, error = %e, "cannot read the log buffer");
                None
            }
        }
    }

    async fn commit(&mut self, batch: Batch) {
        let reader = self.reader.clone();
        let result =
            tokio::task::spawn_blocking(move || reader.lock().expect("spool lock").commit(batch.end))
                .await
                .expect("spool commits do not panic");
        if let Err(e) = result {
            // The lines reached the server; if the cursor is not on disk
            // they will be sent again after a restart.
            tracing::error!(script = %self.name, error = %e, "cannot persist the log buffer cursor");
        }
    }

    async fn send(&mut self, batch: &Batch) -> Outcome {
        let entries: Vec<LogEntry> = batch
            .lines
            .iter()
            .filter_map(|line| match serde_json::from_str(line) {
                Ok(entry) => Some(entry),
                Err(e) => {
                    tracing::warn!(script = %self.name, error = %e, "skipping a corrupt line of the log buffer");
                    None
                }
            })
            .collect();
        if entries.is_empty() {
            return Outcome::Sent;
        }
        let token = match self.source.get(&self.agent).await {
            Ok(token) => token,
            Err(e) => return Outcome::Retry(e),
        };
        // One try per call: this loop retries, with its own backoff, and
        // can stop between two tries at shutdown.
        let client = self.agent.clone().with_token(&token).with_retry(RetryPolicy::none());
        // Fewer accepted than sent means the key was already used by an
        // earlier attempt, which held a prefix of these entries: send the
        // rest under the next key.
        let mut sent = 0;
        while sent < entries.len() {
            let key = batch_key(&self.key_prefix, batch.start, sent);
            match client.send_logs_with_key(&entries[sent..], &key).await {
                Ok(0) => break,
                Ok(accepted) => sent += accepted,
                Err(e) if e.is_retryable() => return Outcome::Retry(e),
                Err(e) if matches!(e.status(), Some(401 | 403)) => {
                    self.source.forget();
                    return Outcome::Retry(e);
                }
                Err(e) => return Outcome::Refused(e),
            }
        }
        Outcome::Sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keys_name_where_the_batch_starts_and_fit_the_servers_rule() {
        let prefix =
            format!("{}:{}:{}", key_part("web-1.example.com"), key_part("my job/ü"), "0011223344556677");
        assert_eq!(prefix, "web-1.example.com:my_job__:0011223344556677");
        let start = Cursor { segment: 7, offset: 4096 };
        assert_eq!(batch_key(&prefix, start, 0), format!("{prefix}:7:4096"));
        assert_eq!(batch_key(&prefix, start, 12), format!("{prefix}:7:4096:from-12"));
        let longest = batch_key(
            &format!("{0}:{0}:{1}", key_part(&"x".repeat(200)), "f".repeat(16)),
            Cursor { segment: u64::MAX, offset: u64::MAX },
            10_000,
        );
        assert!(longest.len() <= 128, "{} chars", longest.len());
        for key in [longest, batch_key(&prefix, start, 12)] {
            assert!(orion_core::model::log::IdempotencyKey::parse(&key).is_ok(), "{key}");
        }
    }

    #[test]
    fn the_spool_id_is_made_once_and_kept() {
        let dir =
            std::env::temp_dir().join(format!("orion-spool-id-{}", hex::encode(rand::random::<[u8; 6]>())));
        std::fs::create_dir_all(&dir).unwrap();
        let first = spool_id(&dir).unwrap();
        assert_eq!(first.len(), 16);
        assert_eq!(spool_id(&dir).unwrap(), first, "a restart reuses the id");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
