//! The agent's side: `POST /api/agent/register`, `/heartbeat`, `/alert` and
//! `/source` — who may call them, what they store, and that a bad body
//! stores nothing. (The command queue is in `commands.rs`; the owner's
//! listings in `servers.rs`.)

use orion_testkit::server::{alert_body, heartbeat_body, registration_body};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Fleet, api_token, assert_error, detail_fields, names, token_of, with_agent, with_user};

#[tokio::test]
async fn a_user_session_registers_a_server_and_gets_an_agent_token() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let (status, reply) = server.register_agent(&ada, registration_body("web-1", Some("web"))).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert!(token_of(&reply).starts_with("sk_agent_"), "{reply}");
    assert_eq!(reply.as_object().unwrap().len(), 1, "only the token: {reply}");

    let servers = server.servers(&ada, "web").await;
    assert!(servers[0]["id"].as_i64().is_some_and(|id| id > 0), "an integer row id: {servers:?}");
    assert_eq!(
        servers,
        [json!({
            "id": servers[0]["id"], "serverId": "web-1", "displayName": "web-1 (test)", "hostname": "web-1.example.com",
            "platform": "linux", "arch": "x86_64", "lastSeenAt": null, "online": false, "latest": null,
        })]
    );
}

#[tokio::test]
async fn the_display_name_defaults_to_the_hostname() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let mut body = registration_body("web-1", Some("web"));
    body.as_object_mut().unwrap().remove("displayName");
    assert_eq!(server.register_agent(&ada, body).await.0, StatusCode::CREATED);
    assert_eq!(server.servers(&ada, "web").await[0]["displayName"], "web-1.example.com");
}

#[tokio::test]
async fn a_user_session_must_name_a_project_it_owns() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let answer = server.register_agent(&ada, registration_body("web-1", None)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["projectName"]);

    let bob = server.signup("bob").await;
    let foreign = server.register_agent(&bob, registration_body("web-1", Some("web"))).await;
    assert_error(&foreign, StatusCode::NOT_FOUND, "not_found");
    assert!(server.servers(&ada, "web").await.is_empty());
}

#[tokio::test]
async fn an_agent_register_token_registers_in_its_own_project_only() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    server.create_project(&ada, "shop").await;
    let register = api_token(&server, &ada, "web", &["agent:register"]).await;

    let (status, reply) = server.register_agent(&register, registration_body("web-1", None)).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert!(token_of(&reply).starts_with("sk_agent_"));
    let same = server.register_agent(&register, registration_body("web-2", Some("web"))).await;
    assert_eq!(same.0, StatusCode::CREATED, "{}", same.1);

    let other = server.register_agent(&register, registration_body("shop-1", Some("shop"))).await;
    assert_error(&other, StatusCode::NOT_FOUND, "not_found");
    let servers = server.servers(&ada, "web").await;
    let ids: Vec<&Value> = servers.iter().map(|s| &s["serverId"]).collect();
    assert_eq!(ids, [&json!("web-1"), &json!("web-2")]);
    assert!(server.servers(&ada, "shop").await.is_empty());
}

#[tokio::test]
async fn a_token_without_agent_register_cannot_register() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let writer = api_token(&server, &ada, "web", &["logs:write", "heartbeat:write"]).await;
    let answer = server.register_agent(&writer, registration_body("web-1", None)).await;
    assert_error(&answer, StatusCode::FORBIDDEN, "missing_permission");
    assert!(server.servers(&ada, "web").await.is_empty());
}

#[tokio::test]
async fn every_bad_registration_field_is_named() {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    let body =
        json!({"serverId": "web 1!", "hostname": " ", "displayName": "bell\u{7}", "projectName": "web"});
    let answer = server.register_agent(&ada, body).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    let mut fields = detail_fields(&answer.1);
    fields.sort_unstable();
    assert_eq!(fields, ["arch", "displayName", "hostname", "platform", "serverId"]);

    let typed = server.register_agent(&ada, json!({"serverId": 7, "projectName": "web"})).await;
    assert_error(&typed, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&typed.1), ["serverId"]);
    assert!(server.servers(&ada, "web").await.is_empty());
}

#[tokio::test]
async fn re_registration_updates_the_server_and_issues_a_new_token_while_the_old_still_works() {
    let Fleet { server, ada, agent: first } = with_agent().await;
    let mut body = registration_body("web-1", Some("web"));
    body["displayName"] = json!("renamed");
    body["arch"] = json!("aarch64");
    let (status, reply) = server.register_agent(&ada, body).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let second = token_of(&reply);
    assert_ne!(first, second);

    server.heartbeat_ok(&first, heartbeat_body()).await;
    server.heartbeat_ok(&second, heartbeat_body()).await;
    let servers = server.servers(&ada, "web").await;
    assert_eq!(servers.len(), 1, "one server, updated: {servers:?}");
    assert_eq!((&servers[0]["displayName"], &servers[0]["arch"]), (&json!("renamed"), &json!("aarch64")));
    let (_, beats) = server.heartbeats(&ada, "web", "web-1", "").await;
    assert_eq!(beats.as_array().unwrap().len(), 2);
}

/// The reference's heartbeat example, quoted verbatim, is accepted and
/// shown back in the same shape (plus `receivedAt`).
#[tokio::test]
async fn the_reference_heartbeat_is_accepted_and_shown_in_its_own_shape() {
    let Fleet { server, ada, agent } = with_agent().await;
    let reference: Value = serde_json::from_str(
        r#"{
"timestamp": "2024-01-15T10:30:00.000Z",
"uptime": 86400,
"cpu": { "percent": 12.5 },
"ram": { "usedMb": 1024, "totalMb": 4096, "percent": 25 },
"disk": { "usedGb": 20, "totalGb": 100, "percent": 20 },
"network": { "rxBytesPerSec": 1024, "txBytesPerSec": 512 },
"scripts": [{ "name": "api", "status": "running" }]
}"#,
    )
    .unwrap();
    let (status, body) = server.heartbeat(&agent, reference.clone()).await;
    assert_eq!((status, &body), (StatusCode::CREATED, &json!({"ok": true})));

    let listed = &server.servers(&ada, "web").await[0];
    let mut latest = listed["latest"].clone();
    assert_eq!(latest["receivedAt"], listed["lastSeenAt"]);
    latest.as_object_mut().unwrap().remove("receivedAt");
    // Numbers compare by value: the server answers 86400.0 for 86400.
    let as_f64 = |v: &Value| v.to_string().parse::<f64>().ok();
    for group in ["cpu", "ram", "disk", "network"] {
        for (key, value) in reference[group].as_object().unwrap() {
            assert_eq!(as_f64(&latest[group][key]), as_f64(value), "{group}.{key}");
        }
    }
    assert_eq!(as_f64(&latest["uptime"]), Some(86400.0));
    assert_eq!((&latest["timestamp"], &latest["scripts"]), (&reference["timestamp"], &reference["scripts"]));
    let history = server.heartbeats(&ada, "web", "web-1", "").await.1;
    assert_eq!(history[0]["cpu"]["percent"], 12.5, "the history has the same shape: {history}");
}

#[tokio::test]
async fn a_heartbeat_is_stored_and_shown_as_the_servers_latest() {
    let Fleet { server, ada, agent } = with_agent().await;
    let mut body = heartbeat_body();
    body["timestamp"] = json!("2026-01-01T00:00:00.123+01:00");
    body["scripts"] = json!([
        {"name": "api", "status": "running", "pid": 10, "restarts": 2, "uptime": 30.5},
        {"name": "cron", "status": "crashed", "lastExitCode": -9},
    ]);
    server.heartbeat_ok(&agent, body).await;

    let listed = &server.servers(&ada, "web").await[0];
    assert_eq!(listed["online"], true);
    let latest = &listed["latest"];
    assert_eq!(latest["timestamp"], "2025-12-31T23:00:00.123Z");
    assert_eq!(latest["receivedAt"], listed["lastSeenAt"]);
    assert_eq!(latest["cpu"], json!({"percent": 12.5, "cores": 4}));
    assert_eq!(latest["ram"], json!({"usedMb": 2048.0, "totalMb": 8192.0, "percent": 25.0}));
    assert_eq!(latest["disk"], json!({"usedGb": 50.0, "totalGb": 200.0, "percent": 25.0}));
    assert_eq!(latest["network"], json!({"rxBytesPerSec": 1024.0, "txBytesPerSec": 512.5}));
    assert_eq!((&latest["uptime"], &latest["loadAverage"]), (&json!(86400.0), &json!([0.5, 0.75, 1.0])));
    assert_eq!(
        latest["scripts"],
        json!([
            {"name": "api", "status": "running", "pid": 10, "restarts": 2, "uptime": 30.5},
            {"name": "cron", "status": "crashed", "lastExitCode": -9},
        ])
    );
}

#[tokio::test]
async fn an_empty_heartbeat_is_a_liveness_ping_and_percents_are_derived_from_used_and_total() {
    let Fleet { server, ada, agent } = with_agent().await;
    server.heartbeat_ok(&agent, json!({})).await;
    let listed = &server.servers(&ada, "web").await[0];
    assert_eq!(listed["online"], true);
    let latest = listed["latest"].as_object().unwrap();
    let mut keys: Vec<&str> = latest.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["receivedAt", "scripts", "timestamp"], "no group was sent: {latest:?}");
    assert_eq!(latest["timestamp"], latest["receivedAt"]);

    server
        .heartbeat_ok(
            &agent,
            json!({"ram": {"usedMb": 1024, "totalMb": 4096}, "disk": {"usedGb": 0, "totalGb": 0}}),
        )
        .await;
    let latest = &server.servers(&ada, "web").await[0]["latest"];
    assert_eq!(latest["ram"]["percent"], 25.0, "derived from used/total: {latest}");
    assert!(latest["disk"].get("percent").is_none(), "nothing to derive from a zero total: {latest}");

    // More used than installed (agents round units differently) is still a
    // sign of life; the derived percent stops at 100.
    server.heartbeat_ok(&agent, json!({"ram": {"usedMb": 4097, "totalMb": 4096}})).await;
    let latest = &server.servers(&ada, "web").await[0]["latest"];
    assert_eq!(latest["ram"], json!({"usedMb": 4097.0, "totalMb": 4096.0, "percent": 100.0}));
}

/// A table of bad bodies: each is a 400 naming the field by its path in the
/// body, and nothing is stored.
#[tokio::test]
async fn bad_heartbeat_bodies_are_refused_naming_the_field_and_nothing_is_stored() {
    let Fleet { server, ada, agent } = with_agent().await;
    let scripts =
        |n: usize| (0..n).map(|i| json!({"name": format!("s{i}"), "status": "running"})).collect::<Vec<_>>();
    let cases = [
        // wrong types
        (json!({"cpu": {"percent": "12%"}}), "cpu.percent"),
        (json!({"cpu": 12.5}), "cpu"),
        (json!({"ram": {"usedMb": "1 GB"}}), "ram.usedMb"),
        (json!({"uptime": "1 day"}), "uptime"),
        (json!({"network": {"rxBytesPerSec": [1]}}), "network.rxBytesPerSec"),
        (json!({"loadAverage": [1, 2]}), "loadAverage"),
        (json!({"scripts": {"name": "api"}}), "scripts"),
        (
            json!({"scripts": [{"name": "api", "status": "running", "restarts": "many"}]}),
            "scripts[0].restarts",
        ),
        (json!({"timestamp": 1_700_000_000}), "timestamp"),
        (json!({"cpu": {"cores": -1}}), "cpu.cores"),
        // percents out of range
        (json!({"cpu": {"percent": 150}}), "cpu.percent"),
        (json!({"ram": {"percent": -1}}), "ram.percent"),
        (json!({"disk": {"percent": 100.5}}), "disk.percent"),
        // negative sizes and rates
        (json!({"ram": {"usedMb": -5}}), "ram.usedMb"),
        (json!({"disk": {"totalGb": -1}}), "disk.totalGb"),
        (json!({"network": {"txBytesPerSec": -0.5}}), "network.txBytesPerSec"),
        (json!({"uptime": -1}), "uptime"),
        // scripts
        (json!({"scripts": [{"name": "api", "status": "zombie"}]}), "scripts[0].status"),
        (json!({"scripts": [{"name": "api"}]}), "scripts[0].status"),
        (json!({"scripts": [{"name": "", "status": "running"}]}), "scripts[0].name"),
        (json!({"scripts": scripts(101)}), "scripts"),
        (json!({"timestamp": "yesterday"}), "timestamp"),
    ];
    for (body, field) in cases {
        let answer = server.heartbeat(&agent, body.clone()).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), [field], "{body}");
    }
    let broken =
        server.http(reqwest::Method::POST, "/api/agent/heartbeat").bearer_auth(&agent).body("{\"cpu");
    let broken = orion_testkit::TestServer::read(broken.send().await.unwrap()).await;
    assert_error(&broken, StatusCode::BAD_REQUEST, "invalid_json");

    let listed = &server.servers(&ada, "web").await[0];
    assert_eq!((&listed["latest"], &listed["lastSeenAt"]), (&Value::Null, &Value::Null), "{listed}");
    assert_eq!(server.heartbeats(&ada, "web", "web-1", "").await.1, json!([]));
    server.heartbeat_ok(&agent, json!({"scripts": scripts(100)})).await;
}

#[tokio::test]
async fn every_bad_figure_of_one_heartbeat_is_reported_at_once() {
    let Fleet { server, ada, agent } = with_agent().await;
    let mut body = heartbeat_body();
    body["cpu"]["percent"] = json!(150);
    body["ram"]["usedMb"] = json!(-1);
    body["timestamp"] = json!("yesterday");
    body["scripts"] = json!([{"status": "running"}]);
    let answer = server.heartbeat(&agent, body).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    let mut fields = detail_fields(&answer.1);
    fields.sort_unstable();
    assert_eq!(fields, ["cpu.percent", "ram.usedMb", "scripts[0].name", "timestamp"]);
    assert_eq!(server.servers(&ada, "web").await[0]["latest"], Value::Null);
}

#[tokio::test]
async fn a_user_session_is_refused_on_every_agent_token_endpoint() {
    let Fleet { server, ada, .. } = with_agent().await;
    let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;
    let ack = format!("/api/agent/commands/{}/ack", &command["id"].to_string());
    let calls = [
        ("/api/agent/heartbeat", Some(heartbeat_body())),
        ("/api/agent/alert", Some(alert_body("api"))),
        ("/api/agent/source", Some(json!({"name": "worker"}))),
        ("/api/agent/commands", None),
        (ack.as_str(), Some(json!({"status": "ok"}))),
    ];
    for (path, body) in calls {
        let answer = match body {
            Some(body) => server.post(path, &ada, body).await,
            None => server.get(path, &ada).await,
        };
        assert_error(&answer, StatusCode::FORBIDDEN, "missing_permission");
    }
    assert_eq!(server.servers(&ada, "web").await[0]["latest"], Value::Null);
    assert_eq!(server.incidents(&ada, "web", "").await.1, json!([]));
    assert_eq!(names(&server.get("/api/projects/web/sources", &ada).await.1), Vec::<&str>::new());
}

#[tokio::test]
async fn a_token_without_the_needed_permission_is_forbidden() {
    let Fleet { server, ada, .. } = with_agent().await;
    let logs_only = api_token(&server, &ada, "web", &["logs:write", "logs:read"]).await;
    let beat = json!({"serverId": "web-1"});
    let mut body = heartbeat_body();
    body.as_object_mut().unwrap().extend(beat.as_object().unwrap().clone());
    let heartbeat = server.heartbeat(&logs_only, body.clone()).await;
    assert_error(&heartbeat, StatusCode::FORBIDDEN, "missing_permission");
    assert!(heartbeat.1["error"].as_str().unwrap().contains("heartbeat:write"), "{}", heartbeat.1);
    let source = server.agent_source(&logs_only, "worker", None).await;
    assert_error(&source, StatusCode::FORBIDDEN, "missing_permission");

    let beats_only = api_token(&server, &ada, "web", &["heartbeat:write"]).await;
    assert_error(
        &server.alert(&beats_only, alert_body("api")).await,
        StatusCode::FORBIDDEN,
        "missing_permission",
    );
    server.heartbeat_ok(&beats_only, body).await;
}

#[tokio::test]
async fn a_token_not_bound_to_a_server_names_a_registered_one() {
    let Fleet { server, ada, .. } = with_agent().await;
    let beats = api_token(&server, &ada, "web", &["heartbeat:write"]).await;
    let unnamed = server.heartbeat(&beats, heartbeat_body()).await;
    assert_error(&unnamed, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&unnamed.1), ["serverId"]);

    let mut body = heartbeat_body();
    body["serverId"] = json!("ghost");
    assert_error(&server.heartbeat(&beats, body.clone()).await, StatusCode::NOT_FOUND, "not_found");
    body["serverId"] = json!("web-1");
    server.heartbeat_ok(&beats, body).await;
    assert_eq!(server.servers(&ada, "web").await[0]["online"], true);
}

#[tokio::test]
async fn an_agent_token_speaks_for_its_own_server_whatever_the_body_says() {
    let Fleet { server, ada, agent } = with_agent().await;
    server.agent_token(&ada, "web", "web-2").await;
    let mut body = heartbeat_body();
    body["serverId"] = json!("web-2");
    server.heartbeat_ok(&agent, body).await;
    let servers = server.servers(&ada, "web").await;
    assert_eq!((&servers[0]["serverId"], &servers[0]["online"]), (&json!("web-1"), &json!(true)));
    assert_eq!((&servers[1]["serverId"], &servers[1]["online"]), (&json!("web-2"), &json!(false)));
}

#[tokio::test]
async fn another_projects_token_never_reaches_this_projects_servers() {
    let Fleet { server, ada, .. } = with_agent().await;
    server.create_project(&ada, "shop").await;
    let shop = api_token(&server, &ada, "shop", &["heartbeat:write", "commands:read"]).await;
    let mut body = heartbeat_body();
    body["serverId"] = json!("web-1");
    assert_error(&server.heartbeat(&shop, body).await, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(server.pending_commands(&shop, "serverId=web-1").await, (StatusCode::OK, json!([])));
    assert_eq!(server.servers(&ada, "web").await[0]["latest"], Value::Null);

    // Nor another user's: bob's own token, naming ada's server.
    let bob = server.signup("bob").await;
    server.create_project(&bob, "web").await;
    let bobs = api_token(&server, &bob, "web", &["heartbeat:write"]).await;
    let mut body = heartbeat_body();
    body["serverId"] = json!("web-1");
    assert_error(&server.heartbeat(&bobs, body).await, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(server.servers(&ada, "web").await[0]["latest"], Value::Null);
}

#[tokio::test]
async fn an_alert_is_recorded_as_an_incident_of_the_agents_server() {
    let Fleet { server, ada, agent } = with_agent().await;
    let answer = server.alert(&agent, alert_body("api")).await;
    assert_eq!(answer, (StatusCode::CREATED, json!({"ok": true})));
    let (status, incidents) = server.incidents(&ada, "web", "").await;
    assert_eq!(status, StatusCode::OK);
    let incident = &incidents[0];
    assert_eq!(incidents.as_array().unwrap().len(), 1);
    assert_eq!(
        (&incident["event"], &incident["message"], &incident["scriptName"], &incident["serverId"]),
        (&json!("script_crash"), &json!("api exited with code 1"), &json!("api"), &json!("web-1"))
    );
    assert_eq!(incident["timestamp"], "2026-01-01T00:00:00.000Z");
    assert!(incident["id"].is_i64() && incident["receivedAt"].is_string(), "{incident}");
}

#[tokio::test]
async fn an_alert_from_a_token_without_a_server_has_none() {
    let Fleet { server, ada, .. } = with_agent().await;
    let writer = api_token(&server, &ada, "web", &["logs:write"]).await;
    let mut body = alert_body("api");
    body.as_object_mut().unwrap().remove("scriptName");
    body.as_object_mut().unwrap().remove("timestamp");
    assert_eq!(server.alert(&writer, body).await.0, StatusCode::CREATED);
    let incident = &server.incidents(&ada, "web", "").await.1[0];
    assert_eq!((&incident["serverId"], &incident["scriptName"]), (&Value::Null, &Value::Null));
    assert_eq!(incident["timestamp"], incident["receivedAt"]);
}

#[tokio::test]
async fn bad_alerts_are_refused_and_not_recorded() {
    let Fleet { server, ada, agent } = with_agent().await;
    let body = json!({"event": "Script Crash", "message": " ", "timestamp": "soon"});
    let answer = server.alert(&agent, body).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    let mut fields = detail_fields(&answer.1);
    fields.sort_unstable();
    assert_eq!(fields, ["event", "message", "timestamp"]);
    let typed = server.alert(&agent, json!({"event": "x", "message": ["a"]})).await;
    assert_eq!(detail_fields(&typed.1), ["message"]);
    assert_eq!(server.incidents(&ada, "web", "").await.1, json!([]));
}

#[tokio::test]
async fn the_source_token_ingests_logs_under_its_source_and_server() {
    let Fleet { server, ada, agent } = with_agent().await;
    let (status, reply) = server.agent_source(&agent, "worker", Some("/srv/worker")).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let source = token_of(&reply);
    assert!(source.starts_with("sk_source_"), "{reply}");

    server.ingest_ok(&source, json!({"message": "started", "source": "elsewhere"}), 1).await;
    let (_, page) = server.search(&ada, "web", "").await;
    let log = &page["logs"][0];
    assert_eq!(
        (&log["message"], &log["source"], &log["serverId"]),
        (&json!("started"), &json!("worker"), &json!("web-1"))
    );
    let sources = server.get("/api/projects/web/sources", &ada).await.1;
    assert_eq!(names(&sources), ["worker"]);
    assert_eq!(sources[0]["description"], "/srv/worker");

    // Asking again reuses the source, with a new token; both work.
    let again = token_of(&server.agent_source(&agent, "worker", Some("/elsewhere")).await.1);
    assert_ne!(again, source);
    server.ingest_ok(&again, json!({"message": "again"}), 1).await;
    server.ingest_ok(&source, json!({"message": "still"}), 1).await;
    let sources = server.get("/api/projects/web/sources", &ada).await.1;
    assert_eq!((names(&sources), &sources[0]["description"]), (vec!["worker"], &json!("/srv/worker")));
    assert_eq!(server.messages(&ada, "web", "source=worker").await.len(), 3);

    // A source token is for logs only.
    assert_error(
        &server.heartbeat(&source, heartbeat_body()).await,
        StatusCode::FORBIDDEN,
        "missing_permission",
    );
}

#[tokio::test]
async fn a_bad_source_name_is_refused() {
    let Fleet { server, ada, agent } = with_agent().await;
    let answer = server.agent_source(&agent, "Not A Name", None).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["name"]);
    assert!(names(&server.get("/api/projects/web/sources", &ada).await.1).is_empty());
}
