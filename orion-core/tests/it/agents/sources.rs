//! Agent-made sources: created once, with an `sk_source_` token bound to
//! the source and the agent's server, that ingests logs under that source.

use orion_core::ServiceError;
use orion_core::model::log::LogQuery;
use orion_core::model::{Permission, PermissionSet, TokenKind};
use orion_core::service::{LogInput, Principal};
use orion_testkit::builders::{create_source, log_input, token_principal};

use super::{api_token, fixture, invalid_fields};
use crate::setup;

#[tokio::test]
async fn an_agent_creates_a_source_once_and_gets_a_token_bound_to_it_and_its_server() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let first = orion.agents().create_source(&f.agent, "worker", Some("/srv/worker")).await.unwrap();
    let second = orion.agents().create_source(&f.agent, "worker", Some("/elsewhere")).await.unwrap();

    let sources = orion.sources().list(&f.owner.principal, "web").await.unwrap();
    assert_eq!(sources.len(), 1, "created once");
    let source = &sources[0];
    assert_eq!((source.name.as_str(), source.description.as_str()), ("worker", "/srv/worker"));

    for issued in [&first, &second] {
        assert!(issued.value.starts_with("sk_source_"));
        let token = &issued.token;
        assert_eq!((token.kind, token.source_id), (TokenKind::AgentSource, Some(source.id)));
        assert_eq!(token.server_id.as_ref().map(|s| s.as_str()), Some("web-1"));
        assert_eq!(token.permissions, PermissionSet::of([Permission::LogsWrite]));
    }
    assert_ne!(first.value, second.value, "each call issues a fresh token");
}

#[tokio::test]
async fn the_source_token_ingests_logs_under_its_source_and_server() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let issued = orion.agents().create_source(&f.agent, "worker", None).await.unwrap();
    let token = token_principal(&orion, &issued).await;
    let named = LogInput { source: Some("elsewhere".into()), ..log_input("started") };
    orion.logs().ingest(&token, vec![named, log_input("ready")]).await.unwrap();

    let query = LogQuery { limit: 10, ..LogQuery::default() };
    let page = orion.logs().search(&f.owner.principal, "web", &query).await.unwrap();
    assert_eq!(page.logs.len(), 2);
    for entry in &page.logs {
        assert_eq!(entry.entry.source_str(), Some("worker"), "the bound source wins");
        assert_eq!(entry.entry.server_id_str(), Some("web-1"));
    }
    let names: Vec<_> =
        orion.sources().list(&f.owner.principal, "web").await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names.len(), 1, "`elsewhere` was not created");
}

#[tokio::test]
async fn an_existing_source_of_the_project_is_reused() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let (existing, _) = create_source(&orion, &f.owner.principal, "web", "api").await;
    let issued = orion.agents().create_source(&f.agent, "api", Some("/srv/api")).await.unwrap();
    assert_eq!(issued.token.source_id, Some(existing.id));
    assert_eq!(orion.sources().list(&f.owner.principal, "web").await.unwrap(), [existing]);
}

#[tokio::test]
async fn a_token_without_a_server_gets_a_source_token_without_one() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let token = api_token(&orion, &f.owner.principal, "web", &["agent:register"]).await;
    let issued = orion.agents().create_source(&token, "cron", None).await.unwrap();
    assert_eq!((issued.token.kind, issued.token.server_id), (TokenKind::AgentSource, None));
}

#[tokio::test]
async fn creating_a_source_needs_agent_register_and_a_valid_name() {
    let (orion, _) = setup();
    let f = fixture(&orion).await;
    let issued = orion.agents().create_source(&f.agent, "worker", None).await.unwrap();
    let source_token = token_principal(&orion, &issued).await;
    let logs_only = api_token(&orion, &f.owner.principal, "web", &["logs:write"]).await;
    let callers: [&Principal; 3] = [&source_token, &logs_only, &f.owner.principal];
    for caller in callers {
        let result = orion.agents().create_source(caller, "other", None).await;
        assert!(matches!(result, Err(ServiceError::MissingPermission("agent:register"))), "{result:?}");
    }
    assert_eq!(invalid_fields(orion.agents().create_source(&f.agent, "bad name!", None).await), ["name"]);
    let long_cwd = "/".repeat(501);
    assert_eq!(invalid_fields(orion.agents().create_source(&f.agent, "ok", Some(&long_cwd)).await), ["cwd"]);
    assert_eq!(orion.sources().list(&f.owner.principal, "web").await.unwrap().len(), 1, "only `worker`");
}
