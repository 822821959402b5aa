//! The wall between projects: a token of one project never sees or touches
//! another project's servers, heartbeats, commands, incidents or sources,
//! even when the server ids are the same.

use orion_core::ServiceError;
use orion_core::model::Window;
use orion_core::service::{AgentRegistration, HeartbeatInput};
use orion_testkit::builders::{
    agent_registration, create_project, heartbeat_input, register_agent, register_user,
};

use super::{api_token, fixture};
use crate::setup;

#[tokio::test]
async fn a_token_of_one_project_never_sees_or_touches_anothers_servers_or_commands() {
    let (orion, _) = setup();
    let ada = fixture(&orion).await;
    let bob = register_user(&orion, "bob").await;
    create_project(&orion, &bob.principal, "shop").await;
    // Same server id in both projects: two different servers.
    let (_, bobs_agent) = register_agent(&orion, &bob.principal, "shop", "web-1").await;
    register_agent(&orion, &bob.principal, "shop", "db-1").await;
    let agents = orion.agents();
    let bobs_command =
        agents.enqueue_command(&bob.principal, "shop", "web-1", "restart", Some("api"), None).await.unwrap();

    // Ada's agent: its heartbeat lands on her web-1 only.
    agents.heartbeat(&ada.agent, heartbeat_input()).await.unwrap();
    let bobs_beats =
        agents.heartbeats(&bob.principal, "shop", "web-1", Window::latest(10).unwrap()).await.unwrap();
    assert!(bobs_beats.is_empty());
    // Bob's command is invisible to her agent and cannot be acknowledged by it.
    assert!(agents.pending_commands(&ada.agent, None).await.unwrap().is_empty());
    let ack = agents.acknowledge(&ada.agent, &bobs_command.id.to_string(), "ok", None).await;
    assert!(matches!(ack, Err(ServiceError::NotFound("command"))), "{ack:?}");
    assert_eq!(agents.pending_commands(&bobs_agent, None).await.unwrap(), [bobs_command]);

    // An unbound token of Ada's project cannot name Bob's servers.
    let token = api_token(&orion, &ada.owner.principal, "web", &["heartbeat:write", "commands:read"]).await;
    let beat = HeartbeatInput { server_id: Some("db-1".into()), ..heartbeat_input() };
    let result = agents.heartbeat(&token, beat).await;
    assert!(matches!(result, Err(ServiceError::NotFound("server"))), "{result:?}");
    assert!(agents.pending_commands(&token, Some("web-1")).await.unwrap().is_empty());
    let servers = agents.servers(&bob.principal, "shop").await.unwrap();
    assert!(servers.iter().all(|s| s.server.last_seen_at.is_none() && s.latest.is_none()));

    // Nor register into Bob's project by naming it.
    let register = AgentRegistration { project_name: Some("shop".into()), ..agent_registration("shop", "x") };
    let result = agents.register(&ada.agent, register).await;
    assert!(matches!(result, Err(ServiceError::NotFound("project"))), "{result:?}");
    assert_eq!(agents.servers(&bob.principal, "shop").await.unwrap().len(), 2);
}

#[tokio::test]
async fn alerts_and_agent_sources_stay_in_the_tokens_project() {
    let (orion, _) = setup();
    let ada = fixture(&orion).await;
    let bob = register_user(&orion, "bob").await;
    create_project(&orion, &bob.principal, "shop").await;
    let input = orion_core::service::AlertInput {
        event: "script_crash".into(),
        message: "boom".into(),
        ..Default::default()
    };
    orion.agents().alert(&ada.agent, input).await.unwrap();
    orion.agents().create_source(&ada.agent, "worker", None).await.unwrap();

    assert!(
        orion
            .agents()
            .incidents(&bob.principal, "shop", None, Window::latest(10).unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(orion.sources().list(&bob.principal, "shop").await.unwrap().is_empty());
    assert_eq!(
        orion
            .agents()
            .incidents(&ada.owner.principal, "web", None, Window::latest(10).unwrap())
            .await
            .unwrap()
            .len(),
        1
    );
    let result =
        orion.agents().incidents(&ada.owner.principal, "shop", None, Window::latest(10).unwrap()).await;
    assert!(matches!(result, Err(ServiceError::NotFound("project"))), "{result:?}");
}
