//! Live sessions: one task per WebSocket, forwarding the core's live
//! events that the caller may see — logs that match its filters, and every
//! heartbeat and incident of the projects in its scope (log filters say
//! nothing about machines).
//!
//! Publishing never waits for a session: a relay task moves the events a
//! session may see into its own bounded [`outbox::Outbox`]. A session that
//! falls more than [`LiveOptions::queue_capacity`] events behind — a client
//! that does not read blocks its socket writes — loses its oldest queued
//! events and is told `{"type": "lagged", "dropped": N}`, `N` counting only
//! its own events, then carries on with what is still queued.
//!
//! Server messages: `{"type": "log", "project", "log"}`, `{"type":
//! "heartbeat", "project", "serverId", "heartbeat"}` and `{"type":
//! "incident", "project", "incident"}` (the REST views of
//! [`crate::dto::servers`]), `{"type": "lagged", "dropped"}`, `{"type": "subscribed", "project"}` (the answer
//! to a `subscribe`: every event after it uses the new filters) and
//! `{"type": "error", "error", "code", "details"?}` (a bad client message;
//! the previous subscription stays). Pings go out every
//! [`LiveOptions::ping_interval`]; [`Hub::close_all`] closes every session
//! with a `1001 going away` frame.

mod outbox;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use orion_core::Orion;
use orion_core::port::live::{LiveEvent, LiveSubscription};
use orion_core::service::Principal;
use tokio::sync::{Notify, watch};
use warp::ws::{Message, WebSocket};

use crate::dto::live::{ServerMessage, Subscribe};
use crate::dto::logs::LogView;
use crate::dto::servers::{HeartbeatView, IncidentView};
use crate::error::ApiError;
pub use outbox::Selection;
use outbox::{Item, Next, Outbox};

/// Largest message a client may send (a `subscribe` is tiny).
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// How long a closing session may take to say goodbye.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// How sessions behave.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Time between pings (30 s by default; tests shorten it).
    pub ping_interval: Duration,
    /// Events a session may have queued for a slow client before it starts
    /// dropping the oldest (1,024 by default).
    pub queue_capacity: usize,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self { ping_interval: Duration::from_secs(30), queue_capacity: 1024 }
    }
}

/// What every session shares with the server: its options, the signal to
/// close, and the count of open sessions (so shutdown can wait for them).
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

#[derive(Debug)]
struct HubInner {
    options: LiveOptions,
    closing: watch::Sender<bool>,
    active: AtomicUsize,
    idle: Notify,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(LiveOptions::default())
    }
}

impl Hub {
    /// A hub with no sessions.
    pub fn new(options: LiveOptions) -> Self {
        let inner = HubInner {
            options,
            closing: watch::channel(false).0,
            active: AtomicUsize::new(0),
            idle: Notify::new(),
        };
        Self { inner: Arc::new(inner) }
    }

    /// Asks every session, open or opening, to close.
    pub fn close_all(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Sessions currently open.
    pub fn active(&self) -> usize {
        self.inner.active.load(Ordering::SeqCst)
    }

    /// Resolves once no session is open.
    pub async fn wait_idle(&self) {
        loop {
            let idle = self.inner.idle.notified();
            tokio::pin!(idle);
            // Registered before the check, so a session ending in between
            // still wakes us.
            idle.as_mut().enable();
            if self.active() == 0 {
                return;
            }
            idle.await;
        }
    }

    fn enter(&self) -> Active {
        self.inner.active.fetch_add(1, Ordering::SeqCst);
        Active(self.clone())
    }
}

/// Counts a session as open until dropped.
struct Active(Hub);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.inner.active.fetch_sub(1, Ordering::SeqCst);
        self.0.inner.idle.notify_waiters();
    }
}

/// One subscriber: who it is, what it may see, what it asked for, and its
/// queue of events (subscribed before the upgrade answer, so nothing
/// published after the handshake is missed).
#[derive(Debug)]
pub struct Session {
    /// The facade, to re-check access on `subscribe`.
    pub orion: Orion,
    /// The authenticated caller.
    pub principal: Principal,
    /// What it may see and asked for: the projects of its scope and its
    /// filters (shared with its relay once it runs, and kept nowhere else).
    pub selection: Selection,
    /// Its queue of events.
    pub events: LiveSubscription,
}

impl Session {
    /// Serves the socket until the client leaves, the socket fails or the
    /// hub closes.
    pub async fn run(mut self, socket: WebSocket, hub: Hub) {
        let _active = hub.enter();
        let mut closing = hub.inner.closing.subscribe();
        let shutdown = async move {
            // Sees a `close_all` made before this session started, too.
            let _ = closing.wait_for(|closing| *closing).await;
        };
        let selection = Arc::new(RwLock::new(self.selection.clone()));
        let events = std::mem::replace(&mut self.events, LiveSubscription::ended());
        let (outbox, _relay) = Outbox::start(events, selection.clone(), hub.inner.options.queue_capacity);
        let (mut tx, mut rx) = socket.split();
        // Shutdown wins even while a send waits on a client that reads nothing.
        let going_away = tokio::select! {
            () = self.serve(&mut tx, &mut rx, &outbox, &selection, hub.inner.options.ping_interval) => false,
            () = shutdown => true,
        };
        let farewell = async {
            if going_away {
                tx.send(Message::close_with(1001u16, "the server is shutting down")).await?;
            }
            // Flushes the close handshake (ours, or the reply to the client's).
            tx.close().await
        };
        // Bounded, for the same client that reads nothing.
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, farewell).await;
    }

    /// The session loop: events out, client messages in, pings, until the
    /// client leaves or the socket fails.
    async fn serve(
        &self,
        tx: &mut SplitSink<WebSocket, Message>,
        rx: &mut SplitStream<WebSocket>,
        outbox: &Outbox,
        selection: &RwLock<Selection>,
        ping_every: Duration,
    ) {
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let outgoing = tokio::select! {
                next = outbox.next() => match next {
                    Next::Item(item) => render(&item, selection),
                    Next::Lagged(dropped) => Some(ServerMessage::Lagged { dropped }.to_text()),
                    Next::Closed => return,
                },
                incoming = rx.next() => match incoming {
                    Some(Ok(message)) if message.is_close() => return,
                    Some(Ok(message)) => match message.to_str() {
                        // The relay filters with the new selection from now on.
                        Ok(text) => Some(self.on_message(text, selection).await),
                        // Binary, ping and pong frames (pings are answered by
                        // the WebSocket layer).
                        Err(()) => None,
                    },
                    Some(Err(_)) | None => return,
                },
                _ = ping.tick() => {
                    if tx.send(Message::ping(Vec::new())).await.is_err() {
                        return;
                    }
                    None
                }
            };
            if let Some(text) = outgoing
                && tx.send(Message::text(text)).await.is_err()
            {
                return;
            }
        }
    }

    /// Answers a client message: `subscribed` (the new selection in place),
    /// or an `error` that leaves the subscription as it was.
    async fn on_message(&self, text: &str, selection: &RwLock<Selection>) -> String {
        match self.subscribe(text).await {
            Ok((project, new)) => {
                if let Ok(mut current) = selection.write() {
                    *current = new;
                }
                ServerMessage::Subscribed { project }.to_text()
            }
            Err(err) => ServerMessage::from(&err).to_text(),
        }
    }

    /// `{"type": "subscribe", "project"?, "filters"?}` ([`Subscribe`]): a
    /// new scope (access checked again) and new filters, both or neither.
    /// The log service reads the filters, then the scope.
    async fn subscribe(&self, text: &str) -> Result<(Option<String>, Selection), ApiError> {
        let Subscribe { project, filters } = Subscribe::parse(text)?;
        let filter = self.orion.logs().live_filter(&filters)?;
        let scope = self.orion.logs().live_scope(&self.principal, project.as_deref()).await?;
        Ok((project, Selection { scope, filter }))
    }
}

/// The wire message for an event, if the session may see it and its
/// filters keep it. (Checked again here: an event queued before a
/// `subscribe` was filtered with the old selection.)
fn render(item: &Item, selection: &RwLock<Selection>) -> Option<String> {
    let wanted = selection.read().is_ok_and(|s| s.wants(&item.event, item.index));
    if !wanted {
        return None;
    }
    let message = match item.event.as_ref() {
        LiveEvent::Logs { project, entries, .. } => {
            ServerMessage::Log { project: project.as_str(), log: LogView::from(entries.get(item.index)?) }
        }
        LiveEvent::Heartbeat { project, heartbeat, .. } => ServerMessage::Heartbeat {
            project: project.as_str(),
            server_id: heartbeat.server_id.as_str(),
            heartbeat: HeartbeatView::from(heartbeat),
        },
        LiveEvent::Incident { project, incident, change, .. } => ServerMessage::Incident {
            project: project.as_str(),
            change: change.as_str(),
            incident: IncidentView::from(incident),
        },
    };
    Some(message.to_text())
}
