//! orion-testkit's integration tests: the in-memory backend against the
//! repository contract (one test per check) and beyond it, the shared test
//! doubles, and the fake clock.

mod clock;
mod contract;
mod doubles;
mod memory;

use chrono::Utc;
use orion_core::model::log::{Level, NewLogEntry};
use orion_core::model::{Label, Project, ProjectId, ProjectName, UserId};

/// A project of a made-up owner, not stored yet.
fn new_project() -> Project {
    Project {
        id: ProjectId(orion_testkit::fresh_id()),
        owner_id: UserId(orion_testkit::fresh_id()),
        name: ProjectName::parse("p").unwrap(),
        label: Label::parse("label", "", 10).unwrap(),
        archived: false,
        created_at: Utc::now(),
    }
}

/// A minimal info entry of `project_id`, stamped now.
fn new_entry(project_id: ProjectId, message: &str) -> NewLogEntry {
    NewLogEntry {
        project_id,
        timestamp: Utc::now(),
        received_at: Utc::now(),
        level: Level::Info,
        message: message.into(),
        metadata: serde_json::Map::new(),
        tags: Vec::new(),
        source: None,
        server_id: None,
    }
}
