//! `orion serve`: open storage, build the domain, serve HTTP until SIGINT
//! or SIGTERM, then stop accepting and let in-flight requests finish.

use std::sync::Arc;

use anyhow::Context;
use orion_core::maintenance::MaintenanceOptions;
use orion_core::{Config, Orion, port::secrets};
use orion_notify::{Notifiers, NotifyConfig, SmtpConfig};

use crate::settings::{ServeSettings, redacted_url};

/// Settings key of the generated JWT secret.
const JWT_SECRET_KEY: &str = "jwt_secret";
/// Events a live session may fall behind on the bus before it is told
/// `lagged` (its own outbox queues more, see `orion_http::live`).
const LIVE_BUS_CAPACITY: usize = 4096;
/// How long shutdown waits for queued syslog messages to be stored.
const SYSLOG_DRAIN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
/// Time between two retention sweeps.
const RETENTION_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
/// How long shutdown waits for an alert run in progress (its notifications
/// and history entry) before giving up on it.
const ALERT_RUN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs the server until a shutdown signal.
pub async fn run(settings: ServeSettings) -> anyhow::Result<()> {
    let url = settings.database_url.expose();
    let options = orion_storage::StorageOptions { log_cache: settings.log_cache, ..Default::default() };
    let storage = orion_storage::Storage::open_with(url, options)
        .await
        .with_context(|| format!("cannot open the database at {}", redacted_url(url)))?;
    let repos = storage.repos();
    // On PostgreSQL, WebSockets on every instance see what any stores.
    let bus = storage
        .live_bus(LIVE_BUS_CAPACITY)
        .await
        .with_context(|| format!("cannot listen for live events on {}", redacted_url(url)))?;

    let jwt_secret = match &settings.jwt_secret {
        Some(secret) => secret.expose().to_owned(),
        // First start on this database stores a random secret; every later
        // start (and every other instance) reads the same one back.
        None => repos.settings.get_or_insert(JWT_SECRET_KEY, &secrets::random_alphanumeric(64)).await?,
    };
    let notifiers = Notifiers::new(NotifyConfig {
        smtp: settings
            .smtp
            .as_ref()
            .map(|smtp| SmtpConfig { url: smtp.url.expose().to_owned(), from: smtp.from.clone() }),
        ..NotifyConfig::default()
    })?;
    let config = Config {
        offline_after: chrono::Duration::from_std(settings.offline_after).context("offline threshold")?,
        ..Config::default()
    };
    let orion = Orion::builder(repos)
        .bus(bus)
        .jwt_secret(jwt_secret.as_bytes())
        .bcrypt_cost(settings.bcrypt_cost)
        .notifier(Arc::new(notifiers))
        .config(config)
        .build();
    match &settings.smtp {
        Some(smtp) => {
            tracing::info!(smtp = %redacted_url(smtp.url.expose()), from = %smtp.from, "alert emails go out over SMTP")
        }
        None => tracing::info!("no --smtp-url: email alert channels will fail with a reason"),
    }

    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %redacted_url(url), version = env!("CARGO_PKG_VERSION"), "orion is listening on http://{addr}");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let maintenance = orion.spawn_maintenance(
        MaintenanceOptions {
            retention_days: settings.retention_days,
            retention_every: RETENTION_SWEEP_EVERY,
            alert_every: settings.alert_interval,
        },
        stop_rx.clone(),
    );
    let syslog = match settings.syslog.clone() {
        Some(config) => Some(crate::syslog::listen::start(orion.clone(), config, stop_rx.clone()).await?),
        None => None,
    };

    // Stops accepting, lets requests in flight (and their queued log
    // writes) finish and closes WebSocket sessions before returning.
    orion_http::serve(listener, orion, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    if let Some(syslog) = syslog
        && tokio::time::timeout(SYSLOG_DRAIN_GRACE, syslog.join()).await.is_err()
    {
        tracing::warn!("syslog messages were still being stored at shutdown");
    }
    if !maintenance.stopped(ALERT_RUN_GRACE).await {
        tracing::warn!(
            "an alert evaluation was still running at shutdown; its remaining notifications were not sent"
        );
    }
    tracing::info!("orion stopped");
    Ok(())
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}
