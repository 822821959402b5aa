//! [`LogSender`]: log entries buffered in memory and sent in batches by a
//! background task.
//!
//! # Delivery guarantee
//!
//! Every entry given to [`LogSender::send`] ends up in exactly one of the
//! counters of [`SenderStats`]:
//!
//! - **sent**: a `POST /api/agent/log` containing it was answered 201,
//!   i.e. the server stored it durably. Entries are sent in the order
//!   `send` was called (one request at a time, batches never reordered).
//!   Delivery is *exactly once* (within 24 h): each batch gets one random
//!   `Idempotency-Key`, reused on every retry of that batch — by the
//!   client's [`RetryPolicy`](crate::RetryPolicy) and after it is put back
//!   — so when an answer is lost after the server stored the batch, the
//!   resend stores nothing. A batch split after a 400 or 413 sends each
//!   half under a new key. One exception: when the buffer overflows while
//!   a put-back batch waits, the batch loses its oldest entries and the
//!   rest is sent under a new key, so if its first attempt was in fact
//!   stored, the rest is stored again.
//! - **dropped**: it was evicted, oldest first, because the buffer held
//!   `max_buffer` entries (the server was unreachable for long, or the app
//!   logs faster than the server takes in) — or `send` was called after
//!   shutdown began.
//! - **failed**: the server refused it for good (a 4xx other than 429: an
//!   invalid entry — a batch refused with 400 or 413 is split until the bad
//!   entries are alone, so one bad entry does not take its neighbours with
//!   it — or a revoked token), or the server was still unreachable when
//!   [`LogSender::shutdown`] gave up.
//!
//! While running, a batch that fails with a retryable error (network, 429,
//! 5xx) after the client's [`RetryPolicy`](crate::RetryPolicy) is put back
//! at the front of the buffer and tried again at the next interval, so an
//! outage costs nothing until the buffer overflows. The buffer lives in
//! memory only: a process that dies loses it (`orion-agent` keeps an
//! on-disk buffer for that).

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::{Instant, MissedTickBehavior};

use crate::client::{Client, random_key};
use crate::error::ClientError;
use crate::wire::LogEntry;

/// The most entries the server takes in one request.
pub const MAX_BATCH: usize = 10_000;

/// How a [`LogSender`] batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    /// Entries per request, 1 to [`MAX_BATCH`]; a full batch is sent at
    /// once, without waiting for the interval.
    pub max_batch: usize,
    /// Longest time an entry waits in the buffer while the server is up.
    pub flush_interval: Duration,
    /// Entries held at most (at least `max_batch`); past it the oldest are
    /// dropped and counted.
    pub max_buffer: usize,
}

impl Default for BatchConfig {
    /// Batches of 1,000, sent at least every second, up to 100,000
    /// entries buffered.
    fn default() -> Self {
        Self { max_batch: 1_000, flush_interval: Duration::from_secs(1), max_buffer: 100_000 }
    }
}

/// What happened to the entries given to a [`LogSender`] so far (see the
/// [module docs](self) for the exact meaning of each counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderStats {
    /// Stored by the server.
    pub sent: u64,
    /// Evicted from a full buffer, or sent after shutdown began.
    pub dropped: u64,
    /// Refused by the server, or undeliverable at shutdown.
    pub failed: u64,
    /// Waiting in the buffer now (not counting a batch in flight).
    pub buffered: usize,
}

/// A handle to a background task that sends log entries in batches.
///
/// Cloning gives another handle to the same buffer and task. When the
/// last handle is dropped the task sends what is left and stops (if its
/// runtime is still running); call [`Self::shutdown`] to wait for that.
#[derive(Clone)]
pub struct LogSender {
    handle: Arc<Handle>,
}

impl fmt::Debug for LogSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counters, not the buffered entries: they can be many, and private.
        f.debug_struct("LogSender").field("config", &self.config()).field("stats", &self.stats()).finish()
    }
}

/// The last handle going away closes the sender.
#[derive(Debug)]
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.wake.notify_one();
    }
}

#[derive(Debug)]
struct Shared {
    config: BatchConfig,
    state: Mutex<State>,
    /// Wakes the task: a full batch, a flush, shutdown.
    wake: Notify,
    /// The task's progress, for `flush` and `shutdown` to wait on.
    progress: watch::Sender<Progress>,
    sent: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    buffer: VecDeque<LogEntry>,
    /// The front of `buffer` in batches already tried under a key: their
    /// lengths and keys, in order. A resend takes exactly such a batch and
    /// sends it under the same key.
    keyed: VecDeque<(usize, String)>,
    /// Flushes asked for so far.
    flushes_requested: u64,
    closing: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Progress {
    /// Flushes completed so far.
    flushed: u64,
    /// The task has stopped.
    finished: bool,
}

impl State {
    /// `n` entries went from the front of the buffer: so do fully evicted
    /// keyed batches; a batch that lost only some entries is a different
    /// batch now and gets a new key.
    fn evict_keyed(&mut self, mut n: usize) {
        while n > 0 {
            let Some((len, key)) = self.keyed.front_mut() else { return };
            if *len <= n {
                n -= *len;
                self.keyed.pop_front();
            } else {
                *len -= n;
                *key = random_key();
                return;
            }
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not stop logging: the state stays consistent
        // (every critical section is a few infallible collection operations).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl LogSender {
    /// Starts the background task on the current tokio runtime. Sizes are
    /// brought into range: `max_batch` to 1..=10,000, `max_buffer` to at
    /// least `max_batch`, the interval to at least 1 ms.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub fn spawn(client: Client, config: BatchConfig) -> Self {
        let max_batch = config.max_batch.clamp(1, MAX_BATCH);
        let config = BatchConfig {
            max_batch,
            flush_interval: config.flush_interval.max(Duration::from_millis(1)),
            max_buffer: config.max_buffer.max(max_batch),
        };
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            progress: watch::Sender::new(Progress::default()),
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        });
        tokio::spawn(Worker { shared: shared.clone(), client, suspended: false }.run());
        Self { handle: Arc::new(Handle { shared }) }
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// Buffers `entry` for sending. Never waits for the network: when the
    /// buffer is full the oldest entry is dropped (and counted). Callable
    /// from any thread, inside a runtime or not.
    pub fn send(&self, entry: LogEntry) {
        let shared = self.shared();
        let mut state = shared.lock();
        if state.closing {
            Shared::count(&shared.dropped, 1);
            return;
        }
        if state.buffer.len() >= shared.config.max_buffer {
            state.buffer.pop_front();
            state.evict_keyed(1);
            Shared::count(&shared.dropped, 1);
        }
        state.buffer.push_back(entry);
        let full = state.buffer.len() >= shared.config.max_batch;
        drop(state);
        if full {
            shared.wake.notify_one();
        }
    }

    /// Sends everything buffered now and waits until each of those entries
    /// was tried (sent, refused, or put back after retryable failures —
    /// see [`Self::stats`]). Returns at once after shutdown.
    pub async fn flush(&self) {
        let shared = self.shared();
        let ticket = {
            let mut state = shared.lock();
            state.flushes_requested += 1;
            state.flushes_requested
        };
        shared.wake.notify_one();
        let mut progress = shared.progress.subscribe();
        // An error means the task is gone, which only happens once finished.
        let _ = progress.wait_for(|p| p.flushed >= ticket || p.finished).await;
    }

    /// Stops taking entries, sends everything buffered (each batch tried
    /// per the client's retry policy; once one fails for good the rest is
    /// counted as failed rather than waiting out the policy again), and
    /// waits for the task to stop. Later [`Self::send`]s are dropped.
    pub async fn shutdown(&self) {
        let shared = self.shared();
        shared.lock().closing = true;
        shared.wake.notify_one();
        let mut progress = shared.progress.subscribe();
        let _ = progress.wait_for(|p| p.finished).await;
    }

    /// Entries dropped so far (buffer overflow, or sent after shutdown).
    pub fn dropped(&self) -> u64 {
        self.shared().dropped.load(Ordering::Relaxed)
    }

    /// All counters.
    pub fn stats(&self) -> SenderStats {
        let shared = self.shared();
        SenderStats {
            sent: shared.sent.load(Ordering::Relaxed),
            dropped: shared.dropped.load(Ordering::Relaxed),
            failed: shared.failed.load(Ordering::Relaxed),
            buffered: shared.lock().buffer.len(),
        }
    }

    /// The configuration in force (after bringing sizes into range).
    pub fn config(&self) -> BatchConfig {
        self.shared().config
    }
}

/// Marks the task finished however it ends (even dropped by a runtime
/// shutting down), so `flush` and `shutdown` never wait forever.
struct Finished(Arc<Shared>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.progress.send_modify(|p| p.finished = true);
    }
}

/// What became of one batch.
enum Outcome {
    /// Sent, or refused for good (counted either way).
    Settled,
    /// A retryable failure outlasted the retry policy; these batches, in
    /// order and with their keys, are still to be sent.
    Unsent(Vec<(Vec<LogEntry>, String)>),
}

/// The background task. It must not log through `tracing`: it may be
/// serving an [`OrionLayer`](crate::OrionLayer), and its own events would
/// come back to it.
struct Worker {
    shared: Arc<Shared>,
    client: Client,
    /// After a retryable failure: wait for the interval (or a flush) rather
    /// than hammering a server that is down every time a batch fills up.
    suspended: bool,
}

impl Worker {
    async fn run(mut self) {
        let _finished = Finished(self.shared.clone());
        let every = self.shared.config.flush_interval;
        let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut flushed = 0;
        loop {
            let timed = tokio::select! {
                _ = ticks.tick() => true,
                () = self.shared.wake.notified() => false,
            };
            let (requested, closing) = {
                let state = self.shared.lock();
                (state.flushes_requested, state.closing)
            };
            if closing {
                break;
            }
            let flushing = requested > flushed;
            if timed || flushing {
                self.suspended = false;
            } else if self.suspended {
                continue;
            }
            self.drain(timed || flushing).await;
            if flushing {
                flushed = requested;
                self.shared.progress.send_modify(|p| p.flushed = requested);
            }
        }
        self.close().await;
    }

    /// Sends full batches, and the last partial one too when `everything`;
    /// stops early (suspended) when the server stays unreachable.
    async fn drain(&mut self, everything: bool) {
        while let Some(batch) = self.take(everything) {
            if let Outcome::Unsent(rest) = self.deliver(batch).await {
                self.put_back(rest);
                self.suspended = true;
                return;
            }
        }
    }

    /// Shutdown: everything left, once; after a batch fails for good the
    /// rest is given up at once (the server is not coming back in time).
    async fn close(&mut self) {
        while let Some(batch) = self.take(true) {
            if let Outcome::Unsent(rest) = self.deliver(batch).await {
                let unsent: usize = rest.iter().map(|(entries, _)| entries.len()).sum();
                let left = unsent + self.shared.lock().buffer.drain(..).count();
                Shared::count(&self.shared.failed, left);
                return;
            }
        }
    }

    /// The next batch from the front of the buffer, with its key: a batch
    /// tried before, exactly as it was, under its key; otherwise a full
    /// one, or a partial one when `everything`, under a new key.
    fn take(&self, everything: bool) -> Option<(Vec<LogEntry>, String)> {
        let mut state = self.shared.lock();
        let max = self.shared.config.max_batch;
        let len = state.buffer.len();
        if len == 0 || (len < max && !everything) {
            return None;
        }
        if let Some((n, key)) = state.keyed.pop_front() {
            return Some((state.buffer.drain(..n.min(len)).collect(), key));
        }
        Some((state.buffer.drain(..len.min(max)).collect(), random_key()))
    }

    /// Returns unsent batches to the front of the buffer, in order, keeping
    /// their keys; what no longer fits is dropped, oldest first, as
    /// overflow always is.
    fn put_back(&self, batches: Vec<(Vec<LogEntry>, String)>) {
        let mut state = self.shared.lock();
        let total: usize = batches.iter().map(|(entries, _)| entries.len()).sum();
        let room = self.shared.config.max_buffer.saturating_sub(state.buffer.len());
        let mut skip = total.saturating_sub(room);
        Shared::count(&self.shared.dropped, skip);
        let mut kept = Vec::with_capacity(batches.len());
        for (mut entries, key) in batches {
            if skip >= entries.len() {
                skip -= entries.len();
                continue;
            }
            // A batch that lost some entries is a new batch: a new key.
            let key = if skip > 0 { random_key() } else { key };
            entries.drain(..skip);
            skip = 0;
            kept.push((entries, key));
        }
        for (entries, key) in kept.into_iter().rev() {
            state.keyed.push_front((entries.len(), key));
            for entry in entries.into_iter().rev() {
                state.buffer.push_front(entry);
            }
        }
    }

    /// Sends one batch under its key. A batch refused with 400 or 413 is
    /// split in halves, each under a new key, until the refused entries are
    /// alone, so one bad or huge entry costs only itself.
    async fn deliver(&self, batch: (Vec<LogEntry>, String)) -> Outcome {
        let mut chunks = VecDeque::from([batch]);
        while let Some((chunk, key)) = chunks.pop_front() {
            match self.client.send_logs_with_key(&chunk, &key).await {
                Ok(_) => Shared::count(&self.shared.sent, chunk.len()),
                Err(ClientError::Api { status: 400 | 413, .. }) if chunk.len() > 1 => {
                    let mut first = chunk;
                    let second = first.split_off(first.len() / 2);
                    chunks.push_front((second, random_key()));
                    chunks.push_front((first, random_key()));
                }
                Err(err) if err.is_retryable() => {
                    let rest = std::iter::once((chunk, key)).chain(chunks).collect();
                    return Outcome::Unsent(rest);
                }
                Err(_) => Shared::count(&self.shared.failed, chunk.len()),
            }
        }
        Outcome::Settled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_output_shows_counters_not_entries() {
        let sender =
            LogSender::spawn(Client::new("http://127.0.0.1:1", "t").unwrap(), BatchConfig::default());
        sender.send(LogEntry::new("info", "card 4111 1111 1111 1111"));
        let debug = format!("{sender:?}");
        assert!(debug.contains("buffered: 1") && !debug.contains("4111"), "{debug}");
    }

    #[tokio::test]
    async fn sizes_out_of_range_are_brought_into_range() {
        let client = Client::new("http://127.0.0.1:1", "t").unwrap();
        let config = BatchConfig { max_batch: 50_000, flush_interval: Duration::ZERO, max_buffer: 10 };
        let sender = LogSender::spawn(client.clone(), config);
        assert_eq!(
            sender.config(),
            BatchConfig {
                max_batch: MAX_BATCH,
                flush_interval: Duration::from_millis(1),
                max_buffer: MAX_BATCH
            }
        );
        let sender = LogSender::spawn(client, BatchConfig { max_batch: 0, ..BatchConfig::default() });
        assert_eq!(sender.config().max_batch, 1);
    }
}
