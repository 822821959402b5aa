//! `orion-agent run`: the shippers, the supervisor, the heartbeat and
//! command loops, and the shutdown order on SIGINT/SIGTERM — stop polling,
//! stop the scripts (their last lines are captured), put every captured
//! line on disk, send what can be sent within a few seconds, leave the rest
//! in the buffer for the next start.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use orion_client::Client;
use tokio::sync::watch;

use super::alerts::Alerts;
use super::board::Figures;
use super::config::AgentConfig;
use super::shipper::{Shipper, ShipperSettings};
use super::supervisor::Supervisor;
use super::{commands, heartbeat};

/// How long a stopping agent keeps sending buffered logs.
const FLUSH_DEADLINE: Duration = Duration::from_secs(5);

/// Runs the agent described by the config at `path` until a signal.
pub async fn run(path: &Path) -> anyhow::Result<()> {
    let config = AgentConfig::load(path)?;
    let client = Client::new(&config.server_url, &config.token).context("invalid server_url")?;
    let (stop_tx, stop_rx) = watch::channel(false);

    let settings = ShipperSettings {
        flush_interval: config.flush_interval,
        retry_backoff_max: config.retry_backoff_max,
        max_bytes: config.buffer_max_bytes / config.scripts.len().max(1) as u64,
        server_id: config.server_id.clone(),
    };
    let mut shippers = Vec::new();
    let mut entries = HashMap::new();
    for script in &config.scripts {
        let dir = config.buffer_dir.join(&script.name);
        let shipper =
            Shipper::start(&script.name, script.cwd.as_deref(), &dir, client.clone(), settings.clone())
                .with_context(|| format!("cannot open the log buffer {}", dir.display()))?;
        entries.insert(script.name.clone(), (shipper.entries(), dir.clone()));
        shippers.push(shipper);
    }
    let (alerts, alert_task) = Alerts::spawn(client.clone(), config.retry_backoff_max, stop_rx.clone());
    let figures = Figures::default();
    let supervisor = Supervisor::start(&config.scripts, entries, alerts, figures.clone());
    let heartbeats = tokio::spawn(heartbeat::run(
        client.clone(),
        config.heartbeat_interval,
        supervisor.board(),
        figures,
        stop_rx.clone(),
    ));
    tracing::info!(
        server = %config.server_url,
        server_id = %config.server_id,
        scripts = config.scripts.len(),
        "orion agent is running"
    );

    tokio::select! {
        () = commands::run(client, config.command_poll_interval, &supervisor, stop_rx.clone()) => {}
        () = shutdown_signal() => {}
    }
    let _ = stop_tx.send(true);
    let _ = heartbeats.await;
    supervisor.shutdown().await;
    let finishing: Vec<_> =
        shippers.into_iter().map(|shipper| tokio::spawn(shipper.finish(FLUSH_DEADLINE))).collect();
    for task in finishing {
        let _ = task.await;
    }
    let _ = alert_task.await;
    tracing::info!("orion agent stopped");
    Ok(())
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, stopping the agent"),
        () = term => tracing::info!("SIGTERM received, stopping the agent"),
    }
}
