//! Source resolution on ingest: a token's bound source wins; a named
//! unknown source is created in the token's project.

use orion_core::ServiceError;
use orion_core::model::log::LogQuery;
use orion_core::service::LogInput;
use orion_testkit::builders::{create_source, log_input, token_principal};

use super::fixture;
use crate::setup;

fn named(message: &str, source: &str) -> LogInput {
    LogInput { source: Some(source.into()), ..log_input(message) }
}

#[tokio::test]
async fn a_source_bound_tokens_source_wins_over_the_entrys() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let (_, issued) = create_source(&orion, &f.owner.principal, "web", "checkout").await;
    let token = token_principal(&orion, &issued).await;
    orion.logs().ingest(&token, vec![named("a", "elsewhere"), log_input("b")]).await.unwrap();

    let page =
        orion.logs().search(&f.owner.principal, "web", &LogQuery { limit: 10, ..LogQuery::default() }).await;
    let sources: Vec<_> =
        page.unwrap().logs.into_iter().map(|e| e.entry.source_str().map(str::to_owned)).collect();
    assert_eq!(sources, [Some("checkout".to_owned()), Some("checkout".to_owned())]);
    let listed = orion.sources().list(&f.owner.principal, "web").await.unwrap();
    let names: Vec<_> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["checkout"], "the entry's own source name is ignored, not created");
}

#[tokio::test]
async fn a_named_unknown_source_is_created_once_in_the_tokens_project() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    orion
        .logs()
        .ingest(&f.token, vec![named("a", "worker"), named("b", "worker"), named("c", "cron")])
        .await
        .unwrap();
    orion.logs().ingest(&f.token, vec![named("d", "worker")]).await.unwrap();

    let listed = orion.sources().list(&f.owner.principal, "web").await.unwrap();
    let mut names: Vec<_> = listed.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["cron", "worker"]);
    assert!(listed.iter().all(|s| s.project_id == f.project.id));

    let query = LogQuery { limit: 10, ..LogQuery::default() };
    let page = orion.logs().search_source(&f.owner.principal, "web", "worker", &query).await.unwrap();
    assert_eq!(page.total, 3);
}

#[tokio::test]
async fn an_existing_source_is_reused_not_duplicated() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    create_source(&orion, &f.owner.principal, "web", "api").await;
    orion.logs().ingest(&f.token, vec![named("a", "api")]).await.unwrap();
    assert_eq!(orion.sources().list(&f.owner.principal, "web").await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_invalid_source_name_is_a_validation_error_naming_its_index() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let err = orion.logs().ingest(&f.token, vec![named("a", "ok"), named("b", "Not A Slug")]).await;
    let Err(ServiceError::Validation(errors)) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    let named: Vec<_> = errors.iter().map(|e| (e.index, e.field.as_str())).collect();
    assert_eq!(named, [(Some(1), "source")]);
    assert!(
        orion.sources().list(&f.owner.principal, "web").await.unwrap().is_empty(),
        "not even the valid one"
    );
}
