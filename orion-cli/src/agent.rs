//! `orion agent`: the system agent that runs on each watched machine.
//!
//! `setup` registers the machine and writes the config; `run` sends
//! heartbeats with real system figures, supervises the configured scripts,
//! ships their output as logs through an on-disk buffer, and carries out
//! commands from the server. It talks to the server only through
//! `orion-client`. See `docs/agent.md` for operators.
//!
//! # Layout
//!
//! - `config`: the TOML config (every key, defaults, checks, 0600 writes).
//! - `setup`: `orion agent setup`.
//! - `run`: `orion agent run` — wiring and the shutdown order.
//! - `metrics`: CPU, memory, disk, network, uptime, load from `sysinfo`.
//! - `heartbeat`: the heartbeat loop.
//! - `supervisor`: the scripts, their status board, start/stop/restart.
//! - `script`: one script's life: spawn, capture, restart policy, crash alerts.
//! - `capture`: bounded line reading and the level of a line.
//! - `backoff`: exponential backoff for restarts and retries.
//! - `buffer`: the on-disk spool (segments + fsync'd cursor).
//! - `shipper`: per-script writer and sender tasks over the spool.
//! - `alerts`: the crash-alert queue.
//! - `commands`: the command poll loop and acknowledgements.

mod alerts;
mod backoff;
mod buffer;
mod capture;
mod commands;
pub mod config;
mod heartbeat;
mod metrics;
mod run;
mod script;
mod setup;
mod shipper;
mod supervisor;

pub use run::run;
pub use setup::setup;

/// The agent's own log output, from its flags.
pub fn init_logging(args: &crate::cli::AgentCommonArgs) -> anyhow::Result<()> {
    crate::logging::init(
        args.log_format.unwrap_or(crate::cli::LogFormat::Human),
        args.log_level.as_deref().unwrap_or("info"),
    )
}
