//! What the script tasks share with the rest of the agent: the actions
//! commands ask of a script, the board of every script's latest state (read
//! for each heartbeat) and the latest figures (for crash contexts). Apart
//! from [`super::supervisor`] so a script task needs nothing of it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use orion_client::{Heartbeat, ScriptStatus};

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
