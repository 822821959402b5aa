//! Syslog listeners of `orion serve --syslog-tcp ADDR --syslog-udp ADDR
//! --syslog-token TOKEN`: RFC 5424 and RFC 3164 messages over TCP (octet
//! counting and newline framing, detected per frame) and UDP (one message
//! per datagram), parsed by [`parse`] and stored through the native ingest
//! with the token's project and bound source.
//!
//! Bounds: a message is at most [`MAX_FRAME`] bytes (longer ones are cut
//! there, the rest of the frame skipped, and stored with `truncated:
//! true`); at most [`MAX_CONNECTIONS`] TCP connections at once (more are
//! closed on accept, with a warning); a connection idle for
//! [`IDLE_TIMEOUT`] is closed. Entries are batched ([`BATCH`] at most, or
//! what arrived within [`LINGER`]) into one ingest each; the queue between
//! the readers and the writer holds [`QUEUE`] messages. When storage pushes
//! back (429) or fails, the writer retries the batch with a growing delay:
//! TCP readers then wait (the sender feels the back-pressure), UDP
//! datagrams that do not fit in the queue are dropped and counted in a
//! warning — UDP has no way to slow a sender down. A malformed message is
//! never dropped: it is stored at `info` with what could be parsed.

pub mod listen;
pub mod parse;
mod structured;

use std::time::Duration;

/// Longest message, in bytes (Orion's message limit).
pub const MAX_FRAME: usize = orion_core::model::log::MAX_MESSAGE_BYTES;
/// Most TCP connections served at once.
pub const MAX_CONNECTIONS: usize = 256;
/// A TCP connection sending nothing for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Most messages in one ingest.
pub const BATCH: usize = 1000;
/// How long the writer waits for more messages before storing a batch.
pub const LINGER: Duration = Duration::from_millis(50);
/// Messages queued between the readers and the writer.
pub const QUEUE: usize = 10_000;
