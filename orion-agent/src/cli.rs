//! The agent's command line. `orion-agent` parses [`Cli`]; the server's
//! binary embeds [`Command`] as `orion agent …`, so both take the same
//! subcommands, flags and `ORION_*` variables.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The Orion system agent: registers this machine with an Orion server, then
/// sends heartbeats, supervises scripts, ships their logs and runs commands.
#[derive(Debug, Parser)]
#[command(name = "orion-agent", version, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The agent's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register this machine with an Orion server and write the agent config
    /// (mode 0600) holding its agent token.
    Setup(SetupArgs),
    /// Run the agent: heartbeats, supervised scripts, log shipping, commands.
    Run(RunArgs),
}

/// Output format of the agent's own logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines (the default).
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where the agent's config is, and its own log output.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The agent config file.
    #[arg(long, env = "ORION_AGENT_CONFIG", default_value = crate::config::DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,

    /// Format of the agent's own logs [default: human]
    #[arg(long, env = "ORION_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// Log filter, in `tracing` EnvFilter syntax. [default: info]
    #[arg(long, env = "ORION_LOG_LEVEL")]
    pub log_level: Option<String>,
}

/// `orion-agent setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Base URL of the Orion server, e.g. `https://orion.example.com`.
    #[arg(long, env = "ORION_SERVER_URL")]
    pub server: String,

    /// A user session token (JWT; then `--project` is required) or an API
    /// token with the `agent:register` permission. Prefer the variable: a
    /// flag shows in the process list.
    #[arg(long, env = "ORION_SETUP_TOKEN", hide_env_values = true)]
    pub token: String,

    /// The project the machine joins (required with a user token; must be
    /// the token's project otherwise).
    #[arg(long)]
    pub project: Option<String>,

    /// This machine's id in the project [default: the host name, else
    /// /etc/machine-id].
    #[arg(long)]
    pub server_id: Option<String>,

    /// Name shown in the UI [default: the host name].
    #[arg(long)]
    pub display_name: Option<String>,

    /// Directory of the on-disk log buffer, written into the config
    /// [default: /var/lib/orion/agent].
    #[arg(long)]
    pub buffer_dir: Option<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// `orion-agent run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
