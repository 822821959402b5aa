//! Small domain values for the storage-specific tests (the contract suite
//! has its own).

use chrono::{TimeZone, Utc};
use orion_core::Repos;
use orion_core::model::log::{Level, NewLogEntry};
use orion_core::model::user::TwoFactor;
use orion_core::model::{
    Email, Label, PersonName, Project, ProjectId, ProjectName, Pseudo, Source, SourceId, SourceName, User,
    UserId,
};

/// A user with this email and pseudo, not stored yet.
pub fn user(email: &str, pseudo: &str) -> User {
    User {
        id: UserId::new(),
        first_name: PersonName::parse("firstName", "Ada").unwrap(),
        last_name: PersonName::parse("lastName", "Lovelace").unwrap(),
        pseudo: Pseudo::parse(pseudo).unwrap(),
        email: Email::parse(email).unwrap(),
        password_hash: "$2b$04$hash".into(),
        two_factor: TwoFactor::default(),
        created_at: Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap(),
    }
}

/// A project of `owner`, not stored yet.
pub fn project(owner: UserId, name: &str) -> Project {
    Project {
        id: ProjectId::new(),
        owner_id: owner,
        name: ProjectName::parse(name).unwrap(),
        label: Label::parse("label", "A project", 100).unwrap(),
        archived: false,
        created_at: Utc::now(),
    }
}

/// A stored project (and its owner) in `repos`, with a fresh name.
pub async fn stored_project(repos: &Repos) -> Project {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let owner = user(&format!("u{suffix}@example.com"), &format!("u{suffix}"));
    repos.users.insert(&owner).await.unwrap();
    let project = project(owner.id, &format!("p{suffix}"));
    repos.projects.insert(&project).await.unwrap();
    project
}

/// An `info` entry of `project` with `message`, `offset_ms` after a fixed
/// instant in 2024.
pub fn log(project: ProjectId, offset_ms: i64, message: &str) -> NewLogEntry {
    let at = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::milliseconds(offset_ms);
    NewLogEntry {
        project_id: project,
        timestamp: at,
        received_at: at,
        level: Level::Info,
        message: message.to_owned(),
        metadata: serde_json::Map::new(),
        tags: vec!["app".into()],
        source: None,
        server_id: None,
    }
}

/// A source of `project`, not stored yet.
pub fn source(project: ProjectId, name: &str) -> Source {
    Source {
        id: SourceId::new(),
        project_id: project,
        name: SourceName::parse(name).unwrap(),
        description: Label::parse("description", "", 100).unwrap(),
        created_at: Utc::now(),
    }
}
