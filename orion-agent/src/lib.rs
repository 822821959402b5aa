//! # orion-agent
//!
//! The system agent that runs on each watched machine, as the
//! `orion-agent` binary (and, forwarded, as `orion agent …` in the server's
//! binary).
//!
//! `setup` registers the machine and writes the config; `run` sends
//! heartbeats with real system figures, supervises the configured scripts,
//! ships their output as logs through an on-disk buffer, and carries out
//! commands from the server. It talks to the server only through
//! `orion-client` and depends on no server crate, so it compiles neither
//! warp nor SeaORM. See `docs/agent.md` for operators.
//!
//! ```no_run
//! use clap::Parser;
//!
//! # async fn main_() -> anyhow::Result<()> {
//! // What `orion-agent` (src/main.rs) does; `orion agent` does the same
//! // with the subcommand it parsed.
//! let cli = orion_agent::cli::Cli::parse();
//! orion_agent::execute(cli.command).await
//! # }
//! ```
//!
//! # Layout
//!
//! - `cli`: the clap command line (`setup`, `run`, their flags and
//!   `ORION_*` variables), shared by `orion-agent` and `orion agent`.
//! - `logging`: the agent's own `tracing` output, human or JSON.
//! - `duration`: `30s`/`5m`-style durations (also used by the server's
//!   settings, so both read the same way).
//! - `config`: the TOML config (every key, defaults, checks, 0600 writes).
//! - `setup`: `orion-agent setup`.
//! - `run`: `orion-agent run` — wiring and the shutdown order.
//! - `metrics`: CPU, memory, disk, network, uptime, load from `sysinfo`.
//! - `heartbeat`: the heartbeat loop.
//! - `supervisor`: the scripts, started, acted on and stopped together.
//! - `board`: the actions (start/stop/restart), the status board and the
//!   latest figures the script tasks share.
//! - `script`: one script's life: spawn, capture, restart policy, crash alerts.
//! - `capture`: bounded line reading and the level of a line.
//! - `backoff`: exponential backoff for restarts and retries.
//! - `buffer`: the on-disk spool (segments + fsync'd cursor).
//! - `shipper`: per-script writer and sender tasks over the spool.
//! - `alerts`: the crash-alert queue.
//! - `commands`: the command poll loop and acknowledgements.

#![forbid(unsafe_code)]

mod action_error;
mod alerts;
mod backoff;
mod board;
mod buffer;
mod capture;
pub mod cli;
mod commands;
pub mod config;
pub mod duration;
mod heartbeat;
mod logging;
mod metrics;
mod run;
mod script;
mod setup;
mod shipper;
mod supervisor;

pub use run::run;
pub use setup::setup;

/// Carries out one agent command: installs the agent's log output from
/// its flags, then runs `setup` or `run` to the end.
pub async fn execute(command: cli::Command) -> anyhow::Result<()> {
    match command {
        cli::Command::Setup(args) => {
            logging::init(&args.common)?;
            setup(args).await
        }
        cli::Command::Run(args) => {
            logging::init(&args.common)?;
            run(&args.common.config).await
        }
    }
}
