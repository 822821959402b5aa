//! AgentService: registration, heartbeats and online state, alerts,
//! agent-made sources, commands, and the walls between projects, over the
//! in-memory backend and a fake clock.

mod alerts;
mod commands;
mod heartbeats;
mod incidents;
mod isolation;
mod register;
mod sources;

use orion_core::model::Project;
use orion_core::service::{IssuedToken, Principal, ServerOverview};
use orion_core::{Orion, ServiceError};
use orion_testkit::builders::{TestUser, create_api_token, create_project, register_agent, register_user};

/// Ada owns project `web`, where server `web-1` registered with her
/// session; `agent` is its `sk_agent_` token.
struct Fixture {
    owner: TestUser,
    project: Project,
    issued: IssuedToken,
    agent: Principal,
}

async fn fixture(orion: &Orion) -> Fixture {
    let owner = register_user(orion, "ada").await;
    let project = create_project(orion, &owner.principal, "web").await;
    let (issued, agent) = register_agent(orion, &owner.principal, "web", "web-1").await;
    Fixture { owner, project, issued, agent }
}

/// An `sk_api_` token of the owner's `project`, not bound to any server.
async fn api_token(orion: &Orion, owner: &Principal, project: &str, permissions: &[&str]) -> Principal {
    let issued = create_api_token(orion, owner, project, permissions).await;
    orion.accounts().authenticate(&issued.value).await.expect("fresh token")
}

/// The field names of a `Validation` error, sorted; panics on anything else.
#[track_caller]
fn invalid_fields<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> Vec<String> {
    match result {
        Err(ServiceError::Validation(errors)) => {
            let mut fields: Vec<String> = errors.into_iter().map(|e| e.field).collect();
            fields.sort();
            fields
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The owner's view of one server of `project`.
async fn overview(orion: &Orion, owner: &Principal, project: &str, server_id: &str) -> ServerOverview {
    let servers = orion.agents().servers(owner, project).await.expect("servers");
    servers.into_iter().find(|s| s.server.server_id.as_str() == server_id).expect("the server is listed")
}
