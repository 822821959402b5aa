//! Acknowledgement races and command order.

use orion_core::model::CommandStatus;
use orion_core::{ConflictKey, Repos, RepositoryError};

use super::{open, rows};
use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, command, server, stored_project, stored_server};

/// Two agents (or an agent and its retry) acknowledging one command at the
/// same instant: the conditional update lets exactly one through, and the
/// other learns it was already acknowledged — never `NotFound`.
async fn of_two_racing_acknowledgements_one_wins_and_one_conflicts(repos: Repos) {
    let project = stored_project(&repos).await;
    let srv = stored_server(&repos, project.id, "racer").await;
    for round in 0..20 {
        let target = command(&srv, at(round));
        repos.commands.insert(&target).await.unwrap();
        let ack = |status, output: &'static str| {
            let (repos, server_id) = (repos.clone(), srv.server_id.clone());
            tokio::spawn(async move {
                let acked = repos
                    .commands
                    .acknowledge(project.id, &server_id, target.id, status, Some(output), at(1_000))
                    .await;
                (output, acked)
            })
        };
        let (first, second) = (ack(CommandStatus::Ok, "first"), ack(CommandStatus::Failed, "second"));
        let outcomes = [first.await.unwrap(), second.await.unwrap()];
        let winners: Vec<_> = outcomes.iter().filter(|(_, r)| r.is_ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let loser = outcomes.iter().find(|(_, r)| r.is_err()).unwrap();
        assert!(
            matches!(loser.1, Err(RepositoryError::Conflict(ConflictKey::Acknowledged))),
            "round {round}: {loser:?}"
        );
        let stored = repos.commands.find(project.id, target.id).await.unwrap().unwrap();
        assert_eq!(stored.output.as_deref(), Some(winners[0].0), "the stored outcome is the winner's");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_racing_acknowledgements_one_wins_and_one_conflicts_on_sqlite() {
    let (_dir, url) = sqlite_url();
    of_two_racing_acknowledgements_one_wins_and_one_conflicts(orion_storage::connect(&url).await.unwrap())
        .await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_racing_acknowledgements_one_wins_and_one_conflicts_on_postgres() {
    on_postgres(|url| async move {
        let repos = orion_storage::connect(&url).await.unwrap();
        of_two_racing_acknowledgements_one_wins_and_one_conflicts(repos).await;
    })
    .await;
}

/// A `stop` then a `start` sent within one millisecond must reach the agent
/// in that order: equal `created_at` fall back to insertion order (oldest
/// first when pending, newest first when listed).
async fn commands_of_one_millisecond_keep_their_insertion_order(repos: Repos) {
    let project = stored_project(&repos).await;
    let srv = stored_server(&repos, project.id, "fifo").await;
    let mut sent = Vec::new();
    for _ in 0..6 {
        let c = command(&srv, at(500));
        repos.commands.insert(&c).await.unwrap();
        sent.push(c.id);
    }
    let pending = repos.commands.pending(project.id, &srv.server_id).await.unwrap();
    assert_eq!(pending.iter().map(|c| c.id).collect::<Vec<_>>(), sent);
    let listed = repos.commands.list(project.id, &srv.server_id, 100).await.unwrap();
    let newest_first: Vec<_> = sent.iter().rev().copied().collect();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), newest_first);
}

#[tokio::test]
async fn commands_of_one_millisecond_keep_their_insertion_order_on_sqlite() {
    let (_dir, url) = sqlite_url();
    commands_of_one_millisecond_keep_their_insertion_order(orion_storage::connect(&url).await.unwrap()).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn commands_of_one_millisecond_keep_their_insertion_order_on_postgres() {
    on_postgres(|url| async move {
        let repos = orion_storage::connect(&url).await.unwrap();
        commands_of_one_millisecond_keep_their_insertion_order(repos).await;
    })
    .await;
}

/// Commands reference their server: one for a server the project does not
/// have is `NotFound` (not a storage failure) and leaves no row; so is a
/// second command with the same id a `Conflict`.
async fn a_command_for_an_unknown_server_is_not_found(url: String) {
    let (repos, raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let ghost = command(&server(project.id, "ghost"), at(0));
    let inserted = repos.commands.insert(&ghost).await;
    assert!(matches!(inserted, Err(RepositoryError::NotFound)), "{inserted:?}");
    assert_eq!(rows(&raw, "commands", project.id).await, 0);

    let srv = stored_server(&repos, project.id, "real").await;
    let once = command(&srv, at(0));
    repos.commands.insert(&once).await.unwrap();
    let twice = repos.commands.insert(&once).await;
    assert!(matches!(&twice, Err(RepositoryError::Conflict(ConflictKey::Id))), "{twice:?}");
}

#[tokio::test]
async fn a_command_for_an_unknown_server_is_not_found_on_sqlite() {
    let (_dir, url) = sqlite_url();
    a_command_for_an_unknown_server_is_not_found(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn a_command_for_an_unknown_server_is_not_found_on_postgres() {
    on_postgres(a_command_for_an_unknown_server_is_not_found).await;
}
