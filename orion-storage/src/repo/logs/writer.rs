//! Group commit: one writer task turns many concurrent `append` calls into
//! one transaction, so the cost of a commit (an fsync on SQLite, a WAL
//! flush on PostgreSQL) is shared by every request that arrived meanwhile.
//!
//! `append` reserves room for its rows in a fixed budget (a semaphore of
//! rows, so memory stays bounded whatever the batch sizes), queues its
//! entries with a oneshot, and waits. When the budget is spent it fails at
//! once with `Overloaded` (HTTP answers 429) instead of queueing without
//! bound. The task takes the first request, drains whatever else is queued
//! up to a row cap, writes it all in one transaction and only then answers
//! each caller with its own entries and ids. If that transaction fails,
//! each request is retried in its own transaction, so a bad request fails
//! alone and every request stays all-or-nothing — unless the database
//! cannot be reached (`Unreachable`): then the batch, and every request
//! queued behind it, fails at once with that error (HTTP answers 503)
//! rather than each waiting out another connection timeout, and the task
//! goes on serving the requests that come next.
//!
//! A request with an idempotency key records it in the same transaction
//! (see `keys`), before the entries: a request whose key is already
//! recorded — by an earlier commit, or by a request ahead of it in this
//! very batch — stores nothing and is answered `Duplicate`, and the rest of
//! the batch is written as usual.
//!
//! The work is two tasks in a pipeline, so encoding (CPU) overlaps the
//! commit before it (SQL and the fsync):
//!
//! - the **packer** takes the queued requests as a batch and encodes their
//!   blocks on blocking threads *before* the transaction, numbered from the
//!   block number the sequence will hand out next — which it learns from
//!   the committer as soon as the batch ahead has drawn its numbers, early
//!   in that batch's transaction;
//! - the **committer** writes each batch in one transaction: it records
//!   the keys, draws the block numbers, and stores the encoded blocks when
//!   the numbers are the predicted ones. When they are not (another
//!   instance or a merge drew numbers meanwhile, the batch ahead rolled
//!   back, a key turned out to be a duplicate) it encodes again inside the
//!   transaction, as the simple path does: a prediction only saves time,
//!   it never decides an id.
//!
//! The tasks end when the last repository handle is dropped (the channel
//! closes), after writing what was already queued.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::log::{LogEntry, NewLogEntry};
use orion_core::repo::AppendOutcome;
use sea_orm::{DatabaseConnection, DbBackend, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};

use super::keys::{self, Claim};
use super::pack::{self, Packed};
use super::store;
use crate::error::repo_err;
use crate::live::Pointer;

/// How the writer queues and batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOptions {
    /// Rows that may wait for the writer at once; past it `append` fails
    /// with `Overloaded`. A single request larger than this is still
    /// accepted when the queue is empty.
    pub queue_rows: usize,
    /// Most rows written in one transaction (a request is never split).
    pub batch_rows: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        // 50k queued rows is a few tens of MB; 20k rows per transaction
        // amortises the commit without holding SQLite's lock for long.
        Self { queue_rows: 50_000, batch_rows: 20_000 }
    }
}

/// What the writer has done so far (for tests and monitoring).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestStats {
    /// `append` calls accepted into the queue.
    pub requests: u64,
    /// Transactions committed.
    pub commits: u64,
    /// Batches whose shared transaction failed and whose requests were
    /// then retried one by one.
    pub split_batches: u64,
    /// Transactions that stored blocks encoded ahead of them (the pipeline
    /// working as meant).
    pub encoded_ahead: u64,
    /// Transactions that encoded inside themselves: no prediction yet, a
    /// wrong one (numbers drawn meanwhile by a merge or another instance),
    /// a duplicate key, or the simple path.
    pub encoded_inside: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    commits: AtomicU64,
    split_batches: AtomicU64,
    encoded_ahead: AtomicU64,
    encoded_inside: AtomicU64,
}

/// One caller's entries and where to send the outcome.
struct Request {
    /// Its place in the queue, counted from 1 ([`Writer::append`] order).
    seq: u64,
    entries: Vec<NewLogEntry>,
    claim: Option<Claim>,
    reply: oneshot::Sender<RepoResult<AppendOutcome>>,
    /// Returned to the budget once the request is answered.
    _room: OwnedSemaphorePermit,
}

/// One request's share of a transaction: its entries and its key.
pub(super) struct Item<'a> {
    pub(super) entries: &'a [NewLogEntry],
    pub(super) claim: Option<&'a Claim>,
}

/// What a transaction did for one [`Item`].
pub(super) enum Written {
    /// Stored; the ids of its entries, in order.
    Ids(Vec<i64>),
    /// Its key was already recorded: nothing stored; the first count.
    Duplicate(usize),
}

/// The handle `append` uses; dropping every clone stops the task.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Request>,
    /// Requests queued so far: each request's `seq`.
    enqueued: Arc<AtomicU64>,
    room: Arc<Semaphore>,
    queue_rows: usize,
    counters: Arc<Counters>,
}

impl Writer {
    /// Starts the writer task on the current Tokio runtime.
    pub(crate) fn spawn(db: DatabaseConnection, options: IngestOptions) -> Self {
        // The queue itself is unbounded; the row budget bounds it.
        let (queue, requests) = mpsc::unbounded_channel();
        let counters = Arc::new(Counters::default());
        let queue_rows = options.queue_rows.clamp(1, Semaphore::MAX_PERMITS);
        // One batch may wait, encoded, while the one before commits.
        let (ready, batches) = mpsc::channel(1);
        let (numbers, drawn) = watch::channel(Drawn { batch: 0, next: None });
        let enqueued = Arc::new(AtomicU64::new(0));
        let down = Down { enqueued: enqueued.clone(), before: Arc::new(AtomicU64::new(0)) };
        tokio::spawn(pack_batches(requests, ready, drawn, options.batch_rows.max(1), down.clone()));
        tokio::spawn(commit_batches(db, batches, numbers, counters.clone(), down));
        Self { queue, enqueued, room: Arc::new(Semaphore::new(queue_rows)), queue_rows, counters }
    }

    /// Queues `entries` (with the key to record, if any) and waits until
    /// they are committed, or the key is found already recorded.
    pub(crate) async fn append(
        &self,
        entries: Vec<NewLogEntry>,
        claim: Option<Claim>,
    ) -> RepoResult<AppendOutcome> {
        if entries.is_empty() {
            return Ok(AppendOutcome::Stored(Vec::new()));
        }
        let rows = u32::try_from(entries.len().min(self.queue_rows)).unwrap_or(u32::MAX);
        let room = self.room.clone().try_acquire_many_owned(rows).map_err(|_| RepositoryError::Overloaded)?;
        let (reply, outcome) = oneshot::channel();
        let seq = self.enqueued.fetch_add(1, Ordering::SeqCst) + 1;
        self.queue.send(Request { seq, entries, claim, reply, _room: room }).map_err(|_| stopped())?;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        outcome.await.map_err(|_| stopped())?
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> IngestStats {
        IngestStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            commits: self.counters.commits.load(Ordering::Relaxed),
            split_batches: self.counters.split_batches.load(Ordering::Relaxed),
            encoded_ahead: self.counters.encoded_ahead.load(Ordering::Relaxed),
            encoded_inside: self.counters.encoded_inside.load(Ordering::Relaxed),
        }
    }
}

fn stopped() -> RepositoryError {
    RepositoryError::unavailable(std::io::Error::other("the log writer has stopped"))
}

/// Where the committer tells the packer the database was unreachable: the
/// requests queued by then (`seq <= before`) are failed at once.
#[derive(Debug, Clone)]
struct Down {
    /// Requests queued so far (the writer's counter).
    enqueued: Arc<AtomicU64>,
    /// The last request queued when the database was last found
    /// unreachable.
    before: Arc<AtomicU64>,
}

/// A batch on its way from the packer to the committer.
struct Ready {
    /// The batch's number, counted from 1.
    number: u64,
    requests: Vec<Request>,
    /// Its blocks, encoded ahead (`None`: no prediction, or the encoding
    /// failed; the committer then encodes inside the transaction).
    packed: Option<Packed>,
}

/// What the committer tells the packer once a batch has drawn its block
/// numbers: the next number the sequence will hand out, if known.
#[derive(Debug, Clone, Copy)]
struct Drawn {
    batch: u64,
    next: Option<i64>,
}

/// The packer: batches the queued requests and encodes each batch while
/// the one before commits.
async fn pack_batches(
    mut requests: mpsc::UnboundedReceiver<Request>,
    ready: mpsc::Sender<Ready>,
    mut drawn: watch::Receiver<Drawn>,
    batch_rows: usize,
    down: Down,
) {
    let mut number = 0u64;
    while let Some(first) = requests.recv().await {
        // The numbers follow those of the batch ahead, known once it has
        // drawn them (or it has finished); what queues meanwhile joins
        // this batch.
        let next = match drawn.wait_for(|d| d.batch >= number).await {
            Ok(d) => d.next,
            Err(_) => return,
        };
        let mut rows = first.entries.len();
        let mut batch = vec![first];
        while rows < batch_rows {
            let Ok(next) = requests.try_recv() else { break };
            rows += next.entries.len();
            batch.push(next);
        }
        // The database was found unreachable: what was queued by then is
        // answered now rather than each waiting out a timeout; what came
        // later is tried.
        let before = down.before.load(Ordering::SeqCst);
        let (stale, batch): (Vec<Request>, Vec<Request>) = batch.into_iter().partition(|r| r.seq <= before);
        stale.into_iter().for_each(|r| drop(r.reply.send(Err(unreachable_again()))));
        if batch.is_empty() {
            continue;
        }
        number += 1;
        let (requests_back, packed) = match next {
            Some(first) => {
                let encoded = tokio::task::spawn_blocking(move || {
                    // Moved out of the requests for the encoder and back.
                    let mut batch = batch;
                    let lengths: Vec<usize> = batch.iter().map(|r| r.entries.len()).collect();
                    let entries: Vec<NewLogEntry> =
                        batch.iter_mut().flat_map(|r| std::mem::take(&mut r.entries)).collect();
                    let (entries, packed) = pack::pack(entries, first);
                    let mut entries = entries.into_iter();
                    for (request, n) in batch.iter_mut().zip(lengths) {
                        request.entries = entries.by_ref().take(n).collect();
                    }
                    (batch, packed.ok())
                })
                .await;
                match encoded {
                    Ok(done) => done,
                    // The encoder panicked, taking the batch with it: its
                    // callers see the writer's "stopped" error.
                    Err(_) => continue,
                }
            }
            None => (batch, None),
        };
        if ready.send(Ready { number, requests: requests_back, packed }).await.is_err() {
            return;
        }
    }
}

/// The committer: writes each batch in its transaction and answers it.
async fn commit_batches(
    db: DatabaseConnection,
    mut batches: mpsc::Receiver<Ready>,
    numbers: watch::Sender<Drawn>,
    counters: Arc<Counters>,
    down: Down,
) {
    while let Some(Ready { number, requests, packed }) = batches.recv().await {
        let tell = |next: Option<i64>| {
            numbers.send_if_modified(|d| {
                let fresh = d.batch < number;
                if fresh {
                    *d = Drawn { batch: number, next };
                }
                fresh
            });
        };
        let unreachable = write_batch(&db, requests, packed, &tell, &counters).await;
        // A batch that drew no numbers still lets the packer go on.
        tell(None);
        if unreachable {
            down.before.fetch_max(down.enqueued.load(Ordering::SeqCst), Ordering::SeqCst);
            while let Ok(queued) = batches.try_recv() {
                queued.requests.into_iter().for_each(|r| drop(r.reply.send(Err(unreachable_again()))));
            }
        }
    }
}

/// The error for requests failed because an earlier one found the
/// database unreachable (its cause was logged with that request).
fn unreachable_again() -> RepositoryError {
    RepositoryError::unreachable(std::io::Error::other(
        "the database was unreachable for the log batch ahead",
    ))
}

fn items(batch: &[Request]) -> Vec<Item<'_>> {
    batch.iter().map(|r| Item { entries: &r.entries, claim: r.claim.as_ref() }).collect()
}

/// The caller's answer from what the transaction did for its request.
fn outcome(entries: Vec<NewLogEntry>, written: Written) -> AppendOutcome {
    match written {
        Written::Ids(ids) => AppendOutcome::Stored(
            entries.into_iter().zip(ids).map(|(entry, id)| LogEntry { id, entry }).collect(),
        ),
        Written::Duplicate(accepted) => AppendOutcome::Duplicate { accepted },
    }
}

/// Writes a batch in one transaction; on failure, each request alone.
/// Returns whether the database was unreachable (every request not yet
/// answered then fails at once).
async fn write_batch(
    db: &DatabaseConnection,
    batch: Vec<Request>,
    packed: Option<Packed>,
    drawn: &(dyn Fn(Option<i64>) + Sync),
    counters: &Counters,
) -> bool {
    let result = write_ahead(db, &items(&batch), packed, drawn).await;
    match result {
        Ok((written, ahead)) => {
            counters.commits.fetch_add(1, Ordering::Relaxed);
            let path = if ahead { &counters.encoded_ahead } else { &counters.encoded_inside };
            path.fetch_add(1, Ordering::Relaxed);
            for (request, written) in batch.into_iter().zip(written) {
                // A caller that went away (a cancelled request) no longer
                // waits; its entries are committed all the same.
                let _ = request.reply.send(Ok(outcome(request.entries, written)));
            }
        }
        Err(err @ RepositoryError::Unreachable(_)) => {
            let mut batch = batch.into_iter();
            let _ = batch.next().map(|r| r.reply.send(Err(err)));
            batch.for_each(|r| drop(r.reply.send(Err(unreachable_again()))));
            return true;
        }
        Err(err) if batch.len() == 1 => {
            let _ = batch.into_iter().next().map(|r| r.reply.send(Err(err)));
        }
        Err(err) => {
            tracing::warn!(error = %err, requests = batch.len(), "group commit failed; retrying each request alone");
            counters.split_batches.fetch_add(1, Ordering::Relaxed);
            let mut down = false;
            for request in batch {
                if down {
                    let _ = request.reply.send(Err(unreachable_again()));
                    continue;
                }
                let result =
                    write(db, &[Item { entries: &request.entries, claim: request.claim.as_ref() }]).await;
                let reply = result.map(|mut written| {
                    counters.commits.fetch_add(1, Ordering::Relaxed);
                    counters.encoded_inside.fetch_add(1, Ordering::Relaxed);
                    outcome(request.entries, written.pop().unwrap_or(Written::Ids(Vec::new())))
                });
                down = matches!(reply, Err(RepositoryError::Unreachable(_)));
                let _ = request.reply.send(reply);
            }
            return down;
        }
    }
    false
}

/// Writes `items` in one transaction: records each item's key first (an
/// item whose key is already recorded is skipped, which fails nothing
/// else), then inserts the entries of the others. Returns what happened
/// to each item, in order.
pub(super) async fn write(db: &DatabaseConnection, items: &[Item<'_>]) -> RepoResult<Vec<Written>> {
    Ok(write_ahead(db, items, None, &|_| {}).await?.0)
}

/// [`write`], storing `packed` (every item's entries, encoded ahead) when
/// the transaction draws the block numbers it was encoded with and no key
/// is a duplicate; otherwise encoding inside the transaction. `drawn` is
/// told the next block number as soon as this transaction has drawn its
/// own. Also says whether `packed` was what got stored.
async fn write_ahead(
    db: &DatabaseConnection,
    items: &[Item<'_>],
    packed: Option<Packed>,
    drawn: &(dyn Fn(Option<i64>) + Sync),
) -> RepoResult<(Vec<Written>, bool)> {
    let options = TransactionOptions {
        // Take SQLite's write lock up front, waiting on the busy timeout,
        // rather than failing to upgrade a read lock mid-transaction.
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(options).await.map_err(repo_err)?;
    let mut duplicates = Vec::with_capacity(items.len());
    for item in items {
        duplicates.push(match item.claim {
            Some(claim) => keys::claim(&txn, claim, item.entries.len()).await?,
            None => None,
        });
    }
    let fresh: Vec<&NewLogEntry> = items
        .iter()
        .zip(&duplicates)
        .filter(|(_, dup)| dup.is_none())
        .flat_map(|(item, _)| item.entries)
        .collect();
    let mut ahead = false;
    let mut ids = if fresh.is_empty() {
        Vec::new()
    } else {
        let blocks = pack::block_count(&fresh) as i64;
        let first = store::allocate(&txn, blocks).await?;
        drawn(Some(first + blocks));
        match packed {
            // Encoded ahead for exactly these entries and numbers.
            Some(packed) if packed.first == first && packed.ids.len() == fresh.len() => {
                pack::store_packed(&txn, &packed).await?;
                ahead = true;
                packed.ids
            }
            _ => pack::insert_at(&txn, &fresh, first).await?,
        }
    }
    .into_iter();
    let written: Vec<Written> = items
        .iter()
        .zip(duplicates)
        .map(|(item, dup)| match dup {
            Some(accepted) => Written::Duplicate(accepted),
            None => Written::Ids(ids.by_ref().take(item.entries.len()).collect()),
        })
        .collect();
    // Announced inside the transaction: delivered to other instances only
    // if it commits, and in commit order.
    crate::live::announce(&txn, &pointers(items, &written)).await?;
    txn.commit().await.map_err(repo_err)?;
    Ok((written, ahead))
}

/// One live pointer per run of a request's fresh entries in one project
/// (a request has one project, so one pointer per stored request).
fn pointers(items: &[Item<'_>], written: &[Written]) -> Vec<Pointer> {
    let mut out = Vec::new();
    for (item, written) in items.iter().zip(written) {
        let Written::Ids(ids) = written else { continue };
        let mut run: Option<Pointer> = None;
        for (entry, &id) in item.entries.iter().zip(ids) {
            let project = entry.project_id.get();
            match &mut run {
                Some(Pointer::Logs { project: p, last, count, .. }) if *p == project => {
                    *last = id;
                    *count += 1;
                }
                _ => {
                    out.extend(run.take());
                    run = Some(Pointer::Logs { project, first: id, last: id, count: 1 });
                }
            }
        }
        out.extend(run);
    }
    out
}
