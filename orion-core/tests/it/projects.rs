//! ProjectService: ownership, archive/restore, listing filters, deletion.

use orion_core::ServiceError;
use orion_core::model::{ArchivedFilter, Permission};
use orion_testkit::builders::{create_api_token, create_project, create_source, register_user};

use crate::setup;

#[tokio::test]
async fn creating_a_project_defaults_the_label_to_the_name() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let project = create_project(&orion, &ada.principal, "web-shop").await;
    assert_eq!(project.label.as_str(), "web-shop");
    assert_eq!(project.owner_id, ada.user.id);
    assert!(!project.archived);
    let labelled = orion.projects().create(&ada.principal, "api", Some(" The API ")).await.unwrap();
    assert_eq!(labelled.label.as_str(), "The API");
}

#[tokio::test]
async fn an_invalid_name_and_label_are_both_reported() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let long_label = "x".repeat(201);
    let err = orion.projects().create(&ada.principal, "Web Shop", Some(&long_label)).await;
    let Err(ServiceError::Validation(errors)) = err else { panic!("expected 422, got {err:?}") };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name", "label"]);
}

#[tokio::test]
async fn a_duplicate_name_is_a_conflict_for_one_owner_only() {
    let (orion, _) = setup();
    let (ada, bob) = (register_user(&orion, "ada").await, register_user(&orion, "bob").await);
    create_project(&orion, &ada.principal, "web").await;
    let err = orion.projects().create(&ada.principal, "web", None).await;
    assert!(matches!(err, Err(ServiceError::Conflict(_))), "{err:?}");
    create_project(&orion, &bob.principal, "web").await;
}

#[tokio::test]
async fn another_users_project_is_not_found_on_every_operation() {
    let (orion, _) = setup();
    let (ada, eve) = (register_user(&orion, "ada").await, register_user(&orion, "eve").await);
    let project = create_project(&orion, &ada.principal, "secret").await;
    let (_, source_token) = create_source(&orion, &ada.principal, "secret", "app").await;
    let token_id = source_token.token.id.to_string();
    let eve = &eve.principal;

    let not_found = |what: &str, err: Option<ServiceError>| {
        assert!(matches!(err, Some(ServiceError::NotFound(_))), "{what}: {err:?}");
    };
    not_found("owned", orion.projects().owned(eve, "secret").await.err());
    not_found("accessible", orion.projects().accessible(eve, "secret", Permission::LogsRead).await.err());
    not_found("archive", orion.projects().set_archived(eve, "secret", true).await.err());
    not_found("restore", orion.projects().set_archived(eve, "secret", false).await.err());
    not_found("delete", orion.projects().delete(eve, "secret").await.err());
    not_found("list sources", orion.sources().list(eve, "secret").await.err());
    not_found("create source", orion.sources().create(eve, "secret", "x", None).await.err());
    not_found("list tokens", orion.tokens().list(eve, "secret").await.err());
    not_found("create token", orion.tokens().create(eve, "secret", "t", &["logs:read"]).await.err());
    not_found("rotate token", orion.tokens().rotate(eve, "secret", &token_id).await.err());
    not_found("revoke token", orion.tokens().revoke(eve, "secret", &token_id).await.err());

    // Nothing changed for the owner.
    assert!(orion.projects().list(eve, ArchivedFilter::All).await.unwrap().is_empty());
    let still = orion.projects().owned(&ada.principal, "secret").await.unwrap();
    assert_eq!(still, project);
    assert!(orion.accounts().authenticate(&source_token.value).await.is_ok());
}

#[tokio::test]
async fn a_malformed_project_name_is_simply_not_found() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let err = orion.projects().owned(&ada.principal, "../etc").await;
    assert!(matches!(err, Err(ServiceError::NotFound(_))), "{err:?}");
}

#[tokio::test]
async fn archive_and_restore_move_projects_between_the_list_filters() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    for name in ["one", "two", "three"] {
        create_project(&orion, &ada.principal, name).await;
    }
    let archived = orion.projects().set_archived(&ada.principal, "two", true).await.unwrap();
    assert!(archived.archived);

    let names = |filter| {
        let orion = orion.clone();
        let me = ada.principal.clone();
        async move {
            let list = orion.projects().list(&me, filter).await.unwrap();
            list.into_iter().map(|p| p.name.as_str().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(names(ArchivedFilter::Active).await, ["one", "three"]);
    assert_eq!(names(ArchivedFilter::Archived).await, ["two"]);
    assert_eq!(names(ArchivedFilter::All).await, ["one", "two", "three"]);

    let restored = orion.projects().set_archived(&ada.principal, "two", false).await.unwrap();
    assert!(!restored.archived);
    assert_eq!(names(ArchivedFilter::Active).await, ["one", "two", "three"]);
}

#[tokio::test]
async fn deleting_a_project_removes_it_and_kills_its_tokens() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    create_project(&orion, &ada.principal, "doomed").await;
    create_project(&orion, &ada.principal, "kept").await;
    let (_, source_token) = create_source(&orion, &ada.principal, "doomed", "app").await;
    let api = create_api_token(&orion, &ada.principal, "doomed", &["logs:read"]).await;
    let kept = create_api_token(&orion, &ada.principal, "kept", &["logs:read"]).await;

    orion.projects().delete(&ada.principal, "doomed").await.unwrap();

    let err = orion.projects().owned(&ada.principal, "doomed").await;
    assert!(matches!(err, Err(ServiceError::NotFound(_))), "{err:?}");
    for value in [&source_token.value, &api.value] {
        let err = orion.accounts().authenticate(value).await;
        assert!(matches!(err, Err(ServiceError::Unauthorized(_))), "{err:?}");
    }
    assert!(orion.accounts().authenticate(&kept.value).await.is_ok());
    // The name is free again.
    create_project(&orion, &ada.principal, "doomed").await;
}
