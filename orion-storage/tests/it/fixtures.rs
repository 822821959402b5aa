//! Small domain values for the storage-specific tests (the contract suite
//! has its own).

use chrono::{TimeZone, Utc};
use orion_core::Repos;
use orion_core::model::alert::{AlertEvent, AlertEventKind, AlertRule, Channel, Condition, Delivery};
use orion_core::model::log::{Level, NewLogEntry};
use orion_core::model::user::TwoFactor;
use orion_core::model::{
    AlertEventId, Command, CommandId, CommandKind, CommandStatus, Email, Heartbeat, Incident, IncidentId,
    Label, Metrics, PersonName, Project, ProjectId, ProjectName, Pseudo, RuleId, Server, ServerId, Source,
    SourceId, SourceName, User, UserId,
};

/// A user with this email and pseudo, not stored yet.
pub fn user(email: &str, pseudo: &str) -> User {
    User {
        id: UserId(orion_testkit::fresh_id()),
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
        id: ProjectId(orion_testkit::fresh_id()),
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
        id: SourceId(orion_testkit::fresh_id()),
        project_id: project,
        name: SourceName::parse(name).unwrap(),
        description: Label::parse("description", "", 100).unwrap(),
        created_at: Utc::now(),
    }
}

/// A fixed instant in 2024, `offset_ms` later.
pub fn at(offset_ms: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap() + chrono::Duration::milliseconds(offset_ms)
}

/// A never-seen server `id` of `project`, not stored yet.
pub fn server(project: ProjectId, id: &str) -> Server {
    Server {
        id: orion_core::model::ServerRowId(orion_testkit::fresh_id()),
        project_id: project,
        server_id: ServerId::parse(id).unwrap(),
        display_name: format!("Server {id}"),
        hostname: format!("{id}.example.com"),
        platform: "linux".into(),
        arch: "x86_64".into(),
        created_at: at(0),
        last_seen_at: None,
    }
}

/// A stored server `id` of `project`.
pub async fn stored_server(repos: &Repos, project: ProjectId, id: &str) -> Server {
    repos.servers.upsert(&server(project, id)).await.unwrap()
}

/// A heartbeat of `server` taken at `timestamp` and received then.
pub fn heartbeat(server: &Server, timestamp: chrono::DateTime<Utc>) -> Heartbeat {
    Heartbeat {
        project_id: server.project_id,
        server_id: server.server_id.clone(),
        timestamp,
        received_at: timestamp,
        metrics: Metrics {
            uptime_seconds: Some(3_600.0),
            cpu_percent: Some(12.5),
            cpu_cores: Some(2),
            ram: orion_core::model::Usage { used: Some(1_024.0), total: Some(4_096.0), percent: None },
            disk: orion_core::model::Usage { used: Some(32.0), total: Some(128.0), percent: Some(25.0) },
            net_rx_bytes_per_sec: Some(1_024.0),
            net_tx_bytes_per_sec: Some(512.0),
            load_average: Some([0.5, 0.25, 0.125]),
        },
        scripts: Vec::new(),
    }
}

/// A pending `restart` of `server`'s `api` script, created at `created_at`.
pub fn command(server: &Server, created_at: chrono::DateTime<Utc>) -> Command {
    Command {
        id: CommandId(orion_testkit::fresh_id()),
        project_id: server.project_id,
        server_id: server.server_id.clone(),
        kind: CommandKind::Restart,
        script_name: Some("api".into()),
        payload: serde_json::Map::new(),
        status: CommandStatus::Pending,
        output: None,
        created_at,
        acked_at: None,
    }
}

/// A `script_crash` reported by `server` at `timestamp`.
pub fn incident(server: &Server, timestamp: chrono::DateTime<Utc>) -> Incident {
    Incident {
        id: IncidentId(orion_testkit::fresh_id()),
        project_id: server.project_id,
        server_id: Some(server.server_id.clone()),
        event: "script_crash".into(),
        message: "api exited with code 1".into(),
        script_name: Some("api".into()),
        timestamp,
        received_at: timestamp,
        status: orion_core::model::IncidentStatus::Open,
        count: 1,
        last_at: timestamp,
        resolved_at: None,
        running_since: None,
        context: None,
    }
}

/// An enabled `error_count >= 3` rule of `project` with a webhook, not
/// stored yet.
pub fn rule(project: ProjectId) -> AlertRule {
    AlertRule {
        id: RuleId(orion_testkit::fresh_id()),
        project_id: project,
        name: "Errors".into(),
        condition: Condition::parse("error_count >= 3").unwrap(),
        window_minutes: 5,
        channels: vec![Channel::Webhook("https://hooks.example.com/orion".into())],
        enabled: true,
        source: None,
        filter: None,
        server_id: None,
        repeat_minutes: 60,
        actions: Vec::new(),
        created_at: at(0),
        updated_at: at(0),
    }
}

/// A stored rule of `project`.
pub async fn stored_rule(repos: &Repos, project: ProjectId) -> AlertRule {
    let rule = rule(project);
    repos.alert_rules.insert(&rule).await.unwrap();
    rule
}

/// A `firing` event of `rule` at `at`, with one failed delivery.
pub fn event(rule: &AlertRule, at: chrono::DateTime<Utc>) -> AlertEvent {
    AlertEvent {
        id: AlertEventId(orion_testkit::fresh_id()),
        project_id: rule.project_id,
        rule_id: rule.id,
        rule_name: rule.name.clone(),
        condition: rule.condition.to_string(),
        kind: AlertEventKind::Firing,
        value: 4.0,
        window_minutes: rule.window_minutes,
        at,
        deliveries: vec![Delivery {
            channel: rule.channels[0].to_wire(),
            ok: false,
            error: Some("connection refused".into()),
        }],
        silenced: false,
        actions: Vec::new(),
    }
}
