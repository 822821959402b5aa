//! TokenService and API-token principals: create, rotate, revoke,
//! authenticate, and what a token may and may not reach.

use chrono::Duration;
use orion_core::ServiceError;
use orion_core::model::{ArchivedFilter, Permission, TokenKind};
use orion_core::service::Principal;
use orion_testkit::builders::{create_api_token, create_project, register_user};

use crate::setup;

#[tokio::test]
async fn an_unknown_permission_is_a_validation_error() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let err = orion.tokens().create(&ada.principal, "web", "ci", &["logs:delete"]).await;
    let Err(ServiceError::Validation(errors)) = err else { panic!("expected 422, got {err:?}") };
    assert_eq!(errors[0].field, "permissions");
    let none: &[&str] = &[];
    let err = orion.tokens().create(&ada.principal, "web", "ci", none).await;
    assert!(matches!(err, Err(ServiceError::Validation(_))), "{err:?}");
}

#[tokio::test]
async fn an_api_token_authenticates_with_exactly_its_permissions() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let project = create_project(&orion, &ada.principal, "web").await;
    let issued = create_api_token(&orion, &ada.principal, "web", &["logs:read"]).await;
    assert!(issued.value.starts_with("sk_api_"));
    let listed = orion.tokens().list(&ada.principal, "web").await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&issued.token));

    let Principal::Token(token) = orion.accounts().authenticate(&issued.value).await.unwrap() else {
        panic!("expected a token principal");
    };
    assert_eq!((token.kind, token.project_id), (TokenKind::Api, project.id));
    let perms: Vec<_> = token.permissions.iter().collect();
    assert_eq!(perms, [Permission::LogsRead]);
}

#[tokio::test]
async fn rotating_retires_the_old_value_and_the_new_one_works() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let old = create_api_token(&orion, &ada.principal, "web", &["logs:read"]).await;
    let new = orion.tokens().rotate(&ada.principal, "web", &old.token.id.to_string()).await.unwrap();
    assert_ne!(new.value, old.value);
    assert_eq!(new.token.id, old.token.id);

    let err = orion.accounts().authenticate(&old.value).await;
    assert!(matches!(err, Err(ServiceError::Unauthorized(_))), "{err:?}");
    let Principal::Token(token) = orion.accounts().authenticate(&new.value).await.unwrap() else {
        panic!("expected a token principal");
    };
    assert_eq!(token.token_id, old.token.id);
}

#[tokio::test]
async fn a_revoked_token_no_longer_authenticates() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let issued = create_api_token(&orion, &ada.principal, "web", &["logs:read"]).await;
    let id = issued.token.id.to_string();
    orion.tokens().revoke(&ada.principal, "web", &id).await.unwrap();
    let err = orion.accounts().authenticate(&issued.value).await;
    assert!(matches!(err, Err(ServiceError::Unauthorized(_))), "{err:?}");
    let again = orion.tokens().revoke(&ada.principal, "web", &id).await;
    assert!(matches!(again, Err(ServiceError::NotFound("token"))), "{again:?}");
}

#[tokio::test]
async fn unknown_or_malformed_token_ids_are_not_found() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for id in [unknown.as_str(), "not-a-uuid"] {
        let err = orion.tokens().rotate(&ada.principal, "web", id).await;
        assert!(matches!(err, Err(ServiceError::NotFound("token"))), "{err:?}");
        let err = orion.tokens().revoke(&ada.principal, "web", id).await;
        assert!(matches!(err, Err(ServiceError::NotFound("token"))), "{err:?}");
    }
}

#[tokio::test]
async fn a_token_of_one_project_cannot_touch_another_projects_tokens() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    create_project(&orion, &ada.principal, "api").await;
    let in_web = create_api_token(&orion, &ada.principal, "web", &["logs:read"]).await;
    let err = orion.tokens().revoke(&ada.principal, "api", &in_web.token.id.to_string()).await;
    assert!(matches!(err, Err(ServiceError::NotFound("token"))), "{err:?}");
    assert!(orion.accounts().authenticate(&in_web.value).await.is_ok());
}

#[tokio::test]
async fn an_api_token_is_refused_by_user_only_services() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let issued = create_api_token(&orion, &ada.principal, "web", &["logs:read"]).await;
    let token = orion.accounts().authenticate(&issued.value).await.unwrap();

    let refused = |what: &str, err: Option<ServiceError>| {
        assert!(matches!(err, Some(ServiceError::UserTokenRequired)), "{what}: {err:?}");
    };
    refused("me", orion.accounts().me(&token).await.err());
    refused("2fa setup", orion.two_factor().setup(&token).await.err());
    refused("list projects", orion.projects().list(&token, ArchivedFilter::All).await.err());
    refused("create project", orion.projects().create(&token, "x", None).await.err());
    refused("owned", orion.projects().owned(&token, "web").await.err());
    refused("archive", orion.projects().set_archived(&token, "web", true).await.err());
    refused("delete", orion.projects().delete(&token, "web").await.err());
    refused("list sources", orion.sources().list(&token, "web").await.err());
    refused("create source", orion.sources().create(&token, "web", "s", None).await.err());
    refused("list tokens", orion.tokens().list(&token, "web").await.err());
    refused("create token", orion.tokens().create(&token, "web", "t", &["logs:read"]).await.err());
}

#[tokio::test]
async fn accessible_checks_the_tokens_project_and_permission() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let web = create_project(&orion, &ada.principal, "web").await;
    create_project(&orion, &ada.principal, "api").await;
    let issued = create_api_token(&orion, &ada.principal, "web", &["logs:read"]).await;
    let token = orion.accounts().authenticate(&issued.value).await.unwrap();
    let projects = orion.projects();

    let found = projects.accessible(&token, "web", Permission::LogsRead).await.unwrap();
    assert_eq!(found, web);
    let other = projects.accessible(&token, "api", Permission::LogsRead).await;
    assert!(matches!(other, Err(ServiceError::NotFound(_))), "{other:?}");
    let missing = projects.accessible(&token, "web", Permission::LogsWrite).await;
    assert!(matches!(missing, Err(ServiceError::MissingPermission("logs:write"))), "{missing:?}");
    // The owner needs no permission.
    let owner = projects.accessible(&ada.principal, "web", Permission::LogsWrite).await.unwrap();
    assert_eq!(owner, web);
}

#[tokio::test]
async fn last_use_is_recorded_at_most_once_a_minute() {
    let (orion, clock) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "web").await;
    let issued = create_api_token(&orion, &ada.principal, "web", &["logs:read"]).await;
    let last_used = || async {
        let tokens = orion.tokens().list(&ada.principal, "web").await.unwrap();
        tokens[0].last_used_at
    };
    assert_eq!(last_used().await, None);

    let first = orion_core::port::Clock::now(&clock);
    orion.accounts().authenticate(&issued.value).await.unwrap();
    assert_eq!(last_used().await, Some(first));
    clock.advance(Duration::seconds(59));
    orion.accounts().authenticate(&issued.value).await.unwrap();
    assert_eq!(last_used().await, Some(first), "not rewritten within a minute");
    clock.advance(Duration::seconds(1));
    orion.accounts().authenticate(&issued.value).await.unwrap();
    assert_eq!(last_used().await, Some(first + Duration::minutes(1)));
}
