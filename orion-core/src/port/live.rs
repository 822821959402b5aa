//! Live events (new logs, later heartbeats and incidents) published after
//! commit and fanned out to WebSocket sessions.
//!
//! The default bus is an in-process `tokio::sync::broadcast` channel: a
//! publisher never waits, and a subscriber that falls more than the
//! channel's capacity behind learns how many events it missed
//! (`RecvError::Lagged`) instead of slowing anyone down.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::model::log::LogEntry;
use crate::model::{Heartbeat, Incident, ProjectId, ProjectName, UserId};

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
    /// An incident was stored.
    Incident {
        /// Its project.
        project_id: ProjectId,
        /// The project's name.
        project: ProjectName,
        /// The project's owner.
        owner_id: UserId,
        /// The stored incident.
        incident: Incident,
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

/// Publish/subscribe of live events. Publishing must never block.
pub trait LiveBus: Send + Sync + std::fmt::Debug {
    /// Hands an event to every current subscriber.
    fn publish(&self, event: Arc<LiveEvent>);
    /// A new subscription that sees events published from now on.
    fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>>;
}

/// The in-process bus.
#[derive(Debug, Clone)]
pub struct BroadcastBus {
    sender: broadcast::Sender<Arc<LiveEvent>>,
}

impl BroadcastBus {
    /// A bus where each subscriber may fall `capacity` events behind before
    /// it starts losing the oldest ones.
    pub fn new(capacity: usize) -> Self {
        Self { sender: broadcast::channel(capacity.max(1)).0 }
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
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }
}
