//! `orion-agent setup`: registers this machine with the server and writes
//! the agent config (mode 0600) holding the `sk_agent_` token it got back.
//! Re-running it on a configured machine keeps the scripts and settings
//! and replaces only the connection. The token is never printed or logged.

use std::path::Path;

use anyhow::Context;
use orion_client::{Client, RegisterAgent};
use sysinfo::System;

use super::config::AgentConfig;
use crate::cli::SetupArgs;

/// Registers and writes the config.
pub async fn setup(args: SetupArgs) -> anyhow::Result<()> {
    let hostname = System::host_name().filter(|h| !h.is_empty()).unwrap_or_else(|| "localhost".to_owned());
    let server_id = match args.server_id {
        Some(id) => id,
        None => default_server_id(&hostname)
            .context("cannot derive a server id from this machine: pass --server-id")?,
    };
    let existing = existing_config(&args.common.config)?;

    let client = Client::new(&args.server, &args.token).context("invalid --server URL")?;
    let registration = RegisterAgent {
        server_id: server_id.clone(),
        display_name: args.display_name.unwrap_or_default(),
        hostname,
        platform: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        project_name: args.project,
    };
    let token = client.register_agent(&registration).await.context("the server refused the registration")?;

    let server_url = args.server.trim_end_matches('/').to_owned();
    let mut config = match existing {
        Some(mut config) => {
            config.server_url = server_url;
            config.token = token;
            config.server_id = server_id.clone();
            config
        }
        None => AgentConfig::new(server_url, token, server_id.clone()),
    };
    if let Some(dir) = args.buffer_dir {
        config.buffer_dir = dir;
    }
    config.save(&args.common.config)?;
    tracing::info!(server_id = %server_id, config = %args.common.config.display(), "agent registered");
    println!(
        "Registered server `{server_id}`. Agent config written to {} (mode 0600).\n\
         Add [[scripts]] to it if the agent should supervise any, then start it with:\n  \
         {} run --config {}",
        args.common.config.display(),
        invoked_as(),
        args.common.config.display()
    );
    Ok(())
}

/// `orion agent` when run through the server's binary (the forwarder),
/// else `orion-agent`: the command the operator has at hand.
fn invoked_as() -> &'static str {
    let program = std::env::args_os().next().map(std::path::PathBuf::from);
    match program.as_deref().and_then(Path::file_name) {
        Some(name) if name == "orion" => "orion agent",
        _ => "orion-agent",
    }
}

/// The config already at `path`, whose scripts and settings are kept.
fn existing_config(path: &Path) -> anyhow::Result<Option<AgentConfig>> {
    if !path.exists() {
        return Ok(None);
    }
    AgentConfig::load(path)
        .map(Some)
        .context("the existing agent config is invalid: fix it or remove it before running setup again")
}

/// The host name, made a valid server id (`[A-Za-z0-9._:-]`, ≤ 128), or
/// the systemd machine id when there is no usable host name.
fn default_server_id(hostname: &str) -> Option<String> {
    let cleaned: String = hostname
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-') { c } else { '-' })
        .take(128)
        .collect();
    if !cleaned.trim_matches('-').is_empty() && cleaned != "localhost" {
        return Some(cleaned);
    }
    std::fs::read_to_string("/etc/machine-id").ok().map(|id| id.trim().to_owned()).filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_become_valid_server_ids() {
        assert_eq!(default_server_id("web-1.example.com").as_deref(), Some("web-1.example.com"));
        assert_eq!(default_server_id("my laptop").as_deref(), Some("my-laptop"));
    }
}
