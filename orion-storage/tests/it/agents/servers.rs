//! Registration: concurrent upserts of one server, and an unknown project.

use orion_core::model::{ProjectId, Server};
use orion_core::{Repos, RepositoryError};

use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{server, stored_project};

/// Agents restarted together may register the same id at once: every
/// upsert succeeds (no unique-violation race between "is it there?" and the
/// insert) and one server remains, described by one of them.
async fn concurrent_registrations_of_one_server_all_succeed(repos: Repos) {
    let project = stored_project(&repos).await;
    let names: Vec<String> = (0..8).map(|i| format!("Node {i}")).collect();
    let tasks: Vec<_> = names
        .iter()
        .map(|name| {
            let (repos, row) =
                (repos.clone(), Server { display_name: name.clone(), ..server(project.id, "twin") });
            tokio::spawn(async move { repos.servers.upsert(&row).await })
        })
        .collect();
    for task in tasks {
        let stored = task.await.unwrap().expect("every registration succeeds");
        assert!(names.contains(&stored.display_name), "{stored:?}");
    }
    let listed = repos.servers.list(project.id).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(names.contains(&listed[0].display_name));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_server_all_succeed_on_sqlite() {
    let (_dir, url) = sqlite_url();
    concurrent_registrations_of_one_server_all_succeed(orion_storage::connect(&url).await.unwrap()).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_server_all_succeed_on_postgres() {
    on_postgres(|url| async move {
        let repos = orion_storage::connect(&url).await.unwrap();
        concurrent_registrations_of_one_server_all_succeed(repos).await;
    })
    .await;
}

/// Servers and incidents reference their project: naming one that does not
/// exist is `NotFound`, as the domain sees it, not a storage failure.
#[tokio::test]
async fn rows_of_an_unknown_project_are_not_found() {
    let (_dir, url) = sqlite_url();
    let repos = orion_storage::connect(&url).await.unwrap();
    let orphan = server(ProjectId(orion_testkit::fresh_id()), "orphan");
    let upserted = repos.servers.upsert(&orphan).await;
    assert!(matches!(upserted, Err(RepositoryError::NotFound)), "{upserted:?}");
    let incident = crate::fixtures::incident(&orphan, crate::fixtures::at(0));
    let inserted = repos.incidents.record(&incident).await;
    assert!(matches!(inserted, Err(RepositoryError::NotFound)), "{inserted:?}");
}
