//! Registration: who may register a server where, what the agent token
//! carries, and re-registration.

use chrono::Duration;
use orion_core::ServiceError;
use orion_core::model::Window;
use orion_core::model::{Permission, PermissionSet, TokenKind};
use orion_core::port::Clock;
use orion_core::service::{AgentRegistration, Principal};
use orion_testkit::builders::{agent_registration, create_project, heartbeat_input, register_user};

use super::{api_token, fixture, invalid_fields, overview};
use crate::setup;

#[tokio::test]
async fn a_user_registers_a_server_in_a_named_project_and_gets_a_bound_agent_token() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;

    assert!(f.issued.value.starts_with("sk_agent_"), "{}", &f.issued.value[..12]);
    let token = &f.issued.token;
    assert_eq!((token.kind, token.project_id), (TokenKind::Agent, f.project.id));
    assert_eq!(token.server_id.as_ref().map(|s| s.as_str()), Some("web-1"));
    let Principal::Token(principal) = &f.agent else { panic!("an agent token is an API token") };
    assert_eq!(
        principal.server_id.as_ref().map(|s| s.as_str()),
        Some("web-1"),
        "the token is bound to its server"
    );
    assert_eq!(principal.project_id, f.project.id);

    let seen = overview(&orion, &f.owner.principal, "web", "web-1").await;
    let server = &seen.server;
    assert_eq!(server.display_name, "web-1.local", "the display name defaults to the hostname");
    assert_eq!((server.hostname.as_str(), server.platform.as_str()), ("web-1.local", "linux"));
    assert_eq!((server.created_at, server.last_seen_at), (clock.now(), None));
    assert!(!seen.online && seen.latest.is_none(), "registered but never heard from");
}

#[tokio::test]
async fn the_agent_token_carries_exactly_the_documented_permissions() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    use Permission::*;
    let expected = PermissionSet::of([LogsWrite, HeartbeatWrite, CommandsRead, CommandsWrite, AgentRegister]);
    assert_eq!(f.issued.token.permissions, expected);
    let Principal::Token(principal) = &f.agent else { panic!("an agent token is an API token") };
    assert_eq!(principal.permissions, expected);
    assert!(!principal.permissions.contains(LogsRead), "an agent cannot read the project's logs");
}

#[tokio::test]
async fn a_user_session_must_name_the_project() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let input = AgentRegistration { project_name: None, ..agent_registration("web", "web-1") };
    assert_eq!(invalid_fields(orion.agents().register(&ada.principal, input).await), ["projectName"]);
    assert!(orion.agents().servers(&ada.principal, "web").await.unwrap().is_empty());
}

#[tokio::test]
async fn registering_into_another_users_project_is_not_found_and_stores_nothing() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let bob = register_user(&orion, "bob").await;
    let result = orion.agents().register(&bob.principal, agent_registration("web", "intruder")).await;
    assert!(matches!(result, Err(ServiceError::NotFound("project"))), "{result:?}");
    let servers = orion.agents().servers(&f.owner.principal, "web").await.unwrap();
    assert_eq!(servers.len(), 1, "only web-1");
}

#[tokio::test]
async fn an_agent_register_token_registers_in_its_own_project_with_or_without_naming_it() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let project = create_project(&orion, &ada.principal, "web").await;
    let token = api_token(&orion, &ada.principal, "web", &["agent:register"]).await;

    let unnamed = AgentRegistration { project_name: None, ..agent_registration("web", "a") };
    let issued = orion.agents().register(&token, unnamed).await.expect("no project name needed");
    assert_eq!(issued.token.project_id, project.id);
    orion.agents().register(&token, agent_registration("web", "b")).await.expect("matching name");

    let ids: Vec<String> = orion
        .agents()
        .servers(&ada.principal, "web")
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.server.server_id.to_string())
        .collect();
    assert_eq!(ids, ["a", "b"]);
}

#[tokio::test]
async fn a_token_naming_another_project_is_not_found_even_one_of_the_same_owner() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    create_project(&orion, &ada.principal, "other").await;
    let token = api_token(&orion, &ada.principal, "web", &["agent:register"]).await;

    for name in ["other", "nowhere"] {
        let result = orion.agents().register(&token, agent_registration(name, "x")).await;
        assert!(matches!(result, Err(ServiceError::NotFound("project"))), "{name}: {result:?}");
    }
    for project in ["web", "other"] {
        assert!(orion.agents().servers(&ada.principal, project).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_token_without_agent_register_is_refused() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let token = api_token(&orion, &ada.principal, "web", &["logs:write", "heartbeat:write"]).await;
    let result = orion.agents().register(&token, agent_registration("web", "web-1")).await;
    assert!(matches!(result, Err(ServiceError::MissingPermission("agent:register"))), "{result:?}");
    assert!(orion.agents().servers(&ada.principal, "web").await.unwrap().is_empty());
}

#[tokio::test]
async fn invalid_fields_are_all_listed_and_nothing_is_stored() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let input = AgentRegistration {
        server_id: "has space".into(),
        display_name: "x".repeat(201),
        hostname: "ok".into(),
        platform: String::new(),
        arch: "x86\n64".into(),
        project_name: Some("web".into()),
    };
    let fields = invalid_fields(orion.agents().register(&ada.principal, input).await);
    assert_eq!(fields, ["arch", "displayName", "platform", "serverId"]);
    let bad_host = AgentRegistration { hostname: " ".into(), ..agent_registration("web", "x") };
    let fields = invalid_fields(orion.agents().register(&ada.principal, bad_host).await);
    assert_eq!(fields, ["hostname"], "a blank display name does not repeat the hostname's error");
    let too_long = AgentRegistration { server_id: "s".repeat(129), ..agent_registration("web", "x") };
    assert_eq!(invalid_fields(orion.agents().register(&ada.principal, too_long).await), ["serverId"]);
    assert!(orion.agents().servers(&ada.principal, "web").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_long_hostname_makes_a_display_name_of_its_first_200_characters() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let hostname = "h".repeat(255);
    let input = AgentRegistration { hostname: hostname.clone(), ..agent_registration("web", "x") };
    orion.agents().register(&ada.principal, input).await.unwrap();
    let seen = overview(&orion, &ada.principal, "web", "x").await;
    assert_eq!((seen.server.hostname, seen.server.display_name), (hostname, "h".repeat(200)));
}

#[tokio::test]
async fn re_registering_updates_the_server_and_issues_a_new_token_while_the_old_one_keeps_working() {
    let (orion, clock) = setup();
    let f = fixture(&orion).await;
    let registered_at = clock.now();
    clock.advance(Duration::seconds(10));
    orion.agents().heartbeat(&f.agent, heartbeat_input()).await.unwrap();
    let seen_at = clock.now();
    clock.advance(Duration::seconds(10));

    let input = AgentRegistration {
        display_name: "Web one".into(),
        hostname: "web-1.example.com".into(),
        platform: "macos".into(),
        arch: "aarch64".into(),
        ..agent_registration("web", "web-1")
    };
    let again = orion.agents().register(&f.owner.principal, input).await.unwrap();
    assert_ne!(again.value, f.issued.value);
    assert_eq!(again.token.server_id.as_ref().map(|s| s.as_str()), Some("web-1"));

    let servers = orion.agents().servers(&f.owner.principal, "web").await.unwrap();
    assert_eq!(servers.len(), 1, "the same server, updated");
    let server = &servers[0].server;
    assert_eq!(
        (server.display_name.as_str(), server.hostname.as_str(), server.platform.as_str()),
        ("Web one", "web-1.example.com", "macos")
    );
    assert_eq!(server.arch, "aarch64");
    assert_eq!((server.created_at, server.last_seen_at), (registered_at, Some(seen_at)), "history kept");

    let old = orion.accounts().authenticate(&f.issued.value).await.expect("the old token still works");
    orion.agents().heartbeat(&old, heartbeat_input()).await.expect("and can still send heartbeats");
    let new = orion.accounts().authenticate(&again.value).await.unwrap();
    orion.agents().heartbeat(&new, heartbeat_input()).await.unwrap();
    let beats =
        orion.agents().heartbeats(&f.owner.principal, "web", "web-1", Window::latest(10).unwrap()).await;
    assert_eq!(beats.unwrap().len(), 3);
}
