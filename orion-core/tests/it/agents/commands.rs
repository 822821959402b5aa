//! Commands: the owner enqueues, the server's agent polls its own pending
//! commands oldest first and acknowledges each exactly once.

use chrono::Duration;
use orion_core::model::{Command, CommandId, CommandKind, CommandStatus};
use orion_core::port::Clock;
use orion_core::service::Principal;
use orion_core::{Orion, ServiceError};
use orion_testkit::builders::{register_agent, register_user};
use serde_json::{Value, json};

use super::{api_token, fixture, invalid_fields};
use crate::setup;

/// Enqueues a `restart` of `script` on `server` as the owner of `web`.
async fn enqueue(orion: &Orion, owner: &Principal, server: &str, script: &str) -> Command {
    orion
        .agents()
        .enqueue_command(owner, "web", server, "restart", Some(script), None)
        .await
        .expect("enqueue")
}

fn ids(commands: &[Command]) -> Vec<CommandId> {
    commands.iter().map(|c| c.id).collect()
}

#[tokio::test]
async fn the_owner_enqueues_a_pending_command_for_a_server() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let payload = json!({"graceful": true, "signal": "TERM", "nested": {"n": [1, 2]}});
    let command = orion
        .agents()
        .enqueue_command(&f.owner.principal, "web", "web-1", "stop", Some(" api "), Some(payload.clone()))
        .await
        .unwrap();

    assert_eq!((command.project_id, command.server_id.as_str()), (f.project.id, "web-1"));
    assert_eq!((command.kind, command.script_name.as_deref()), (CommandKind::Stop, Some("api")));
    assert_eq!(Value::Object(command.payload.clone()), payload);
    assert_eq!((command.status, command.output.clone()), (CommandStatus::Pending, None));
    assert_eq!((command.created_at, command.acked_at), (clock.now(), None));
    let listed = orion.agents().commands(&f.owner.principal, "web", "web-1", 10).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&command));
    assert_eq!(orion.agents().pending_commands(&f.agent, None).await.unwrap(), [command]);

    let plain = orion
        .agents()
        .enqueue_command(&f.owner.principal, "web", "web-1", "start", Some("api"), Some(Value::Null))
        .await
        .unwrap();
    assert!(plain.payload.is_empty(), "no payload is an empty object");
}

#[tokio::test]
async fn an_invalid_command_lists_every_field_and_is_not_stored() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let agents = orion.agents();
    let owner = &f.owner.principal;
    let all_wrong = agents.enqueue_command(owner, "web", "web-1", "reboot", None, Some(json!([1]))).await;
    assert_eq!(invalid_fields(all_wrong), ["payload", "scriptName", "type"]);

    let blank = agents.enqueue_command(owner, "web", "web-1", "restart", Some("  "), None).await;
    assert_eq!(invalid_fields(blank), ["scriptName"]);
    let long = "s".repeat(129);
    let too_long = agents.enqueue_command(owner, "web", "web-1", "restart", Some(&long), None).await;
    assert_eq!(invalid_fields(too_long), ["scriptName"]);
    let text = agents.enqueue_command(owner, "web", "web-1", "restart", Some("api"), Some(json!("x"))).await;
    assert_eq!(invalid_fields(text), ["payload"]);
    let huge = json!({"blob": "x".repeat(64 * 1024)});
    let huge = agents.enqueue_command(owner, "web", "web-1", "restart", Some("api"), Some(huge)).await;
    assert_eq!(invalid_fields(huge), ["payload"]);
    let upper = agents.enqueue_command(owner, "web", "web-1", "RESTART", Some("api"), None).await;
    assert_eq!(invalid_fields(upper), ["type"]);

    assert!(agents.commands(owner, "web", "web-1", 10).await.unwrap().is_empty());
    assert!(agents.pending_commands(&f.agent, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn enqueueing_for_an_unknown_server_or_another_users_project_is_not_found() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let agents = orion.agents();
    let unknown =
        agents.enqueue_command(&f.owner.principal, "web", "ghost", "restart", Some("api"), None).await;
    assert!(matches!(unknown, Err(ServiceError::NotFound("server"))), "{unknown:?}");
    let bob = register_user(&orion, "bob").await;
    let foreign = agents.enqueue_command(&bob.principal, "web", "web-1", "restart", Some("api"), None).await;
    assert!(matches!(foreign, Err(ServiceError::NotFound("project"))), "{foreign:?}");
    let by_agent = agents.enqueue_command(&f.agent, "web", "web-1", "restart", Some("api"), None).await;
    assert!(matches!(by_agent, Err(ServiceError::UserTokenRequired)), "{by_agent:?}");
    let listed = agents.commands(&bob.principal, "web", "web-1", 10).await;
    assert!(matches!(listed, Err(ServiceError::NotFound("project"))), "{listed:?}");
    assert!(agents.pending_commands(&f.agent, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_agent_polls_only_its_own_servers_pending_commands_oldest_first() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let (_, other_agent) = register_agent(&orion, &f.owner.principal, "web", "web-2").await;
    let owner = &f.owner.principal;
    let first = enqueue(&orion, owner, "web-1", "a").await;
    clock.advance(Duration::seconds(1));
    let theirs = enqueue(&orion, owner, "web-2", "b").await;
    clock.advance(Duration::seconds(1));
    let second = enqueue(&orion, owner, "web-1", "c").await;

    // The body's server id is ignored for a server-bound token.
    let mine = orion.agents().pending_commands(&f.agent, Some("web-2")).await.unwrap();
    assert_eq!(ids(&mine), [first.id, second.id]);
    assert_eq!(ids(&orion.agents().pending_commands(&other_agent, None).await.unwrap()), [theirs.id]);

    orion.agents().acknowledge(&f.agent, &first.id.to_string(), "ok", None).await.unwrap();
    assert_eq!(ids(&orion.agents().pending_commands(&f.agent, None).await.unwrap()), [second.id]);
}

#[tokio::test]
async fn a_token_without_a_server_names_the_server_it_polls() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let command = enqueue(&orion, &f.owner.principal, "web-1", "api").await;
    let token = api_token(&orion, &f.owner.principal, "web", &["commands:read", "commands:write"]).await;
    assert_eq!(invalid_fields(orion.agents().pending_commands(&token, None).await), ["serverId"]);
    assert_eq!(ids(&orion.agents().pending_commands(&token, Some("web-1")).await.unwrap()), [command.id]);
    assert!(orion.agents().pending_commands(&token, Some("ghost")).await.unwrap().is_empty());
    let acked = orion.agents().acknowledge(&token, &command.id.to_string(), "ok", None).await.unwrap();
    assert_eq!(acked.status, CommandStatus::Ok);
}

#[tokio::test]
async fn acknowledging_records_ok_or_failed_with_the_output_and_time() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let ok = enqueue(&orion, &f.owner.principal, "web-1", "api").await;
    let failed = enqueue(&orion, &f.owner.principal, "web-1", "worker").await;
    clock.advance(Duration::milliseconds(1_500));

    let acked = orion.agents().acknowledge(&f.agent, &ok.id.to_string(), "ok", Some("restarted")).await;
    let acked = acked.unwrap();
    let expected = Command {
        status: CommandStatus::Ok,
        output: Some("restarted".into()),
        acked_at: Some(clock.now()),
        ..ok.clone()
    };
    assert_eq!(acked, expected);
    let output = "o".repeat(64 * 1024);
    let acked = orion.agents().acknowledge(&f.agent, &failed.id.to_string(), "failed", Some(&output)).await;
    assert_eq!(acked.unwrap().status, CommandStatus::Failed, "64 KiB of output is fine");

    let listed = orion.agents().commands(&f.owner.principal, "web", "web-1", 10).await.unwrap();
    assert_eq!(listed.iter().find(|c| c.id == ok.id), Some(&expected), "the owner sees the outcome");
    assert!(orion.agents().pending_commands(&f.agent, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_second_acknowledgement_is_a_conflict_and_changes_nothing() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let command = enqueue(&orion, &f.owner.principal, "web-1", "api").await;
    let id = command.id.to_string();
    let first = orion.agents().acknowledge(&f.agent, &id, "ok", Some("done")).await.unwrap();
    for status in ["ok", "failed"] {
        let again = orion.agents().acknowledge(&f.agent, &id, status, Some("again")).await;
        assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    }
    let listed = orion.agents().commands(&f.owner.principal, "web", "web-1", 10).await.unwrap();
    assert_eq!(listed, [first]);
}

#[tokio::test]
async fn another_servers_command_or_an_unknown_id_is_not_found_and_stays_pending() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let (_, other_agent) = register_agent(&orion, &f.owner.principal, "web", "web-2").await;
    let command = enqueue(&orion, &f.owner.principal, "web-1", "api").await;

    let id = command.id.to_string();
    let unknown = CommandId(orion_testkit::fresh_id()).to_string();
    for (who, id) in [(&other_agent, id.as_str()), (&f.agent, unknown.as_str()), (&f.agent, "not-a-uuid")] {
        let result = orion.agents().acknowledge(who, id, "ok", None).await;
        assert!(matches!(result, Err(ServiceError::NotFound("command"))), "{id}: {result:?}");
    }
    assert_eq!(orion.agents().pending_commands(&f.agent, None).await.unwrap(), [command]);
}

#[tokio::test]
async fn a_bad_status_or_oversized_output_is_a_validation_error() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let command = enqueue(&orion, &f.owner.principal, "web-1", "api").await;
    let id = command.id.to_string();
    for status in ["pending", "done", "OK", ""] {
        let result = orion.agents().acknowledge(&f.agent, &id, status, None).await;
        assert_eq!(invalid_fields(result), ["status"], "{status:?}");
    }
    let output = "o".repeat(64 * 1024 + 1);
    let result = orion.agents().acknowledge(&f.agent, &id, "maybe", Some(&output)).await;
    assert_eq!(invalid_fields(result), ["output", "status"]);
    assert_eq!(orion.agents().pending_commands(&f.agent, None).await.unwrap(), [command], "still pending");
}

#[tokio::test]
async fn polling_and_acknowledging_need_their_permissions() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let command = enqueue(&orion, &f.owner.principal, "web-1", "api").await;
    let reader = api_token(&orion, &f.owner.principal, "web", &["commands:read"]).await;
    let writer = api_token(&orion, &f.owner.principal, "web", &["commands:write"]).await;
    let id = command.id.to_string();

    let result = orion.agents().pending_commands(&writer, Some("web-1")).await;
    assert!(matches!(result, Err(ServiceError::MissingPermission("commands:read"))), "{result:?}");
    let result = orion.agents().pending_commands(&f.owner.principal, Some("web-1")).await;
    assert!(matches!(result, Err(ServiceError::MissingPermission("commands:read"))), "{result:?}");
    for who in [&reader, &f.owner.principal] {
        let result = orion.agents().acknowledge(who, &id, "ok", None).await;
        assert!(matches!(result, Err(ServiceError::MissingPermission("commands:write"))), "{result:?}");
    }
    assert_eq!(orion.agents().pending_commands(&f.agent, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_owner_lists_a_servers_commands_newest_first_with_a_limit() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    register_agent(&orion, &f.owner.principal, "web", "web-2").await;
    let mut made = Vec::new();
    for script in ["a", "b", "c"] {
        made.push(enqueue(&orion, &f.owner.principal, "web-1", script).await);
        clock.advance(Duration::seconds(1));
    }
    enqueue(&orion, &f.owner.principal, "web-2", "elsewhere").await;
    orion.agents().acknowledge(&f.agent, &made[1].id.to_string(), "failed", None).await.unwrap();

    let list = |limit| orion.agents().commands(&f.owner.principal, "web", "web-1", limit);
    assert_eq!(ids(&list(10).await.unwrap()), [made[2].id, made[1].id, made[0].id], "every status");
    assert_eq!(ids(&list(2).await.unwrap()), [made[2].id, made[1].id]);
    for limit in [0, 1_001] {
        assert_eq!(invalid_fields(list(limit).await), ["limit"]);
    }
    let result = orion.agents().commands(&f.owner.principal, "web", "ghost", 10).await;
    assert!(matches!(result, Err(ServiceError::NotFound("server"))), "{result:?}");
}
