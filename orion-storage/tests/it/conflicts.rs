//! Unique violations must surface as `Conflict` with the right key (the
//! account service tells a pseudo clash from an email clash by it), never
//! as `Unavailable`, on both backends.

use orion_core::{ConflictKey, Repos, RepositoryError};

use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{project, user};

async fn duplicates_are_conflicts_on_the_right_key(repos: Repos) {
    let ada = user("ada@example.com", "ada");
    repos.users.insert(&ada).await.unwrap();

    let same_email = repos.users.insert(&user("ada@example.com", "someone")).await;
    match same_email {
        Err(RepositoryError::Conflict(key)) => assert_eq!(key, ConflictKey::Email),
        other => panic!("a duplicate email should be a Conflict, got {other:?}"),
    }

    // Pseudos collide whatever their case.
    let same_pseudo = repos.users.insert(&user("other@example.com", "ADA")).await;
    match same_pseudo {
        Err(RepositoryError::Conflict(key)) => assert_eq!(key, ConflictKey::Pseudo),
        other => panic!("a duplicate pseudo should be a Conflict, got {other:?}"),
    }

    let web = project(ada.id, "web");
    repos.projects.insert(&web).await.unwrap();
    let again = repos.projects.insert(&project(ada.id, "web")).await;
    match again {
        Err(RepositoryError::Conflict(key)) => assert_eq!(key, ConflictKey::Name),
        other => panic!("a duplicate project name should be a Conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn duplicates_are_conflicts_on_sqlite() {
    let (_dir, url) = sqlite_url();
    duplicates_are_conflicts_on_the_right_key(orion_storage::connect(&url).await.unwrap()).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn duplicates_are_conflicts_on_postgres() {
    on_postgres(|url| async move {
        let repos = orion_storage::connect(&url).await.unwrap();
        duplicates_are_conflicts_on_the_right_key(repos).await;
    })
    .await;
}
