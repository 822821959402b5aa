//! Contract of [`CommandRepository`](orion_core::repo::CommandRepository).

use chrono::{DateTime, Utc};
use orion_core::model::{Command, CommandId, CommandKind, CommandStatus, ProjectId, Server};
use orion_core::{ConflictKey, Repos, RepositoryError};
use serde_json::{Map, json};

use super::{AGENT_RETENTION, assert_not_found, at, retention_cutoff, stored_project, stored_server};

/// A pending `restart` of `server`'s `api` script, created at `created_at`.
pub(super) fn command(server: &Server, created_at: DateTime<Utc>) -> Command {
    Command {
        id: CommandId(crate::fresh_id()),
        project_id: server.project_id,
        server_id: server.server_id.clone(),
        kind: CommandKind::Restart,
        script_name: Some("api".into()),
        payload: Map::new(),
        status: CommandStatus::Pending,
        output: None,
        created_at,
        acked_at: None,
    }
}

async fn insert_at(repos: &Repos, server: &Server, offsets: &[i64]) -> Vec<Command> {
    let mut stored = Vec::new();
    for offset in offsets {
        let command = command(server, at(*offset));
        repos.commands.insert(&command).await.expect("insert");
        stored.push(command);
    }
    stored
}

fn ids(commands: &[Command]) -> Vec<CommandId> {
    commands.iter().map(|c| c.id).collect()
}

/// Every kind, an absent script name and a nested JSON payload (Unicode,
/// numbers, null, arrays) come back exactly; lookups are per project.
pub async fn a_command_round_trips_its_payload(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let server = stored_server(repos, project.id).await;
    let payload = json!({
        "graceful": true,
        "timeoutMs": 2_500,
        "ratio": 0.125,
        "note": "redémarrage ✓ \"quoted\"",
        "nested": {"list": [1, "two", null, {"three": 3}], "empty": {}},
        "nothing": null,
    });
    let Some(payload) = payload.as_object().cloned() else { unreachable!("an object literal") };
    let mut commands = Vec::new();
    for (i, kind) in [CommandKind::Restart, CommandKind::Stop, CommandKind::Start].into_iter().enumerate() {
        let mut c = command(&server, at(i as i64));
        c.kind = kind;
        commands.push(c);
    }
    commands[0].payload = payload;
    commands[1].script_name = None;
    for c in &commands {
        repos.commands.insert(c).await.expect("insert");
    }
    for c in &commands {
        assert_eq!(repos.commands.find(project.id, c.id).await.expect("find").as_ref(), Some(c));
        assert_eq!(repos.commands.find(other.id, c.id).await.expect("find"), None, "other project");
    }
    assert_eq!(repos.commands.find(project.id, CommandId(crate::fresh_id())).await.expect("find"), None);
}

/// `pending` is oldest first whatever the insertion order, skips
/// acknowledged commands and other servers' commands.
pub async fn pending_commands_are_the_servers_own_oldest_first(repos: &Repos) {
    let project = stored_project(repos).await;
    let (server, neighbour) =
        (stored_server(repos, project.id).await, stored_server(repos, project.id).await);
    let mine = insert_at(repos, &server, &[3_000, 1_000, 2_000, 4_000]).await;
    insert_at(repos, &neighbour, &[0, 1_500]).await;
    repos
        .commands
        .acknowledge(project.id, &server.server_id, mine[2].id, CommandStatus::Ok, None, at(5_000))
        .await
        .expect("ack");

    let pending = repos.commands.pending(project.id, &server.server_id).await.expect("pending");
    assert_eq!(ids(&pending), [mine[1].id, mine[0].id, mine[3].id]);
    assert_eq!(pending[0], mine[1]);
    assert_eq!(repos.commands.pending(project.id, &neighbour.server_id).await.expect("pending").len(), 2);
    let foreign =
        repos.commands.pending(ProjectId(crate::fresh_id()), &server.server_id).await.expect("pending");
    assert!(foreign.is_empty());
}

/// `list` gives every status, newest first, at most `limit`, of one server.
pub async fn commands_are_listed_newest_first_with_a_limit(repos: &Repos) {
    let project = stored_project(repos).await;
    let (server, neighbour) =
        (stored_server(repos, project.id).await, stored_server(repos, project.id).await);
    let mine = insert_at(repos, &server, &[2_000, 0, 3_000, 1_000]).await;
    insert_at(repos, &neighbour, &[5_000]).await;
    repos
        .commands
        .acknowledge(project.id, &server.server_id, mine[0].id, CommandStatus::Failed, Some("no"), at(4_000))
        .await
        .expect("ack");

    let all = repos.commands.list(project.id, &server.server_id, 100).await.expect("list");
    assert_eq!(ids(&all), [mine[2].id, mine[0].id, mine[3].id, mine[1].id]);
    assert_eq!(all[1].status, CommandStatus::Failed, "acknowledged commands are listed too");
    let two = repos.commands.list(project.id, &server.server_id, 2).await.expect("list");
    assert_eq!(ids(&two), [mine[2].id, mine[0].id]);
    assert!(
        repos
            .commands
            .list(ProjectId(crate::fresh_id()), &server.server_id, 100)
            .await
            .expect("list")
            .is_empty()
    );
}

/// `acknowledge` returns and stores the outcome, output and millisecond
/// `acked_at`; a second acknowledgement is `Conflict` and changes nothing.
pub async fn acknowledging_records_the_outcome_once(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let [ok, failed] = [0, 1].map(|offset| command(&server, at(offset)));
    for c in [&ok, &failed] {
        repos.commands.insert(c).await.expect("insert");
    }
    let output = "line 1\nlíne 2 ✓\n".repeat(100);
    let acked = repos
        .commands
        .acknowledge(project.id, &server.server_id, ok.id, CommandStatus::Ok, Some(&output), at(2_001))
        .await
        .expect("ack");
    let expected = Command {
        status: CommandStatus::Ok,
        output: Some(output.clone()),
        acked_at: Some(at(2_001)),
        ..ok.clone()
    };
    assert_eq!(acked, expected);
    assert_eq!(repos.commands.find(project.id, ok.id).await.expect("find"), Some(expected.clone()));

    let without_output = repos
        .commands
        .acknowledge(project.id, &server.server_id, failed.id, CommandStatus::Failed, None, at(3_000))
        .await
        .expect("ack");
    assert_eq!((without_output.status, without_output.output), (CommandStatus::Failed, None));

    let again = repos
        .commands
        .acknowledge(project.id, &server.server_id, ok.id, CommandStatus::Failed, Some("late"), at(9_000))
        .await;
    assert!(
        matches!(again, Err(RepositoryError::Conflict(ConflictKey::Acknowledged))),
        "expected Conflict, got {again:?}"
    );
    assert_eq!(repos.commands.find(project.id, ok.id).await.expect("find"), Some(expected));
    assert!(repos.commands.pending(project.id, &server.server_id).await.expect("pending").is_empty());
}

/// The command must be of the named server in the named project; otherwise
/// `NotFound`, and the command stays pending.
pub async fn acknowledging_another_servers_or_projects_command_is_not_found(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let (server, neighbour) =
        (stored_server(repos, project.id).await, stored_server(repos, project.id).await);
    let target = insert_at(repos, &server, &[0]).await.remove(0);
    let ack = |project, server: &Server, id| {
        let server_id = server.server_id.clone();
        async move {
            repos.commands.acknowledge(project, &server_id, id, CommandStatus::Ok, None, at(1_000)).await
        }
    };
    assert_not_found(ack(project.id, &neighbour, target.id).await);
    assert_not_found(ack(other.id, &server, target.id).await);
    assert_not_found(ack(project.id, &server, CommandId(crate::fresh_id())).await);
    let found = repos.commands.find(project.id, target.id).await.expect("find");
    assert_eq!(found, Some(target), "still pending, untouched");
}

/// The acknowledgement is a conditional update: racing agents (or retries)
/// see exactly one success and `Conflict` for all others.
pub async fn of_concurrent_acknowledgements_exactly_one_succeeds(repos: &Repos) {
    let project = stored_project(repos).await;
    let server = stored_server(repos, project.id).await;
    let target = insert_at(repos, &server, &[0]).await.remove(0);
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..8_i64 {
        let (repos, server_id, id) = (repos.clone(), server.server_id.clone(), target.id);
        racers.spawn(async move {
            let output = format!("racer {i}");
            let result = repos
                .commands
                .acknowledge(project.id, &server_id, id, CommandStatus::Ok, Some(&output), at(1_000 + i))
                .await;
            (output, result)
        });
    }
    let mut winners = Vec::new();
    while let Some(joined) = racers.join_next().await {
        match joined.expect("racer panicked") {
            (output, Ok(command)) => {
                assert_eq!(command.output.as_deref(), Some(output.as_str()));
                winners.push(command);
            }
            (_, Err(RepositoryError::Conflict(ConflictKey::Acknowledged))) => {}
            (_, Err(other)) => panic!("a losing racer must see Conflict, got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one acknowledgement wins");
    let stored = repos.commands.find(project.id, target.id).await.expect("find");
    assert_eq!(stored.as_ref(), winners.first(), "the stored outcome is the winner's");
}

/// `delete_older_than`: three commands acknowledged strictly before the
/// cutoff (ok or failed, over two projects) go in batches of two
/// (2, 1, 0); one acknowledged exactly at the cutoff, one acknowledged
/// later (though created long before) and a pending one created long
/// before all stay.
pub async fn expired_acknowledged_commands_are_deleted_a_batch_at_a_time_and_pending_ones_kept(
    repos: &Repos,
) {
    let _serialised = AGENT_RETENTION.lock().await;
    let cutoff = retention_cutoff();
    // Leftovers of an interrupted earlier run would skew the counts.
    while repos.commands.delete_older_than(cutoff, 1_000).await.expect("delete") > 0 {}

    let server = stored_server(repos, stored_project(repos).await.id).await;
    let other = stored_server(repos, stored_project(repos).await.id).await;
    let ms = chrono::Duration::milliseconds;
    let long_before = cutoff - ms(86_400_000 * 365);
    let mut kept = Vec::new();
    for (on, status, acked_at) in [
        (&server, CommandStatus::Ok, Some(cutoff - ms(1))),
        (&server, CommandStatus::Failed, Some(cutoff - ms(2))),
        (&other, CommandStatus::Ok, Some(long_before + ms(1))),
        (&server, CommandStatus::Ok, Some(cutoff)),
        (&server, CommandStatus::Failed, Some(cutoff + ms(1))),
        (&server, CommandStatus::Pending, None),
    ] {
        let c = command(on, long_before);
        repos.commands.insert(&c).await.expect("insert");
        let stored = match acked_at {
            Some(acked_at) => repos
                .commands
                .acknowledge(on.project_id, &on.server_id, c.id, status, None, acked_at)
                .await
                .expect("ack"),
            None => c,
        };
        if acked_at.is_none_or(|acked_at| acked_at >= cutoff) {
            kept.push(stored);
        }
    }

    for want in [2, 1, 0] {
        assert_eq!(repos.commands.delete_older_than(cutoff, 2).await.expect("delete"), want);
    }
    for c in &kept {
        assert_eq!(repos.commands.find(c.project_id, c.id).await.expect("find").as_ref(), Some(c));
    }
    let left = repos.commands.list(server.project_id, &server.server_id, 100).await.expect("list");
    assert_eq!(left.len(), kept.len());
    assert!(repos.commands.list(other.project_id, &other.server_id, 100).await.expect("list").is_empty());
    assert_eq!(
        ids(&repos.commands.pending(server.project_id, &server.server_id).await.expect("pending")),
        [kept[2].id]
    );
}
