//! The alert scheduler: a background task that evaluates every enabled
//! rule once per interval (the first run one interval after start, so a
//! restarting fleet does not evaluate in a burst) until shutdown.
//!
//! Several instances on one database may all run it: the service claims
//! each transition with a compare-and-set on the rule's state, so only one
//! of them notifies.

use std::time::Duration;

use orion_core::Orion;
use orion_core::model::alert::Decision;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// Spawns the scheduler; it stops when `stop` turns `true`. A run in
/// progress is finished first: cutting it short could lose the history
/// entry of a notification already sent.
pub fn spawn(orion: Orion, every: Duration, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
        // A run longer than the interval (slow SMTP, say) delays the next
        // one instead of queueing a burst behind it.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            evaluate(&orion).await;
        }
    })
}

/// One run; errors are logged, never fatal (the next tick tries again).
async fn evaluate(orion: &Orion) {
    match orion.alerts().evaluate_all().await {
        Ok(evaluations) => {
            let notified = evaluations.iter().filter(|e| e.decision != Decision::Quiet).count();
            tracing::debug!(rules = evaluations.len(), notified, "alert rules evaluated");
        }
        Err(err) => tracing::warn!(error = %err, "alert evaluation failed; will retry at the next interval"),
    }
}
