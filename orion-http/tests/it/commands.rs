//! The command queue: the owner queues (`POST .../servers/:id/commands`)
//! and lists them with their status; the agent polls
//! (`GET /api/agent/commands`) and acknowledges once
//! (`POST /api/agent/commands/:id/ack`). Another server's or project's
//! command is a 404, a second acknowledgement a 409.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Fleet, api_token, assert_error, detail_fields, with_agent};

fn id(command: &Value) -> String {
    command["id"].as_i64().expect("a command id").to_string()
}

#[tokio::test]
async fn a_queued_command_reaches_its_agent_and_its_outcome_is_recorded() {
    let Fleet { server, ada, agent } = with_agent().await;
    let body = json!({"type": "restart", "scriptName": "api", "payload": {"graceSeconds": 5}});
    let (status, command) = server.enqueue_command(&ada, "web", "web-1", body).await;
    assert_eq!(status, StatusCode::CREATED, "{command}");
    assert_eq!(
        (&command["type"], &command["scriptName"], &command["payload"], &command["status"]),
        (&json!("restart"), &json!("api"), &json!({"graceSeconds": 5}), &json!("pending"))
    );
    assert_eq!((&command["output"], &command["ackedAt"]), (&Value::Null, &Value::Null));

    let pending = server.commands(&agent).await;
    assert_eq!(
        pending,
        [json!({
            "id": command["id"], "type": "restart", "scriptName": "api", "payload": {"graceSeconds": 5},
            "createdAt": command["createdAt"],
        })]
    );

    server.clock.advance(Duration::seconds(2));
    let answer = server.ack(&agent, &id(&command), "ok", Some("restarted in 1.2 s")).await;
    assert_eq!(answer, (StatusCode::OK, json!({"ok": true})));
    assert!(server.commands(&agent).await.is_empty(), "an acknowledged command is no longer pending");

    let (status, listed) = server.server_commands(&ada, "web", "web-1", "").await;
    assert_eq!(status, StatusCode::OK);
    let done = &listed[0];
    assert_eq!((&done["id"], &done["status"]), (&command["id"], &json!("ok")));
    assert_eq!(done["output"], "restarted in 1.2 s");
    assert!(done["ackedAt"].as_str() > command["createdAt"].as_str(), "{done}");
}

#[tokio::test]
async fn a_failed_outcome_is_recorded_as_failed() {
    let Fleet { server, ada, agent } = with_agent().await;
    let command = server.enqueue_ok(&ada, "web", "web-1", "start", "cron").await;
    assert_eq!(server.ack(&agent, &id(&command), "failed", None).await.0, StatusCode::OK);
    let listed = server.server_commands(&ada, "web", "web-1", "").await.1;
    assert_eq!((&listed[0]["status"], &listed[0]["output"]), (&json!("failed"), &Value::Null));
    assert!(listed[0]["ackedAt"].is_string());
}

#[tokio::test]
async fn agents_get_commands_oldest_first_and_owners_newest_first() {
    let Fleet { server, ada, agent } = with_agent().await;
    for (kind, script) in [("stop", "a"), ("start", "b"), ("restart", "c")] {
        server.enqueue_ok(&ada, "web", "web-1", kind, script).await;
        server.clock.advance(Duration::seconds(1));
    }
    let scripts = |list: &[Value]| {
        list.iter().map(|c| c["scriptName"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(scripts(&server.commands(&agent).await), ["a", "b", "c"]);

    let (_, listed) = server.server_commands(&ada, "web", "web-1", "").await;
    assert_eq!(scripts(listed.as_array().unwrap()), ["c", "b", "a"]);
    let (_, two) = server.server_commands(&ada, "web", "web-1", "limit=2").await;
    assert_eq!(scripts(two.as_array().unwrap()), ["c", "b"]);
}

#[tokio::test]
async fn a_second_ack_is_a_conflict_and_keeps_the_first_outcome() {
    let Fleet { server, ada, agent } = with_agent().await;
    let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;
    assert_eq!(server.ack(&agent, &id(&command), "ok", Some("first")).await.0, StatusCode::OK);
    let again = server.ack(&agent, &id(&command), "failed", Some("second")).await;
    assert_error(&again, StatusCode::CONFLICT, "conflict");
    let listed = server.server_commands(&ada, "web", "web-1", "").await.1;
    assert_eq!((&listed[0]["status"], &listed[0]["output"]), (&json!("ok"), &json!("first")));
}

#[tokio::test]
async fn another_servers_command_is_not_found() {
    let Fleet { server, ada, agent } = with_agent().await;
    let other = server.agent_token(&ada, "web", "web-2").await;
    let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;

    assert!(server.commands(&other).await.is_empty(), "web-2 does not see web-1's commands");
    assert_error(&server.ack(&other, &id(&command), "ok", None).await, StatusCode::NOT_FOUND, "not_found");
    // Untouched: web-1 still has it pending and may ack it.
    assert_eq!(server.commands(&agent).await.len(), 1);
    assert_eq!(server.ack(&agent, &id(&command), "ok", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn another_projects_command_is_not_found() {
    let Fleet { server, ada, .. } = with_agent().await;
    server.create_project(&ada, "shop").await;
    let shop = server.agent_token(&ada, "shop", "web-1").await;
    let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;
    assert!(server.commands(&shop).await.is_empty(), "same server id, other project");
    assert_error(&server.ack(&shop, &id(&command), "ok", None).await, StatusCode::NOT_FOUND, "not_found");
    let listed = server.server_commands(&ada, "web", "web-1", "").await.1;
    assert_eq!(listed[0]["status"], "pending");
}

#[tokio::test]
async fn an_unknown_or_malformed_command_id_is_not_found() {
    let Fleet { server, agent, .. } = with_agent().await;
    for bad in ["00000000-0000-4000-8000-000000000000", "not-an-id"] {
        assert_error(&server.ack(&agent, bad, "ok", None).await, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn a_bad_ack_is_refused_and_changes_nothing() {
    let Fleet { server, ada, agent } = with_agent().await;
    let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;
    for status in ["done", "pending", ""] {
        let answer = server.ack(&agent, &id(&command), status, None).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["status"], "{status:?}");
    }
    let path = format!("/api/agent/commands/{}/ack", &id(&command));
    let typed = server.post(&path, &agent, json!({"status": "ok", "output": 3})).await;
    assert_eq!(detail_fields(&typed.1), ["output"]);
    let huge = server.ack(&agent, &id(&command), "ok", Some(&"x".repeat(64 * 1024 + 1))).await;
    assert_eq!(detail_fields(&huge.1), ["output"]);
    assert_eq!(server.commands(&agent).await.len(), 1, "still pending");
}

#[tokio::test]
async fn tokens_need_commands_read_to_poll_and_commands_write_to_ack() {
    let Fleet { server, ada, .. } = with_agent().await;
    let command = server.enqueue_ok(&ada, "web", "web-1", "restart", "api").await;
    let reader = api_token(&server, &ada, "web", &["commands:read"]).await;
    let writer = api_token(&server, &ada, "web", &["commands:write"]).await;

    assert_error(
        &server.pending_commands(&writer, "serverId=web-1").await,
        StatusCode::FORBIDDEN,
        "missing_permission",
    );
    assert_error(
        &server.ack(&reader, &id(&command), "ok", None).await,
        StatusCode::FORBIDDEN,
        "missing_permission",
    );

    // Tokens not bound to a server name it when polling.
    let unnamed = server.pending_commands(&reader, "").await;
    assert_error(&unnamed, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&unnamed.1), ["serverId"]);
    let (status, listed) = server.pending_commands(&reader, "serverId=web-1").await;
    assert_eq!((status, listed[0]["id"].clone()), (StatusCode::OK, command["id"].clone()));
    assert_eq!(server.ack(&writer, &id(&command), "ok", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_bound_agent_token_ignores_the_server_id_parameter() {
    let Fleet { server, ada, agent } = with_agent().await;
    server.agent_token(&ada, "web", "web-2").await;
    server.enqueue_ok(&ada, "web", "web-2", "restart", "api").await;
    assert_eq!(server.pending_commands(&agent, "serverId=web-2").await, (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn a_bad_command_is_refused_with_every_problem_named() {
    let Fleet { server, ada, agent } = with_agent().await;
    let body = json!({"type": "reboot", "payload": [1]});
    let answer = server.enqueue_command(&ada, "web", "web-1", body).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    let mut fields = detail_fields(&answer.1);
    fields.sort_unstable();
    assert_eq!(fields, ["payload", "scriptName", "type"]);
    let typed = server.enqueue_command(&ada, "web", "web-1", json!({"type": 1, "scriptName": "api"})).await;
    assert_eq!(detail_fields(&typed.1), ["type"]);
    assert!(server.commands(&agent).await.is_empty());
}

#[tokio::test]
async fn commands_for_unknown_servers_or_projects_are_not_found() {
    let Fleet { server, ada, .. } = with_agent().await;
    let body = json!({"type": "restart", "scriptName": "api"});
    let ghost = server.enqueue_command(&ada, "web", "ghost", body.clone()).await;
    assert_error(&ghost, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.server_commands(&ada, "web", "ghost", "").await, StatusCode::NOT_FOUND, "not_found");
    let nowhere = server.enqueue_command(&ada, "nowhere", "web-1", body).await;
    assert_error(&nowhere, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_bad_limit_on_the_owners_list_is_refused() {
    let Fleet { server, ada, .. } = with_agent().await;
    for bad in ["0", "1001", "many"] {
        let answer = server.server_commands(&ada, "web", "web-1", &format!("limit={bad}")).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["limit"]);
    }
}
