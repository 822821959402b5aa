//! Live events (new logs, later heartbeats and incidents) published after
//! commit and fanned out to WebSocket sessions.
//!
//! A subscriber holds a [`LiveSubscription`]: a stream of [`LiveItem`]s,
//! each an event or the number of events it missed by falling behind. The
//! default bus, [`BroadcastBus`], fans out in process: a publisher never
//! waits, and a subscriber more than the bus's capacity behind is told how
//! many events it lost instead of slowing anyone down. Buses that span
//! several instances (PostgreSQL `LISTEN/NOTIFY`, in `orion-storage`) fan
//! out through a `BroadcastBus` of their own on each instance, so every
//! subscriber sees the same kind of stream.

use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use crate::model::log::LogEntry;
use crate::model::{Heartbeat, Incident, IncidentChange, ProjectId, ProjectName, UserId};

/// Something that happened in a project, for live subscribers.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// A batch of log entries was stored (one event per committed ingest
    /// request, so a 10,000-entry batch costs the bus one slot, not 10,000).
    Logs {
        /// Its project.
        project_id: ProjectId,
        /// The project's name (what the wire shows).
        project: ProjectName,
        /// The project's owner (who may see it).
        owner_id: UserId,
        /// The stored entries, in input order.
        entries: Vec<LogEntry>,
    },
    /// A heartbeat was stored.
    Heartbeat {
        /// Its project.
        project_id: ProjectId,
        /// The project's name.
        project: ProjectName,
        /// The project's owner.
        owner_id: UserId,
        /// The stored heartbeat.
        heartbeat: Heartbeat,
    },
    /// An incident was opened, repeated or resolved.
    Incident {
        /// Its project.
        project_id: ProjectId,
        /// The project's name.
        project: ProjectName,
        /// The project's owner.
        owner_id: UserId,
        /// The incident as stored after the change.
        incident: Incident,
        /// What changed.
        change: IncidentChange,
    },
}

impl LiveEvent {
    /// The project the event belongs to.
    pub fn project_id(&self) -> ProjectId {
        match self {
            Self::Logs { project_id, .. }
            | Self::Heartbeat { project_id, .. }
            | Self::Incident { project_id, .. } => *project_id,
        }
    }

    /// The owner of that project.
    pub fn owner_id(&self) -> UserId {
        match self {
            Self::Logs { owner_id, .. }
            | Self::Heartbeat { owner_id, .. }
            | Self::Incident { owner_id, .. } => *owner_id,
        }
    }
}

/// What a subscription yields next.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveItem {
    /// An event, in publication order.
    Event(Arc<LiveEvent>),
    /// This many events were lost because the subscriber fell behind.
    Lagged(u64),
}

impl LiveItem {
    /// The event, if this is one.
    pub fn into_event(self) -> Option<Arc<LiveEvent>> {
        match self {
            Self::Event(event) => Some(event),
            Self::Lagged(_) => None,
        }
    }
}

/// What the in-process channel carries: an event, or a gap a relay
/// upstream of it (another instance's events, read back) had to leave.
#[derive(Debug, Clone)]
enum Slot {
    Event(Arc<LiveEvent>),
    Gap(u64),
}

/// One subscriber's stream of events published after it subscribed.
#[derive(Debug)]
pub struct LiveSubscription {
    events: Option<broadcast::Receiver<Slot>>,
}

impl LiveSubscription {
    /// A subscription that has already ended (yields nothing).
    pub fn ended() -> Self {
        Self { events: None }
    }

    /// The next item; `None` once the bus is gone.
    pub async fn next(&mut self) -> Option<LiveItem> {
        let events = self.events.as_mut()?;
        match events.recv().await {
            Ok(Slot::Event(event)) => Some(LiveItem::Event(event)),
            Ok(Slot::Gap(missed)) => Some(LiveItem::Lagged(missed)),
            Err(RecvError::Lagged(missed)) => Some(LiveItem::Lagged(missed)),
            Err(RecvError::Closed) => {
                self.events = None;
                None
            }
        }
    }

    /// The next item if one is already waiting, without waiting.
    pub fn try_next(&mut self) -> Option<LiveItem> {
        match self.events.as_mut()?.try_recv() {
            Ok(Slot::Event(event)) => Some(LiveItem::Event(event)),
            Ok(Slot::Gap(missed)) => Some(LiveItem::Lagged(missed)),
            Err(TryRecvError::Lagged(missed)) => Some(LiveItem::Lagged(missed)),
            Err(TryRecvError::Empty | TryRecvError::Closed) => None,
        }
    }
}

/// Publish/subscribe of live events. Publishing must never block.
pub trait LiveBus: Send + Sync + std::fmt::Debug {
    /// Hands an event, just committed, to every current subscriber.
    fn publish(&self, event: Arc<LiveEvent>);
    /// A new subscription that sees events published from now on.
    fn subscribe(&self) -> LiveSubscription;
}

/// The in-process bus.
#[derive(Debug, Clone)]
pub struct BroadcastBus {
    sender: broadcast::Sender<Slot>,
}

impl BroadcastBus {
    /// A bus where each subscriber may fall `capacity` events behind before
    /// it starts losing the oldest ones.
    pub fn new(capacity: usize) -> Self {
        Self { sender: broadcast::channel(capacity.max(1)).0 }
    }

    /// Tells every current subscriber that up to `missed` events never
    /// reached this bus (a relay feeding it fell behind); each sees it as
    /// [`LiveItem::Lagged`], an upper bound on its own losses.
    pub fn publish_gap(&self, missed: u64) {
        if missed > 0 {
            let _ = self.sender.send(Slot::Gap(missed));
        }
    }
}

impl Default for BroadcastBus {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl LiveBus for BroadcastBus {
    fn publish(&self, event: Arc<LiveEvent>) {
        // No subscribers is not an error: the event simply has no audience.
        let _ = self.sender.send(Slot::Event(event));
    }

    fn subscribe(&self) -> LiveSubscription {
        LiveSubscription { events: Some(self.sender.subscribe()) }
    }
}
