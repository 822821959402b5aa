//! The in-memory backend keeps its own promises beyond the repository
//! contract suite (which `contract` runs on it).

use chrono::Utc;
use orion_core::RepositoryError;
use orion_core::model::ProjectId;
use orion_core::model::log::LogQuery;
use orion_testkit::InMemoryRepos;

use crate::{new_entry, new_project};

#[tokio::test]
async fn each_backend_is_independent() {
    let (a, b) = (InMemoryRepos::new(), InMemoryRepos::new());
    a.settings.get_or_insert("k", "from a").await.unwrap();
    assert_eq!(b.settings.get_or_insert("k", "from b").await.unwrap(), "from b");
}

#[tokio::test]
async fn a_log_batch_naming_an_unknown_project_stores_nothing() {
    let repos = InMemoryRepos::new();
    let known = new_project();
    repos.projects.insert(&known).await.unwrap();
    let entry = |project_id| new_entry(project_id, "m");
    let result = repos.logs.append(vec![entry(known.id), entry(ProjectId(orion_testkit::fresh_id()))]).await;
    assert!(matches!(result, Err(RepositoryError::NotFound)), "{result:?}");
    let page = repos.logs.search(known.id, &LogQuery { limit: 10, ..LogQuery::default() }).await.unwrap();
    assert_eq!(page.total, 0, "the valid entry of the refused batch is not stored either");
}

#[tokio::test]
async fn agent_rows_naming_an_unknown_project_or_server_are_not_found() {
    use orion_core::model::{Command, CommandId, CommandKind, CommandStatus, Server, ServerId};
    let repos = InMemoryRepos::new();
    let server = Server {
        id: orion_core::model::ServerRowId(orion_testkit::fresh_id()),
        project_id: ProjectId(orion_testkit::fresh_id()),
        server_id: ServerId::parse("web-1").unwrap(),
        display_name: "web".into(),
        hostname: "web".into(),
        platform: "linux".into(),
        arch: "x86_64".into(),
        created_at: Utc::now(),
        last_seen_at: None,
    };
    let result = repos.servers.upsert(&server).await;
    assert!(matches!(result, Err(RepositoryError::NotFound)), "{result:?}");
    let command = Command {
        id: CommandId(orion_testkit::fresh_id()),
        project_id: server.project_id,
        server_id: server.server_id.clone(),
        kind: CommandKind::Restart,
        script_name: None,
        payload: serde_json::Map::new(),
        status: CommandStatus::Pending,
        output: None,
        created_at: Utc::now(),
        acked_at: None,
    };
    let result = repos.commands.insert(&command).await;
    assert!(matches!(result, Err(RepositoryError::NotFound)), "{result:?}");
    assert_eq!(repos.commands.find(server.project_id, command.id).await.unwrap(), None);
}
