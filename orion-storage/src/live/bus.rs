//! [`PgLiveBus`]: one `LISTEN` connection per instance, a bounded queue of
//! pointers, and a relay that reads them back (a few at a time, delivered
//! in arrival order) into the instance's in-process bus.
//!
//! Bounds: the queue holds [`QUEUE`] pointers. When reading back falls
//! that far behind, new pointers are dropped and counted, and every
//! session is told `lagged` with that count, in order — the same upper
//! bound the in-process bus gives when a relay falls behind — so memory
//! stays bounded whatever the ingest rate.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use orion_core::RepositoryError;
use orion_core::port::live::{BroadcastBus, LiveBus, LiveEvent, LiveSubscription};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::sqlx::{self, PgPool};
use tokio::sync::mpsc::{self, error::TrySendError};

use super::resolve::Resolver;
use super::{CHANNEL, Pointer, parse};

/// Pointers waiting to be read back.
const QUEUE: usize = 4_096;
/// Pointers read back at once (their events still go out in order).
const READ_AHEAD: usize = 8;
/// Pause after the listening connection failed, before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Live events of every instance on one PostgreSQL database, see
/// [`crate::live`]. Publishing is a no-op: the storing transaction has
/// already announced the event, and every instance (this one included)
/// delivers it when PostgreSQL hands the announcement over.
#[derive(Debug)]
pub struct PgLiveBus {
    local: BroadcastBus,
    listener: tokio::task::JoinHandle<()>,
    relay: tokio::task::JoinHandle<()>,
}

/// What the listener hands the relay, in order.
#[derive(Debug)]
enum Queued {
    Pointer(Pointer),
    /// This many pointers were dropped here because the queue was full.
    Dropped(u64),
}

impl PgLiveBus {
    /// Starts listening on `pool` (one of its connections, held for as
    /// long as the bus lives) and relaying into a bus where each session
    /// may fall `capacity` events behind.
    pub(crate) async fn start(
        pool: &PgPool,
        resolver: Resolver,
        capacity: usize,
    ) -> Result<Self, RepositoryError> {
        let mut listener = PgListener::connect_with(pool).await.map_err(RepositoryError::unreachable)?;
        listener.listen(CHANNEL).await.map_err(RepositoryError::unreachable)?;
        let local = BroadcastBus::new(capacity);
        let (queue, pending) = mpsc::channel(QUEUE);
        Ok(Self {
            listener: tokio::spawn(listen(listener, queue)),
            relay: tokio::spawn(relay(pending, resolver, local.clone())),
            local,
        })
    }
}

impl Drop for PgLiveBus {
    fn drop(&mut self) {
        // Returns the listening connection to the pool.
        self.listener.abort();
        self.relay.abort();
    }
}

impl LiveBus for PgLiveBus {
    fn publish(&self, _event: Arc<LiveEvent>) {
        // Announced by the transaction that stored it (see `crate::live`).
    }

    fn subscribe(&self) -> LiveSubscription {
        self.local.subscribe()
    }
}

/// Moves announcements into the queue until the pool closes.
async fn listen(mut listener: PgListener, queue: mpsc::Sender<Queued>) {
    let mut dropped = 0u64;
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                let Some(pointers) = parse(notification.payload()) else {
                    tracing::warn!("ignored a live announcement that is not Orion's");
                    continue;
                };
                for pointer in pointers {
                    if dropped > 0 {
                        match queue.try_send(Queued::Dropped(dropped)) {
                            Ok(()) => dropped = 0,
                            Err(TrySendError::Full(_)) => {}
                            Err(TrySendError::Closed(_)) => return,
                        }
                    }
                    match queue.try_send(Queued::Pointer(pointer)) {
                        Ok(()) => {}
                        Err(TrySendError::Full(_)) => dropped += 1,
                        Err(TrySendError::Closed(_)) => return,
                    }
                }
            }
            // The connection dropped and was re-established (LISTEN again
            // included); what was announced in between is not delivered.
            Ok(None) => tracing::warn!("the live-event connection to PostgreSQL was lost and re-opened"),
            Err(sqlx::Error::PoolClosed) => return,
            Err(err) => {
                tracing::warn!(error = %err, "listening for live events failed; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}

/// Reads queued pointers back and publishes their events, in queue order.
async fn relay(pending: mpsc::Receiver<Queued>, resolver: Resolver, local: BroadcastBus) {
    let queued = futures_util::stream::unfold(pending, |mut pending| async move {
        pending.recv().await.map(|item| (item, pending))
    });
    let events = queued
        .map(|item| {
            let resolver = resolver.clone();
            async move {
                match item {
                    Queued::Pointer(pointer) => match resolver.resolve(pointer).await {
                        Ok(event) => Ok(event),
                        Err(err) => {
                            tracing::warn!(error = %err, "reading a live event back failed; sessions are told they lagged");
                            Err(1)
                        }
                    },
                    Queued::Dropped(n) => Err(n),
                }
            }
        })
        .buffered(READ_AHEAD);
    let mut events = std::pin::pin!(events);
    while let Some(outcome) = events.next().await {
        match outcome {
            Ok(Some(event)) => local.publish(Arc::new(event)),
            // Gone since it was committed: nothing to show.
            Ok(None) => {}
            Err(missed) => local.publish_gap(missed),
        }
    }
}
