//! The server's background jobs, for any embedding (the CLI's `orion
//! serve` is one): retention sweeps and the alert scheduler, started by
//! [`Orion::spawn_maintenance`](crate::Orion::spawn_maintenance) and
//! stopped by a shutdown signal.
//!
//! - **Expired challenges**: 2FA login challenges and WebSocket tickets
//!   past their expiry are deleted at every sweep, even with retention
//!   off (a ticket lives 30 s; unredeemed ones would pile up otherwise).
//! - **Retention** deletes logs, heartbeats, incidents and acknowledged
//!   commands (pending commands never expire) older than the period, one
//!   small batch per statement with a pause in between, so the log writer
//!   never waits long for the database. The cutoff comes from the
//!   [`Clock`](crate::port::Clock) port, so tests move time instead of
//!   waiting for it.
//! - **Alerts**: every enabled rule is evaluated once per interval, the
//!   first run one interval after start (a restarting fleet does not
//!   evaluate in a burst). Several instances on one database may all run
//!   it: the service claims each transition with a compare-and-set on the
//!   rule's state, so only one of them notifies.
//!
//! The pauses between runs are real time (tokio's timer), not the clock
//! port: they pace work, they do not decide what is due.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::Orion;
use crate::error::ServiceResult;
use crate::model::alert::Decision;

/// Rows deleted per statement (per table): small enough to hold the write
/// lock for milliseconds, not seconds.
pub const RETENTION_BATCH: u32 = 1_000;
/// Pause between two batches of one sweep.
const PAUSE_BETWEEN_BATCHES: Duration = Duration::from_millis(20);

/// What runs in the background, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaintenanceOptions {
    /// Data older than this many days goes; 0 keeps everything (expired
    /// challenges and tickets still go).
    pub retention_days: u32,
    /// Time between sweeps (the first runs at once).
    pub retention_every: Duration,
    /// Time between alert evaluations.
    pub alert_every: Duration,
}

impl Default for MaintenanceOptions {
    fn default() -> Self {
        Self {
            retention_days: 30,
            retention_every: Duration::from_secs(600),
            alert_every: Duration::from_secs(60),
        }
    }
}

/// The running jobs. [`Maintenance::stopped`] waits for them after the
/// shutdown signal.
#[derive(Debug)]
pub struct Maintenance {
    retention: JoinHandle<()>,
    alerts: JoinHandle<()>,
}

impl Maintenance {
    /// Waits for both jobs to stop (after the shutdown signal), giving an
    /// alert run in progress up to `grace` to finish its notifications and
    /// history entry; returns `false` if it was cut short.
    pub async fn stopped(self, grace: Duration) -> bool {
        let _ = self.retention.await;
        let mut alerts = self.alerts;
        match tokio::time::timeout(grace, &mut alerts).await {
            Ok(_) => true,
            Err(_) => {
                alerts.abort();
                false
            }
        }
    }
}

/// Starts the jobs on the current runtime; see [`Orion::spawn_maintenance`].
pub(crate) fn spawn(
    orion: Orion,
    options: MaintenanceOptions,
    shutdown: watch::Receiver<bool>,
) -> Maintenance {
    if options.retention_days == 0 {
        tracing::info!("retention is off: logs and agent data are kept forever");
    }
    let retention = tokio::spawn(retain(orion.clone(), options, shutdown.clone()));
    Maintenance { retention, alerts: tokio::spawn(evaluate_alerts(orion, options.alert_every, shutdown)) }
}

/// Sweeps now, then every `retention_every`, until shutdown.
async fn retain(orion: Orion, options: MaintenanceOptions, mut stop: watch::Receiver<bool>) {
    loop {
        sweep(&orion, options.retention_days, &mut stop).await;
        tokio::select! {
            _ = tokio::time::sleep(options.retention_every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Deletes expired challenges and tickets, then (unless `days` is 0)
/// everything older than `days`, one batch at a time: logs, then the agent
/// tables.
async fn sweep(orion: &Orion, days: u32, stop: &mut watch::Receiver<bool>) {
    let now = orion.clock().now();
    let challenges = "expired 2FA challenges and WebSocket tickets";
    purge(now, stop, challenges, |_| orion.accounts().purge_expired_challenges(RETENTION_BATCH)).await;
    if days == 0 {
        return;
    }
    let cutoff = now - chrono::Duration::days(i64::from(days));
    purge(cutoff, stop, "logs", |cutoff| orion.logs().purge_batch(cutoff, RETENTION_BATCH)).await;
    let agent_data = "heartbeats, incidents and acknowledged commands";
    purge(cutoff, stop, agent_data, |cutoff| orion.agents().purge_batch(cutoff, RETENTION_BATCH)).await;
}

/// Calls `batch` until it deletes fewer than [`RETENTION_BATCH`] rows, an
/// error or a stop, pausing between calls.
async fn purge<F, Fut>(cutoff: DateTime<Utc>, stop: &mut watch::Receiver<bool>, what: &str, batch: F)
where
    F: Fn(DateTime<Utc>) -> Fut,
    Fut: Future<Output = ServiceResult<u64>>,
{
    let mut deleted = 0u64;
    loop {
        if *stop.borrow() {
            break;
        }
        match batch(cutoff).await {
            Ok(n) => {
                deleted += n;
                if n < u64::from(RETENTION_BATCH) {
                    break;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, what, "retention sweep failed; will retry at the next sweep");
                break;
            }
        }
        tokio::time::sleep(PAUSE_BETWEEN_BATCHES).await;
    }
    if deleted > 0 {
        tracing::info!(deleted, %cutoff, what, "deleted expired rows");
    }
}

/// Evaluates every rule each `every`, the first time one interval after
/// start, until shutdown. A run in progress is finished first: cutting it
/// short could lose the history entry of a notification already sent.
async fn evaluate_alerts(orion: Orion, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
    // A run longer than the interval (slow SMTP, say) delays the next one
    // instead of queueing a burst behind it.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        match orion.alerts().evaluate_all().await {
            Ok(evaluations) => {
                let notified = evaluations.iter().filter(|e| e.decision != Decision::Quiet).count();
                tracing::debug!(rules = evaluations.len(), notified, "alert rules evaluated");
            }
            Err(err) => {
                tracing::warn!(error = %err, "alert evaluation failed; will retry at the next interval")
            }
        }
    }
}
