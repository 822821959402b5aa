//! Every call against the real server (`TestServer`): the wire types are
//! this crate's own copy, and these tests are what keeps them true.

use chrono::{TimeZone, Utc};
use orion_client::{
    AckStatus, Alert, Client, ClientError, ContextLine, Cpu, CrashContext, Disk, Heartbeat, LogEntry,
    Network, Ram, RegisterAgent, RetryPolicy, ScriptStatus,
};
use serde_json::{Value, json};

use crate::support::Orion;

fn registration(server_id: &str, project: Option<&str>) -> RegisterAgent {
    RegisterAgent {
        server_id: server_id.into(),
        display_name: "Web 1".into(),
        hostname: "web-1.internal".into(),
        platform: "linux".into(),
        arch: "x86_64".into(),
        project_name: project.map(Into::into),
    }
}

fn heartbeat() -> Heartbeat {
    Heartbeat {
        timestamp: Some(Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap()),
        uptime: Some(86_400.0),
        cpu: Some(Cpu { percent: Some(37.5), cores: Some(4) }),
        ram: Some(Ram { used_mb: Some(3_000.0), total_mb: Some(8_000.0), percent: None }),
        disk: Some(Disk { used_gb: Some(10.0), total_gb: Some(100.0), percent: Some(10.0) }),
        network: Some(Network { rx_bytes_per_sec: Some(1_024.0), tx_bytes_per_sec: Some(512.0) }),
        load_average: Some([0.5, 0.25, 0.125]),
        scripts: vec![ScriptStatus {
            name: "worker".into(),
            status: "running".into(),
            pid: Some(4242),
            restarts: Some(2),
            last_exit_code: Some(1),
            uptime: None,
        }],
        ..Heartbeat::default()
    }
}

/// Registers `web-1` in the project with the owner's JWT; an agent client.
async fn agent(orion: &Orion) -> Client {
    let owner = Client::new(&orion.server.base_url, &orion.jwt).unwrap();
    let token = owner.register_agent(&registration("web-1", Some("shop"))).await.unwrap();
    assert!(token.starts_with("sk_agent_"), "{token}");
    owner.with_token(&token)
}

#[tokio::test]
async fn sent_logs_are_stored_with_every_field_and_found_by_search() {
    let orion = Orion::start().await;
    let client = Client::new(&orion.server.base_url, &orion.source_token).unwrap();
    let at = Utc.with_ymd_and_hms(2030, 5, 6, 7, 8, 9).unwrap() + chrono::Duration::milliseconds(123);
    let entries = [
        LogEntry::new("WARNING", "disk almost full")
            .at(at)
            .field("disk", "/var")
            .field("percent", 91)
            .tag("ops"),
        LogEntry { message: "plain".into(), ..LogEntry::default() },
    ];
    assert_eq!(client.send_logs(&entries).await.unwrap(), 2);
    let body = orion.logs("search=disk%20almost").await;
    let log = &body["logs"][0];
    assert_eq!(log["level"], "warn");
    assert_eq!(log["timestamp"], "2030-05-06T07:08:09.123Z");
    assert_eq!(log["metadata"], json!({ "disk": "/var", "percent": 91 }));
    assert_eq!(log["tags"], json!(["ops"]));
    assert_eq!(log["source"], "app", "the token's source");
    let plain = &orion.logs("search=plain").await["logs"][0];
    assert_eq!(plain["level"], "info", "the server's default");
}

#[tokio::test]
async fn an_invalid_entry_or_a_bad_token_is_an_api_error_that_is_not_retried() {
    let orion = Orion::start().await;
    let client = Client::new(&orion.server.base_url, &orion.source_token).unwrap();
    let bad = [LogEntry::new("info", "fine"), LogEntry::new("loud", "unknown level")];
    let err = client.send_logs(&bad).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Api { status: 400, code, .. } if code == "validation_failed"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(orion.messages("").await.is_empty(), "a batch is all or nothing");

    let stranger = Client::new(&orion.server.base_url, "sk_nonsense").unwrap();
    let err = stranger.send_logs(&[LogEntry::new("info", "x")]).await.unwrap_err();
    assert!(matches!(&err, ClientError::Api { status: 401, code, .. } if code == "unauthorized"), "{err:?}");
}

#[tokio::test]
async fn health_answers_without_a_token() {
    let orion = Orion::start().await;
    Client::new(&orion.server.base_url, "").unwrap().health().await.unwrap();
    Client::new(&format!("{}/api/", orion.server.base_url), "").unwrap().health().await.unwrap();
}

#[tokio::test]
async fn an_agent_registers_and_its_heartbeat_is_the_servers_latest() {
    let orion = Orion::start().await;
    let agent = agent(&orion).await;
    agent.heartbeat(&heartbeat()).await.unwrap();
    let (status, servers) = orion.server.get("/api/projects/shop/servers", &orion.jwt).await;
    assert_eq!(status, 200, "{servers}");
    let server = &servers[0];
    assert_eq!(
        (&server["serverId"], &server["displayName"], &server["platform"]),
        (&json!("web-1"), &json!("Web 1"), &json!("linux"))
    );
    let latest = &server["latest"];
    assert_eq!(latest["cpu"], json!({"percent": 37.5, "cores": 4}));
    assert_eq!(latest["ram"], json!({"usedMb": 3_000.0, "totalMb": 8_000.0, "percent": 37.5}), "derived");
    assert_eq!(latest["network"], json!({"rxBytesPerSec": 1_024.0, "txBytesPerSec": 512.0}));
    assert_eq!(latest["loadAverage"], json!([0.5, 0.25, 0.125]));
    assert_eq!(latest["timestamp"], "2030-01-02T03:04:05.000Z");
    let script = &latest["scripts"][0];
    assert_eq!(
        (&script["name"], &script["pid"], &script["restarts"]),
        (&json!("worker"), &json!(4242), &json!(2))
    );
    assert_eq!(script["lastExitCode"], 1);
}

#[tokio::test]
async fn a_heartbeat_the_server_refuses_is_a_validation_error() {
    let orion = Orion::start().await;
    let agent = agent(&orion).await;
    let busy = Heartbeat { cpu: Some(Cpu { percent: Some(150.0), cores: None }), ..heartbeat() };
    let err = agent.heartbeat(&busy).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Api { status: 400, code, .. } if code == "validation_failed"),
        "{err:?}"
    );
}

/// `Heartbeat::default()` sends `{}`: the reference's liveness ping.
#[tokio::test]
async fn an_empty_heartbeat_is_a_liveness_ping() {
    let orion = Orion::start().await;
    let agent = agent(&orion).await;
    assert_eq!(serde_json::to_value(Heartbeat::default()).unwrap(), json!({}));
    agent.heartbeat(&Heartbeat::default()).await.unwrap();
    let (_, servers) = orion.server.get("/api/projects/shop/servers", &orion.jwt).await;
    assert_eq!(servers[0]["online"], true, "{servers}");
    assert!(servers[0]["latest"]["cpu"].is_null(), "no group was sent: {servers}");
}

#[tokio::test]
async fn registering_with_an_agent_register_token_needs_no_user() {
    let orion = Orion::start().await;
    let token = orion.server.create_token(&orion.jwt, "shop", "installer", &["agent:register"]).await;
    let installer = Client::new(&orion.server.base_url, token["token"].as_str().unwrap()).unwrap();
    let agent_token = installer.register_agent(&registration("db-1", None)).await.unwrap();
    assert!(agent_token.starts_with("sk_agent_"));
    let err = installer.register_agent(&registration("db-2", Some("elsewhere"))).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
}

#[tokio::test]
async fn an_alert_is_recorded_as_an_incident_of_the_server() {
    let orion = Orion::start().await;
    let agent = agent(&orion).await;
    let alert = Alert {
        event: "script_crash".into(),
        message: "worker exited with code 1".into(),
        script_name: Some("worker".into()),
        timestamp: Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()),
        context: Some(CrashContext {
            lines: vec![ContextLine {
                timestamp: Utc.with_ymd_and_hms(2029, 12, 31, 23, 59, 59).unwrap(),
                stream: "stderr".into(),
                line: "panic: out of cheese".into(),
            }],
            metrics: Some(Heartbeat {
                cpu: Some(Cpu { percent: Some(88.0), cores: None }),
                ..Heartbeat::default()
            }),
            exit_code: None,
            signal: Some(9),
            restarts: Some(2),
        }),
    };
    agent.alert(&alert).await.unwrap();
    let (status, incidents) = orion.server.get("/api/projects/shop/incidents", &orion.jwt).await;
    assert_eq!(status, 200, "{incidents}");
    let incident = &incidents.as_array().unwrap()[0];
    assert_eq!(incident["event"], "script_crash");
    assert_eq!(incident["scriptName"], "worker");
    assert_eq!(incident["serverId"], "web-1");
    assert_eq!(incident["timestamp"], "2030-01-01T00:00:00.000Z");
    let context = &incident["context"];
    assert_eq!(context["lines"][0]["line"], "panic: out of cheese");
    assert_eq!(context["lines"][0]["timestamp"], "2029-12-31T23:59:59.000Z");
    assert_eq!((&context["signal"], &context["restarts"]), (&json!(9), &json!(2)));
    assert_eq!(context["metrics"]["cpu"]["percent"], 88.0);
}

#[tokio::test]
async fn a_source_made_by_the_agent_gets_a_token_that_labels_its_logs() {
    let orion = Orion::start().await;
    let agent = agent(&orion).await;
    let token = agent.create_source("worker", Some("/srv/worker")).await.unwrap();
    assert!(token.starts_with("sk_source_"), "{token}");
    let again = agent.create_source("worker", None).await.unwrap();
    assert_ne!(token, again, "each call issues a new token for the same source");
    let source = agent.clone().with_token(&token);
    source.send_logs(&[LogEntry::new("info", "from the worker").source("ignored")]).await.unwrap();
    let log = &orion.logs("search=from%20the%20worker").await["logs"][0];
    assert_eq!(log["source"], "worker");
    assert_eq!(log["serverId"], "web-1");
}

#[tokio::test]
async fn a_queued_command_is_polled_once_and_acknowledged_once() {
    let orion = Orion::start().await;
    let agent = agent(&orion).await;
    assert!(agent.commands().await.unwrap().is_empty());
    let path = "/api/projects/shop/servers/web-1/commands";
    let body = json!({ "type": "restart", "scriptName": "worker", "payload": { "reason": "deploy" } });
    let (status, queued) = orion.server.post(path, &orion.jwt, body).await;
    assert_eq!(status, 201, "{queued}");

    let commands = agent.commands().await.unwrap();
    assert_eq!(commands.len(), 1);
    let command = &commands[0];
    assert_eq!(command.id, queued["id"].as_i64().unwrap());
    assert_eq!(command.kind, "restart");
    assert_eq!(command.script_name.as_deref(), Some("worker"));
    assert_eq!(command.payload, json!({ "reason": "deploy" }));

    agent.ack(command.id, AckStatus::Ok, Some("restarted, pid 99")).await.unwrap();
    assert!(agent.commands().await.unwrap().is_empty(), "acknowledged commands are no longer pending");
    let (_, listed) = orion.server.get(path, &orion.jwt).await;
    let listed: &Value = &listed.as_array().unwrap()[0];
    assert_eq!((&listed["status"], &listed["output"]), (&json!("ok"), &json!("restarted, pid 99")));

    let err = agent.ack(command.id, AckStatus::Failed, None).await.unwrap_err();
    assert!(matches!(&err, ClientError::Api { status: 409, .. }), "{err:?}");
    let err = agent.ack(987_654_321, AckStatus::Ok, None).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
}

#[tokio::test]
async fn another_servers_command_is_not_found_for_this_agent() {
    let orion = Orion::start().await;
    let agent = agent(&orion).await;
    let owner = Client::new(&orion.server.base_url, &orion.jwt).unwrap().with_retry(RetryPolicy::none());
    let other =
        owner.clone().with_token(&owner.register_agent(&registration("web-2", Some("shop"))).await.unwrap());
    let body = json!({ "type": "stop", "scriptName": "worker" });
    let (status, queued) =
        orion.server.post("/api/projects/shop/servers/web-2/commands", &orion.jwt, body).await;
    assert_eq!(status, 201, "{queued}");
    assert!(agent.commands().await.unwrap().is_empty());
    let err = agent.ack(queued["id"].as_i64().unwrap(), AckStatus::Ok, None).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    assert_eq!(other.commands().await.unwrap()[0].kind, "stop");
}
