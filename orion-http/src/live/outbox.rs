//! A session's own bounded queue of the events it may see.
//!
//! A relay task drains the session's bus subscription as fast as events
//! come, keeps only those the session's scope and filters allow, and puts
//! them in this queue. When the client does not keep up, the *oldest*
//! queued event is dropped and counted. Counting here, after filtering,
//! means a `lagged` notice reports only this subscriber's own losses — it
//! says nothing about other users' traffic. (Only if the relay itself falls
//! a whole bus capacity behind — a starved server — is the bus's own count
//! added, as an upper bound.)

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use orion_core::model::log::LogFilter;
use orion_core::port::live::{LiveEvent, LiveItem, LiveSubscription};
use orion_core::service::LiveScope;
use tokio::sync::Notify;

/// What a session currently wants: the relay reads it for every event.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Projects it may see.
    pub scope: LiveScope,
    /// Its filters.
    pub filter: LogFilter,
}

impl Selection {
    /// Whether the session wants item `index` of this event.
    pub fn wants(&self, event: &LiveEvent, index: usize) -> bool {
        wants(&self.scope, &self.filter, event, index)
    }
}

/// Whether item `index` of an event is visible under `scope` and kept by
/// `filter`.
pub fn wants(scope: &LiveScope, filter: &LogFilter, event: &LiveEvent, index: usize) -> bool {
    scope.allows(event)
        && match event {
            LiveEvent::Logs { entries, .. } => entries.get(index).is_some_and(|e| filter.matches(&e.entry)),
            // Log filters say nothing about machines: every heartbeat and
            // incident in scope goes out.
            LiveEvent::Heartbeat { .. } | LiveEvent::Incident { .. } => index == 0,
        }
}

/// How many items (wire messages) an event holds.
fn items(event: &LiveEvent) -> usize {
    match event {
        LiveEvent::Logs { entries, .. } => entries.len(),
        LiveEvent::Heartbeat { .. } | LiveEvent::Incident { .. } => 1,
    }
}

/// One wire message to be: item `index` of a shared event.
#[derive(Debug, Clone)]
pub struct Item {
    /// The event.
    pub event: Arc<LiveEvent>,
    /// Which of its items.
    pub index: usize,
}

/// What the session takes out next.
#[derive(Debug)]
pub enum Next {
    /// This many of its events were dropped since the last take.
    Lagged(u64),
    /// An item to send.
    Item(Item),
    /// The bus is gone.
    Closed,
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Item>,
    dropped: u64,
}

/// The queue plus its wake-up signal.
#[derive(Debug)]
pub struct Outbox {
    queue: Mutex<Queue>,
    ready: Notify,
    closed: AtomicBool,
    capacity: usize,
}

impl Outbox {
    /// Starts the relay from `events` into a new outbox of `capacity`;
    /// the relay stops when the returned guard is dropped.
    pub fn start(
        mut events: LiveSubscription,
        selection: Arc<RwLock<Selection>>,
        capacity: usize,
    ) -> (Arc<Outbox>, RelayGuard) {
        let outbox = Arc::new(Outbox {
            queue: Mutex::default(),
            ready: Notify::new(),
            closed: AtomicBool::new(false),
            capacity: capacity.max(1),
        });
        let relay_outbox = outbox.clone();
        let relay = tokio::spawn(async move {
            loop {
                match events.next().await {
                    Some(LiveItem::Event(event)) => {
                        let wanted: Vec<usize> = match selection.read() {
                            Ok(s) => (0..items(&event)).filter(|&i| s.wants(&event, i)).collect(),
                            Err(_) => Vec::new(),
                        };
                        relay_outbox.push(&event, wanted);
                    }
                    Some(LiveItem::Lagged(missed)) => relay_outbox.count_dropped(missed),
                    None => {
                        relay_outbox.closed.store(true, Ordering::SeqCst);
                        relay_outbox.ready.notify_one();
                        return;
                    }
                }
            }
        });
        (outbox, RelayGuard(relay))
    }

    fn push(&self, event: &Arc<LiveEvent>, indices: Vec<usize>) {
        if indices.is_empty() {
            return;
        }
        {
            let mut queue = self.queue.lock().expect("outbox lock");
            for index in indices {
                if queue.items.len() == self.capacity {
                    queue.items.pop_front();
                    queue.dropped += 1;
                }
                queue.items.push_back(Item { event: event.clone(), index });
            }
        }
        self.ready.notify_one();
    }

    fn count_dropped(&self, missed: u64) {
        self.queue.lock().expect("outbox lock").dropped += missed;
        self.ready.notify_one();
    }

    /// Waits for the next thing to tell the client: a loss first, then
    /// items oldest first.
    pub async fn next(&self) -> Next {
        loop {
            {
                let mut queue = self.queue.lock().expect("outbox lock");
                if queue.dropped > 0 {
                    return Next::Lagged(std::mem::take(&mut queue.dropped));
                }
                if let Some(item) = queue.items.pop_front() {
                    return Next::Item(item);
                }
            }
            if self.closed.load(Ordering::SeqCst) {
                return Next::Closed;
            }
            // `notify_one` stores a permit when nobody waits, so a push
            // between the check above and this await is not lost.
            self.ready.notified().await;
        }
    }
}

/// Stops the relay task when the session ends.
#[derive(Debug)]
pub struct RelayGuard(tokio::task::JoinHandle<()>);

impl Drop for RelayGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}
