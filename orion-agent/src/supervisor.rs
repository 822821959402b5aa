//! The supervised scripts: one task per script (see [`super::script`]), a
//! board of their states for heartbeats, and the `start`/`stop`/`restart`
//! actions commands ask for.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use orion_client::{Heartbeat, ScriptStatus};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::alerts::Alerts;
use super::config::ScriptConfig;
use super::script::{Control, ScriptTask, Sinks};
use super::shipper::Spooled;

/// What a command can ask of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start it if stopped.
    Start,
    /// Stop it and keep it stopped (no restart policy applies).
    Stop,
    /// Stop it, then start it again.
    Restart,
}

impl Action {
    /// Parses a command type (`start`, `stop`, `restart`).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "start" => Some(Self::Start),
            "stop" => Some(Self::Stop),
            "restart" => Some(Self::Restart),
            _ => None,
        }
    }
}

/// The latest state of every script, shared by their tasks and read for
/// each heartbeat.
#[derive(Debug, Clone, Default)]
pub struct StatusBoard(Arc<Mutex<BTreeMap<String, ScriptStatus>>>);

impl StatusBoard {
    /// Records `status` for its script.
    pub fn set(&self, status: ScriptStatus) {
        self.0.lock().expect("status board lock").insert(status.name.clone(), status);
    }

    /// Every script's state, by name.
    pub fn all(&self) -> Vec<ScriptStatus> {
        self.0.lock().expect("status board lock").values().cloned().collect()
    }
}

/// The latest figures the heartbeat loop took, for crash contexts.
#[derive(Debug, Clone, Default)]
pub struct Figures(Arc<Mutex<Option<Heartbeat>>>);

impl Figures {
    /// Records the figures of a heartbeat (without its scripts).
    pub fn set(&self, heartbeat: &Heartbeat) {
        let figures = Heartbeat { scripts: Vec::new(), server_id: None, ..heartbeat.clone() };
        *self.0.lock().expect("figures lock") = Some(figures);
    }

    /// The latest figures, if any were taken yet.
    pub fn latest(&self) -> Option<Heartbeat> {
        self.0.lock().expect("figures lock").clone()
    }
}

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
    pub async fn act(&self, name: &str, action: Action) -> Result<String, String> {
        let Some((control, _)) = self.scripts.get(name) else {
            return Err(format!("no script named `{name}` on this agent"));
        };
        let (reply, answer) = oneshot::channel();
        control
            .send(Control::Do(action, reply))
            .await
            .map_err(|_| "the script's supervisor has ended".to_owned())?;
        answer.await.unwrap_or_else(|_| Err("the script's supervisor has ended".to_owned()))
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
