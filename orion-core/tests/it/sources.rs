//! SourceService: sources come with their own `sk_` token.

use orion_core::ServiceError;
use orion_core::model::{Permission, TokenKind};
use orion_core::service::Principal;
use orion_testkit::builders::{create_project, create_source, register_user};

use crate::setup;

#[tokio::test]
async fn a_sources_token_authenticates_with_logs_write_bound_to_the_source() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let project = create_project(&orion, &ada.principal, "web").await;
    let (source, issued) = create_source(&orion, &ada.principal, "web", "checkout").await;
    assert!(issued.value.starts_with("sk_") && !issued.value.starts_with("sk_api_"));
    assert!(issued.value.starts_with(&issued.token.display_prefix));

    let Principal::Token(token) = orion.accounts().authenticate(&issued.value).await.unwrap() else {
        panic!("an sk_ value is an API token");
    };
    assert_eq!(token.kind, TokenKind::Source);
    assert_eq!(token.project_id, project.id);
    assert_eq!(token.source_id, Some(source.id));
    assert!(token.permissions.contains(Permission::LogsWrite));
    assert!(!token.permissions.contains(Permission::LogsRead));
}

#[tokio::test]
async fn sources_are_listed_oldest_first() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    for name in ["b", "a", "c"] {
        create_source(&orion, &ada.principal, "web", name).await;
    }
    let listed = orion.sources().list(&ada.principal, "web").await.unwrap();
    let names: Vec<_> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["b", "a", "c"]);
}

#[tokio::test]
async fn a_duplicate_source_name_is_a_conflict_and_mints_no_token() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    create_source(&orion, &ada.principal, "web", "app").await;
    let err = orion.sources().create(&ada.principal, "web", "app", None).await;
    assert!(matches!(err, Err(ServiceError::Conflict(_))), "{err:?}");
    assert_eq!(orion.tokens().list(&ada.principal, "web").await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_invalid_source_name_is_a_validation_error() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let err = orion.sources().create(&ada.principal, "web", "Bad Name", None).await;
    let Err(ServiceError::Validation(errors)) = err else { panic!("expected 422, got {err:?}") };
    assert_eq!(errors[0].field, "name");
}
