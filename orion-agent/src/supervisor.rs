//! The supervised scripts: one task per script (see [`super::script`]),
//! started together, acted on by name, stopped together.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::action_error::ActionError;
use super::alerts::Alerts;
use super::board::{Action, Figures, StatusBoard};
use super::config::ScriptConfig;
use super::script::{Control, ScriptTask, Sinks};
use super::shipper::Spooled;

/// The running scripts.
#[derive(Debug)]
pub struct Supervisor {
    scripts: BTreeMap<String, (mpsc::Sender<Control>, JoinHandle<()>)>,
    board: StatusBoard,
}

impl Supervisor {
    /// Starts every script; `logs` has the entry channel of each.
    pub fn start(
        scripts: &[ScriptConfig],
        mut logs: HashMap<String, (mpsc::Sender<Spooled>, PathBuf)>,
        alerts: Alerts,
        figures: Figures,
    ) -> Self {
        let board = StatusBoard::default();
        let scripts = scripts
            .iter()
            .filter_map(|config| {
                let (entries, spool) = logs.remove(&config.name)?;
                let (tx, rx) = mpsc::channel(8);
                let sinks = Sinks { logs: entries, spool, alerts: alerts.clone(), figures: figures.clone() };
                let task = ScriptTask::new(config.clone(), rx, sinks, board.clone());
                Some((config.name.clone(), (tx, tokio::spawn(task.run()))))
            })
            .collect();
        Self { scripts, board }
    }

    /// The board the heartbeats read.
    pub fn board(&self) -> StatusBoard {
        self.board.clone()
    }

    /// Carries out `action` on the script `name`; `Ok` holds what happened,
    /// `Err` why it could not be done.
    pub async fn act(&self, name: &str, action: Action) -> Result<String, ActionError> {
        let Some((control, _)) = self.scripts.get(name) else {
            return Err(ActionError::NoSuchScript(name.to_owned()));
        };
        let (reply, answer) = oneshot::channel();
        control.send(Control::Do(action, reply)).await.map_err(|_| ActionError::SupervisorEnded)?;
        answer.await.unwrap_or(Err(ActionError::SupervisorEnded))
    }

    /// Stops every script (SIGTERM, then SIGKILL after its `stop_timeout`)
    /// and waits until their output is captured.
    pub async fn shutdown(self) {
        for (control, _) in self.scripts.values() {
            let _ = control.send(Control::Shutdown).await;
        }
        for (_, (_, task)) in self.scripts {
            let _ = task.await;
        }
    }
}
