//! The services' `*_request` methods, which take a request's query
//! parameters raw ([`QueryInput`]): the caller and the resource are checked
//! before any parameter (so a caller refused earlier learns nothing about
//! them), then every parameter is read and all bad ones are reported in
//! one validation error. The rules on each parameter are unit-tested in
//! `service/query`.

use orion_core::ServiceError;
use orion_core::model::log::LevelFilter;
use orion_core::service::{ExportFormat, LiveScope, QueryInput};
use orion_testkit::builders::{
    create_api_token, create_project, create_source, log_input, register_agent, register_user,
    token_principal,
};

use crate::setup;

fn input(pairs: &[(&str, &str)]) -> QueryInput {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The field names of a `Validation` error, in order; panics on anything else.
#[track_caller]
fn fields<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> Vec<String> {
    match result {
        Err(ServiceError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[track_caller]
fn not_found<T: std::fmt::Debug>(result: Result<T, ServiceError>, what: &str) {
    assert!(matches!(&result, Err(ServiceError::NotFound(w)) if *w == what), "{result:?}");
}

#[tokio::test]
async fn log_reads_check_access_before_any_parameter_then_name_every_bad_one() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await.principal;
    create_project(&orion, &ada, "web").await;
    create_source(&orion, &ada, "web", "api").await;
    let bob = register_user(&orion, "bob").await.principal;
    let bad = input(&[("level", "loud"), ("from", "yesterday"), ("limit", "0"), ("format", "pdf")]);
    let logs = orion.logs();

    not_found(logs.search_request(&bob, "web", &bad).await, "project");
    not_found(logs.search_source_request(&bob, "web", "api", &bad).await, "project");
    not_found(logs.search_source_request(&ada, "web", "nope", &bad).await, "source");
    not_found(logs.export_request(&bob, "web", &bad).await.map(|(f, _)| f), "project");
    not_found(logs.histogram_request(&bob, "web", &bad).await, "project");
    not_found(logs.context_request(&ada, "web", "1", &bad).await, "log entry");
    not_found(logs.facets_request(&bob, "web", &bad).await, "project");

    assert_eq!(fields(logs.search_request(&ada, "web", &bad).await), ["level", "from", "limit"]);
    assert_eq!(
        fields(logs.search_source_request(&ada, "web", "api", &bad).await),
        ["level", "from", "limit"]
    );
    assert_eq!(
        fields(logs.export_request(&ada, "web", &bad).await.map(|(f, _)| f)),
        ["format", "level", "from"]
    );
    assert_eq!(fields(logs.histogram_request(&ada, "web", &bad).await), ["level", "from"]);
    assert_eq!(fields(logs.facets_request(&ada, "web", &bad).await), ["level", "from", "limit"]);
}

#[tokio::test]
async fn a_search_request_answers_with_the_query_it_read() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await.principal;
    create_project(&orion, &ada, "web").await;
    let writer = create_api_token(&orion, &ada, "web", &["logs:write"]).await;
    let writer = token_principal(&orion, &writer).await;
    let mut entries = vec![log_input("one"), log_input("two"), log_input("three")];
    entries[2].source = Some("api".into());
    orion.logs().ingest(&writer, entries).await.unwrap();

    let (query, page) =
        orion.logs().search_request(&ada, "web", &input(&[("limit", "2"), ("offset", "1")])).await.unwrap();
    assert_eq!((query.limit, query.offset), (2, 1));
    assert_eq!((page.total, page.logs.len()), (3, 2));

    // The path's source replaces a `source` parameter.
    let (query, page) =
        orion.logs().search_source_request(&ada, "web", "api", &input(&[("source", "other")])).await.unwrap();
    assert_eq!(query.filter.source.as_deref(), Some("api"));
    assert_eq!(page.total, 1);

    let (format, export) = orion.logs().export_request(&ada, "web", &QueryInput::default()).await.unwrap();
    assert_eq!((format, export.project.name.as_str()), (ExportFormat::Ndjson, "web"));
    let (interval, rows) =
        orion.logs().histogram_request(&ada, "web", &input(&[("interval", "1m")])).await.unwrap();
    assert_eq!(interval.as_str(), "1m");
    assert_eq!(rows.iter().map(|r| r.count).sum::<u64>(), 3);
}

#[tokio::test]
async fn a_live_tail_reads_its_scope_first_then_its_filters() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let web = create_project(&orion, &ada.principal, "web").await;
    let bob = register_user(&orion, "bob").await.principal;
    let logs = orion.logs();

    not_found(logs.live_request(&bob, &input(&[("project", "web"), ("level", "loud")])).await, "project");
    assert_eq!(fields(logs.live_request(&ada.principal, &input(&[("level", "loud")])).await), ["level"]);
    let (scope, filter) =
        logs.live_request(&ada.principal, &input(&[("project", "web"), ("minLevel", "warn")])).await.unwrap();
    assert_eq!(scope, LiveScope::Project(web.id));
    assert!(matches!(filter.levels, LevelFilter::AtLeast(_)));
    // An empty `project` is none: every project of the owner.
    let (scope, _) = logs.live_request(&ada.principal, &input(&[("project", "")])).await.unwrap();
    assert_eq!(scope, LiveScope::Owner(ada.user.id));
    assert_eq!(fields(logs.live_filter(&input(&[("tags", "a"), ("to", "soon")]))), ["to"]);
}

#[tokio::test]
async fn lists_check_the_project_and_the_server_before_their_window_and_limit() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await.principal;
    create_project(&orion, &ada, "web").await;
    register_agent(&orion, &ada, "web", "web-1").await;
    let bob = register_user(&orion, "bob").await.principal;
    let bad = input(&[("from", "soon"), ("limit", "1001"), ("status", "closed"), ("step", "1w")]);
    let agents = orion.agents();

    not_found(agents.heartbeats_request(&ada, "web", "web-2", &bad).await, "server");
    not_found(agents.heartbeats_request(&bob, "web", "web-1", &bad).await, "project");
    not_found(agents.commands_request(&ada, "web", "web-2", &bad).await, "server");
    not_found(agents.incidents_request(&bob, "web", &bad).await, "project");
    not_found(agents.metrics_request(&bob, "web", &bad).await, "project");
    not_found(orion.alerts().events_request(&bob, "web", &bad).await, "project");

    assert_eq!(fields(agents.heartbeats_request(&ada, "web", "web-1", &bad).await), ["from", "limit"]);
    assert_eq!(fields(agents.commands_request(&ada, "web", "web-1", &bad).await), ["limit"]);
    assert_eq!(fields(agents.incidents_request(&ada, "web", &bad).await), ["from", "limit", "status"]);
    assert_eq!(fields(agents.metrics_request(&ada, "web", &bad).await), ["from", "step"]);
    assert_eq!(fields(orion.alerts().events_request(&ada, "web", &bad).await), ["limit"]);

    let ok = input(&[("limit", "5")]);
    assert!(agents.heartbeats_request(&ada, "web", "web-1", &ok).await.unwrap().is_empty());
    assert!(agents.commands_request(&ada, "web", "web-1", &ok).await.unwrap().is_empty());
    assert!(agents.incidents_request(&ada, "web", &ok).await.unwrap().is_empty());
    assert_eq!(agents.metrics_request(&ada, "web", &QueryInput::default()).await.unwrap().servers.len(), 1);
}

#[tokio::test]
async fn projects_are_listed_by_archived_for_user_sessions_only() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await.principal;
    create_project(&orion, &ada, "web").await;
    let token = create_api_token(&orion, &ada, "web", &["logs:read"]).await;
    let token = token_principal(&orion, &token).await;
    let bad = input(&[("archived", "maybe")]);

    let refused = orion.projects().list_request(&token, &bad).await;
    assert!(matches!(refused, Err(ServiceError::UserTokenRequired)), "{refused:?}");
    assert_eq!(fields(orion.projects().list_request(&ada, &bad).await), ["archived"]);
    assert_eq!(orion.projects().list_request(&ada, &QueryInput::default()).await.unwrap().len(), 1);
    let archived = input(&[("archived", "true")]);
    assert!(orion.projects().list_request(&ada, &archived).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_agent_polls_with_server_id_and_an_empty_one_is_none() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await.principal;
    create_project(&orion, &ada, "web").await;
    let (_, agent) = register_agent(&orion, &ada, "web", "web-1").await;
    let unbound = create_api_token(&orion, &ada, "web", &["commands:read"]).await;
    let unbound = token_principal(&orion, &unbound).await;
    let agents = orion.agents();

    assert!(agents.pending_commands_request(&agent, &QueryInput::default()).await.unwrap().is_empty());
    // Empty is absent, so an unbound token is asked for one (not told an
    // empty id is malformed).
    let unnamed = agents.pending_commands_request(&unbound, &input(&[("serverId", "")])).await;
    assert_eq!(fields(unnamed), ["serverId"]);
    let bad = agents.pending_commands_request(&unbound, &input(&[("serverId", "not an id")])).await;
    assert_eq!(fields(bad), ["serverId"]);
    let named = agents.pending_commands_request(&unbound, &input(&[("serverId", "web-1")])).await;
    assert!(named.unwrap().is_empty());
}
