//! LogService: ingestion rules, reading with access control, live events
//! and retention, over the in-memory backend and a fake clock.

mod ingest;
mod live;
mod query_string;
mod read;
mod sources;
mod views;

use orion_core::Orion;
use orion_core::model::Project;
use orion_core::service::{LogInput, Principal};
use orion_testkit::builders::{
    TestUser, create_api_token, create_project, log_input, register_user, token_principal,
};

/// An owner with project `web` and a token on it with `permissions`.
struct Fixture {
    owner: TestUser,
    project: Project,
    token: Principal,
}

async fn fixture(orion: &Orion, permissions: &[&str]) -> Fixture {
    let owner = register_user(orion, "ada").await;
    let project = create_project(orion, &owner.principal, "web").await;
    let issued = create_api_token(orion, &owner.principal, "web", permissions).await;
    let token = token_principal(orion, &issued).await;
    Fixture { owner, project, token }
}

/// `count` valid inputs, `msg 0`, `msg 1`, ...
fn inputs(count: usize) -> Vec<LogInput> {
    (0..count).map(|i| log_input(&format!("msg {i}"))).collect()
}
