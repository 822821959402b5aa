//! The command loop: every `command_poll_interval`, fetch the pending
//! commands, carry each out on its script, and acknowledge it with its
//! outcome.
//!
//! A command is carried out once even if its acknowledgement is lost: the
//! outcome is kept and the acknowledgement retried on the next polls
//! (the command is still pending on the server until then).

use std::collections::HashMap;
use std::time::Duration;

use orion_client::{AckStatus, AgentCommand, Client, RetryPolicy};
use tokio::sync::watch;

use super::board::Action;
use super::supervisor::Supervisor;

/// Outcomes done but not yet acknowledged, by command id.
type Unacked = HashMap<i64, (AckStatus, String)>;

/// Polls and carries out commands until `stop` turns true.
pub async fn run(
    client: Client,
    interval: Duration,
    supervisor: &Supervisor,
    mut stop: watch::Receiver<bool>,
) {
    let client = client.with_retry(RetryPolicy::none());
    let mut unacked = Unacked::new();
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => return,
        }
        let commands = match client.commands().await {
            Ok(commands) => commands,
            Err(e) => {
                tracing::debug!(error = %e, "cannot poll for commands");
                continue;
            }
        };
        for command in commands {
            let (status, output) = match unacked.remove(&command.id) {
                Some(done) => done,
                None => execute(supervisor, &command).await,
            };
            match client.ack(command.id, status, Some(&output)).await {
                Ok(()) => {}
                // 404/409: gone or already acknowledged; nothing to keep.
                Err(e) if e.status().is_some_and(|s| s == 404 || s == 409) => {}
                Err(e) => {
                    tracing::warn!(error = %e, command = %command.id, "cannot acknowledge a command; will retry");
                    unacked.insert(command.id, (status, output));
                }
            }
        }
    }
}

async fn execute(supervisor: &Supervisor, command: &AgentCommand) -> (AckStatus, String) {
    let Some(action) = Action::parse(&command.kind) else {
        return (AckStatus::Failed, format!("this agent does not know the command `{}`", command.kind));
    };
    let Some(script) = command.script_name.as_deref() else {
        return (AckStatus::Failed, format!("`{}` needs a scriptName", command.kind));
    };
    tracing::info!(command = %command.id, kind = %command.kind, script, "carrying out a command");
    match supervisor.act(script, action).await {
        Ok(output) => (AckStatus::Ok, output),
        Err(why) => (AckStatus::Failed, why.to_string()),
    }
}
