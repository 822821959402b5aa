//! # orion
//!
//! The `orion` binary: runs the monitoring server and its admin commands.
//!
//! # Layout
//!
//! - `cli`: the clap command line (every flag, with its `ORION_*` variable).
//! - `settings`: merges defaults → TOML file → environment → flags into a
//!   typed [`settings::ServeSettings`] whose `Debug` redacts secrets.
//! - `duration`: `30s`/`5m`-style durations for flags and config files
//!   (`orion_agent::duration`, so the server and the agent read them alike).
//! - `logging`: `tracing` output, human on a terminal or JSON.
//! - `serve`: `orion serve` — storage, the domain, the warp server, and
//!   graceful shutdown on SIGINT/SIGTERM.
//! - `migrate`: `orion migrate` — apply pending migrations and exit.
//! - `syslog`: the syslog listeners of `serve` (TCP and UDP) and their
//!   pure parser.
//! - `orion agent setup|run`: a thin forwarder to the `orion-agent` crate
//!   (the same commands as its own `orion-agent` binary).

#![forbid(unsafe_code)]

mod check;
mod cli;
mod duration;
mod logging;
mod migrate;
mod serve;
mod settings;
mod syslog;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Serve(args) => {
            let settings = settings::ServeSettings::resolve(args)?;
            logging::init(settings.log_format, &settings.log_level)?;
            serve::run(settings).await
        }
        cli::Command::Check(args) => {
            let settings = settings::MigrateSettings::resolve(args)?;
            logging::init(settings.log_format, &settings.log_level)?;
            check::run(settings).await
        }
        cli::Command::Migrate(args) => {
            let settings = settings::MigrateSettings::resolve(args)?;
            logging::init(settings.log_format, &settings.log_level)?;
            migrate::run(settings).await
        }
        cli::Command::Agent(agent) => orion_agent::execute(agent.command).await,
    }
}
