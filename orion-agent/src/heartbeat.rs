//! The heartbeat loop: every `heartbeat_interval`, system figures and the
//! scripts' states to `POST /agent/heartbeat`. A missed heartbeat is not
//! retried: the next one, with fresher figures, is better.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use orion_client::{Client, RetryPolicy};
use tokio::sync::watch;

use super::board::{Figures, StatusBoard};
use super::metrics::Sampler;

/// Sends heartbeats until `stop` turns true.
pub async fn run(
    client: Client,
    interval: Duration,
    board: StatusBoard,
    figures: Figures,
    mut stop: watch::Receiver<bool>,
) {
    let client = client.with_retry(RetryPolicy::none());
    let sampler = match tokio::task::spawn_blocking(Sampler::new).await {
        Ok(sampler) => Arc::new(Mutex::new(sampler)),
        Err(_) => {
            tracing::error!("cannot read the system figures; no heartbeats will be sent");
            return;
        }
    };
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => return,
        }
        let sampler = sampler.clone();
        let Ok(sample) =
            tokio::task::spawn_blocking(move || sampler.lock().expect("sampler lock").sample()).await
        else {
            continue;
        };
        let heartbeat = sample.to_heartbeat(chrono::Utc::now(), board.all());
        figures.set(&heartbeat);
        match client.heartbeat(&heartbeat).await {
            Ok(()) if failing => {
                tracing::info!("heartbeats are getting through again");
                failing = false;
            }
            Ok(()) => {}
            Err(e) if !failing => {
                tracing::warn!(error = %e, "cannot send a heartbeat");
                failing = true;
            }
            Err(e) => tracing::debug!(error = %e, "cannot send a heartbeat"),
        }
    }
}
