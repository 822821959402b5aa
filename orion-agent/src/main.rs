//! `orion-agent`: the system agent's binary. Everything is in the library
//! (see its `# Layout`); this parses the command line and runs it.

#![forbid(unsafe_code)]

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = orion_agent::cli::Cli::parse();
    orion_agent::execute(cli.command).await
}
