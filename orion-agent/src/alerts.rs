//! Crash alerts on their way to the server: a small queue and a task that
//! sends each one, waiting out an outage with backoff so a crash during a
//! network blip is still reported. (The queue lives in memory: alerts
//! pending when the agent stops are lost; the crash is in the script's logs
//! anyway, which are buffered on disk.)

use std::time::Duration;

use orion_client::{Alert, Client, RetryPolicy};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::backoff::Backoff;

/// Alerts that may wait; beyond this a crash loop is already well reported.
const QUEUE: usize = 64;

/// Where scripts report crashes.
#[derive(Debug, Clone)]
pub struct Alerts {
    tx: mpsc::Sender<Alert>,
}

impl Alerts {
    /// Starts the sending task; it ends when `stop` turns true or every
    /// [`Alerts`] is dropped.
    pub fn spawn(client: Client, retry_max: Duration, stop: watch::Receiver<bool>) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Self { tx }, tokio::spawn(send_loop(client.with_retry(RetryPolicy::none()), rx, retry_max, stop)))
    }

    /// Queues `alert`; never waits.
    pub fn report(&self, alert: Alert) {
        if self.tx.try_send(alert).is_err() {
            tracing::warn!("too many alerts waiting for the server; dropped one");
        }
    }
}

async fn send_loop(
    client: Client,
    mut rx: mpsc::Receiver<Alert>,
    retry_max: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(200), retry_max);
    loop {
        let alert = tokio::select! {
            alert = rx.recv() => match alert { Some(alert) => alert, None => return },
            _ = stop.changed() => return,
        };
        loop {
            match client.alert(&alert).await {
                Ok(()) => {
                    backoff.reset();
                    break;
                }
                Err(e) if e.is_retryable() => {
                    tracing::warn!(error = %e, event = %alert.event, "cannot send an alert; trying again");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff.next_delay()) => {}
                        _ = stop.changed() => return,
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, event = %alert.event, "the server refused an alert");
                    break;
                }
            }
        }
    }
}
