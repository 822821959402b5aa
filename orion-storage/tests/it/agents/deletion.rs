//! A project's deletion takes every agent row with it, through the
//! repository and through the foreign keys alone.

use orion_core::Repos;
use orion_core::model::Project;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::{open, rows};
use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, command, heartbeat, incident, stored_project, stored_server};

const TABLES: [&str; 5] = ["servers", "heartbeats", "commands", "incidents", "incident_occurrences"];

/// A project with two servers, each with heartbeats, commands and an
/// incident.
async fn seeded(repos: &Repos) -> Project {
    let project = stored_project(repos).await;
    for id in ["alpha", "beta"] {
        let srv = stored_server(repos, project.id, id).await;
        for offset in [0, 30_000] {
            repos.heartbeats.insert(&heartbeat(&srv, at(offset))).await.unwrap();
            repos.commands.insert(&command(&srv, at(offset))).await.unwrap();
        }
        repos.incidents.record(&incident(&srv, at(1_000))).await.unwrap();
    }
    project
}

async fn counts(raw: &DatabaseConnection, project: &Project) -> Vec<i64> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push(rows(raw, table, project.id).await);
    }
    out
}

async fn deleting_a_project_removes_every_agent_row(url: String) {
    let (repos, raw) = open(&url).await;
    let (doomed, kept) = (seeded(&repos).await, seeded(&repos).await);
    repos.projects.delete(doomed.id).await.unwrap();
    assert_eq!(counts(&raw, &doomed).await, [0, 0, 0, 0, 0]);
    assert_eq!(counts(&raw, &kept).await, [2, 4, 4, 2, 2], "another project keeps its rows");
}

#[tokio::test]
async fn deleting_a_project_removes_every_agent_row_on_sqlite() {
    let (_dir, url) = sqlite_url();
    deleting_a_project_removes_every_agent_row(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn deleting_a_project_removes_every_agent_row_on_postgres() {
    on_postgres(deleting_a_project_removes_every_agent_row).await;
}

/// A bare `DELETE` of the project row (as an operator might run): the
/// cascades alone clear the agent tables.
async fn the_foreign_keys_alone_cascade_a_project_deletion(url: String) {
    let (repos, raw) = open(&url).await;
    let (doomed, kept) = (seeded(&repos).await, seeded(&repos).await);
    let backend = raw.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "DELETE FROM projects WHERE id = $1",
        _ => "DELETE FROM projects WHERE id = ?",
    };
    let delete = Statement::from_sql_and_values(backend, sql, [doomed.id.get().into()]);
    raw.execute_raw(delete).await.unwrap();
    assert_eq!(counts(&raw, &doomed).await, [0, 0, 0, 0, 0]);
    assert_eq!(counts(&raw, &kept).await, [2, 4, 4, 2, 2]);
}

#[tokio::test]
async fn the_foreign_keys_alone_cascade_a_project_deletion_on_sqlite() {
    let (_dir, url) = sqlite_url();
    the_foreign_keys_alone_cascade_a_project_deletion(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn the_foreign_keys_alone_cascade_a_project_deletion_on_postgres() {
    on_postgres(the_foreign_keys_alone_cascade_a_project_deletion).await;
}
