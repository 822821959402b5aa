//! # orion-client
//!
//! Orion's Rust SDK: a typed, async client for the agent and ingest API
//! that retries with backoff, a batching [`LogSender`] and an
//! [`OrionLayer`] that ships an app's `tracing` events as Orion logs.
//!
//! It depends on reqwest (rustls), tokio, serde and tracing — not on the
//! server's crates — so an app that only sends logs compiles neither warp
//! nor SeaORM.
//!
//! ```no_run
//! use orion_client::{BatchConfig, Client, LogEntry, LogSender};
//!
//! # async fn run() -> Result<(), orion_client::ClientError> {
//! let client = Client::new("https://orion.example.com", "sk_...")?;
//! // One call, retried on 5xx, 429 and network errors:
//! client.send_logs(&[LogEntry::new("warn", "disk almost full").field("disk", "/var")]).await?;
//!
//! // Or batched in the background: `send` never blocks.
//! let logs = LogSender::spawn(client, BatchConfig::default());
//! logs.send(LogEntry::new("info", "started"));
//! logs.shutdown().await; // delivers what is buffered
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - [`wire`]: the request and answer bodies (camelCase), this crate's own
//!   copy of `shared/API.md`; the integration tests run them against the
//!   real server.
//! - [`client`](mod@client): [`Client`], one method per endpoint, the
//!   retry loop and the mapping of error answers to [`ClientError`].
//! - [`retry`]: [`RetryPolicy`] (exponential backoff with jitter,
//!   `Retry-After`).
//! - [`error`]: [`ClientError`] and which failures are worth retrying.
//! - [`sender`]: [`LogSender`], a bounded buffer and a background task that
//!   sends it in batches on size, on an interval, on flush and on shutdown;
//!   its docs state the delivery guarantee exactly.
//! - [`layer`]: [`OrionLayer`], tracing events → [`LogEntry`] → a
//!   [`LogSender`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod error;
pub mod layer;
pub mod retry;
pub mod sender;
pub mod wire;

pub use client::Client;
pub use error::ClientError;
pub use layer::OrionLayer;
pub use retry::RetryPolicy;
pub use sender::{BatchConfig, LogSender, SenderStats};
pub use wire::{
    AckStatus, AgentCommand, Alert, ContextLine, Cpu, CrashContext, Disk, Heartbeat, LogEntry, Network, Ram,
    RegisterAgent, ScriptStatus,
};
