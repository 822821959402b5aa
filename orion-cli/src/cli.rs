//! The command line. Every flag can also come from an `ORION_*` variable or
//! the TOML file named by `--config`; flags win over the environment, which
//! wins over the file, which wins over the defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Orion: a self-hosted monitoring server for logs, heartbeats and alerts.
#[derive(Debug, Parser)]
#[command(name = "orion", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (API under /api).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit (`serve` also applies them).
    Migrate(MigrateArgs),
    /// Verify every stored log block (checksums, decoding, counts) and list
    /// damaged ones by number; exits 1 if any is damaged.
    Check(MigrateArgs),
    /// The system agent: register this machine, then run it (the same as
    /// the `orion-agent` binary).
    Agent(AgentArgs),
}

/// Output format of Orion's own logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines (the default on a terminal).
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Flags shared by every command that touches the database.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Database URL: `sqlite://path/to/file.db` or `postgres://user:pass@host/db`.
    /// [default: sqlite://orion-data/orion.db, created if missing]
    #[arg(long, env = "ORION_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// TOML file with any of the settings (keys as the flags, with `_`:
    /// `bind`, `database_url`, `jwt_secret`, `log_format`, `log_level`, `bcrypt_cost`,
    /// `retention_days`, `smtp_url`, `smtp_from`, `alert_interval`, `offline_after`,
    /// `syslog_tcp`, `syslog_udp`, `syslog_token`, `log_cache_mib`).
    #[arg(long, env = "ORION_CONFIG")]
    pub config: Option<PathBuf>,

    /// Format of Orion's own logs [default: human]
    #[arg(long, env = "ORION_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// Log filter, in `tracing` EnvFilter syntax, e.g. `info` or `orion_http=debug`.
    /// [default: info,warp=warn]
    #[arg(long, env = "ORION_LOG_LEVEL")]
    pub log_level: Option<String>,
}

/// `orion serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Use `0.0.0.0:3001` to accept connections from
    /// other machines. [default: 127.0.0.1:3001]
    #[arg(long, env = "ORION_BIND")]
    pub bind: Option<SocketAddr>,

    /// Secret that signs user session tokens (HS256). When absent, one is
    /// generated once and stored in the database, so restarts and other
    /// instances on the same database keep sessions valid.
    #[arg(long, env = "ORION_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Delete logs older than this many days (in small background batches);
    /// 0 keeps logs forever. [default: 30]
    #[arg(long, env = "ORION_RETENTION_DAYS")]
    pub retention_days: Option<u32>,

    /// bcrypt cost for password hashes (4–31; each +1 doubles the work).
    /// [default: 12]
    #[arg(long, env = "ORION_BCRYPT_COST")]
    pub bcrypt_cost: Option<u32>,

    /// SMTP server for alert emails: `smtp://host:25` (plain, for a local
    /// relay), `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465` (TLS). Without it, email channels fail
    /// with a reason in the alert history.
    #[arg(long, env = "ORION_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of alert emails, e.g. `Orion <orion@example.com>` (required
    /// with --smtp-url).
    #[arg(long, env = "ORION_SMTP_FROM")]
    pub smtp_from: Option<String>,

    /// How often alert rules are evaluated: `30s`, `1m`, `500ms`, `1h` or
    /// plain seconds. [default: 30s]
    #[arg(long, env = "ORION_ALERT_INTERVAL", value_parser = crate::duration::parse)]
    pub alert_interval: Option<Duration>,

    /// A server with no heartbeat for this long counts as offline (the
    /// `offline_servers` metric and server views). [default: 3m]
    #[arg(long, env = "ORION_OFFLINE_AFTER", value_parser = crate::duration::parse)]
    pub offline_after: Option<Duration>,

    /// Accept syslog (RFC 5424 and RFC 3164, octet counting or newline
    /// framing) over TCP on this address, e.g. `0.0.0.0:6514`. Needs
    /// --syslog-token.
    #[arg(long, env = "ORION_SYSLOG_TCP")]
    pub syslog_tcp: Option<SocketAddr>,

    /// Accept syslog over UDP (one message per datagram) on this address,
    /// e.g. `0.0.0.0:514`. Needs --syslog-token.
    #[arg(long, env = "ORION_SYSLOG_UDP")]
    pub syslog_udp: Option<SocketAddr>,

    /// API token (with `logs:write`) syslog entries are stored with: its
    /// project, and its bound source if it has one (else each message's
    /// app name).
    #[arg(long, env = "ORION_SYSLOG_TOKEN", hide_env_values = true)]
    pub syslog_token: Option<String>,

    /// MiB of decoded log blocks kept in memory for searches, three
    /// quarters of it for the blocks' filters (which a rare-word search
    /// reads for every block). [default: 128]
    #[arg(long, env = "ORION_LOG_CACHE_MIB")]
    pub log_cache_mib: Option<u64>,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// `orion migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `orion agent`: the `orion-agent` binary's commands, forwarded.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: orion_agent::cli::Command,
}
