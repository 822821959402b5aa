//! Unique violations must surface as `Conflict` naming the column (the
//! account service tells a pseudo clash from an email clash by the text),
//! never as `Unavailable`, on both backends.

use orion_core::{Repos, RepositoryError};

use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{project, user};

async fn duplicates_are_conflicts_naming_the_column(repos: Repos) {
    let ada = user("ada@example.com", "ada");
    repos.users.insert(&ada).await.unwrap();

    let same_email = repos.users.insert(&user("ada@example.com", "someone")).await;
    match same_email {
        Err(RepositoryError::Conflict(what)) => {
            assert!(what.contains("email") && !what.contains("pseudo"), "{what}");
        }
        other => panic!("a duplicate email should be a Conflict, got {other:?}"),
    }

    // Pseudos collide whatever their case.
    let same_pseudo = repos.users.insert(&user("other@example.com", "ADA")).await;
    match same_pseudo {
        Err(RepositoryError::Conflict(what)) => assert!(what.contains("pseudo"), "{what}"),
        other => panic!("a duplicate pseudo should be a Conflict, got {other:?}"),
    }

    let web = project(ada.id, "web");
    repos.projects.insert(&web).await.unwrap();
    let again = repos.projects.insert(&project(ada.id, "web")).await;
    match again {
        Err(RepositoryError::Conflict(what)) => assert!(what.contains("name"), "{what}"),
        other => panic!("a duplicate project name should be a Conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn duplicates_are_conflicts_on_sqlite() {
    let (_dir, url) = sqlite_url();
    duplicates_are_conflicts_naming_the_column(orion_storage::connect(&url).await.unwrap()).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn duplicates_are_conflicts_on_postgres() {
    on_postgres(|url| async move {
        let repos = orion_storage::connect(&url).await.unwrap();
        duplicates_are_conflicts_naming_the_column(repos).await;
    })
    .await;
}
