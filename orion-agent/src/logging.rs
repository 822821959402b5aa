//! The agent's own logs via `tracing`: human-readable lines or JSON objects.

use tracing_subscriber::EnvFilter;

use crate::cli::{CommonArgs, LogFormat};

/// Installs the global subscriber from `--log-format` and `--log-level`.
pub fn init(args: &CommonArgs) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(args.log_level.as_deref().unwrap_or("info"))?;
    // Colours only on a terminal: escape codes in a file or a collector are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stdout).with_ansi(ansi);
    match args.log_format.unwrap_or(LogFormat::Human) {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}
