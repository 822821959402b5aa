//! Deleting a rule takes its state but keeps its history; deleting a
//! project takes all three, through the repository and through the
//! foreign keys alone.

use orion_core::Repos;
use orion_core::model::Project;
use orion_core::model::alert::RuleState;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::count;
use crate::agents::open;
use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, event, stored_project, stored_rule};

/// A project with two rules (one evaluated) and three events.
async fn seeded(repos: &Repos) -> Project {
    let project = stored_project(repos).await;
    let (a, b) = (stored_rule(repos, project.id).await, stored_rule(repos, project.id).await);
    let state = RuleState { evaluated_at: Some(at(1)), ..RuleState::default() };
    assert!(repos.alert_rules.save_state(a.id, None, &state).await.unwrap());
    for (rule, ms) in [(&a, 1), (&a, 2), (&b, 3)] {
        repos.alert_events.insert(&event(rule, at(ms))).await.unwrap();
    }
    project
}

/// Rules, states and events of `project`, as stored.
async fn counts(raw: &DatabaseConnection, project: &Project) -> [i64; 3] {
    let p = project.id;
    [
        count(raw, &format!("alert_rules WHERE project_id = '{p}'")).await,
        count(
            raw,
            &format!(
                "alert_rule_states WHERE rule_id IN (SELECT id FROM alert_rules WHERE project_id = '{p}')"
            ),
        )
        .await,
        count(raw, &format!("alert_events WHERE project_id = '{p}'")).await,
    ]
}

async fn deleting_a_rule_keeps_its_history_but_not_its_state(url: String) {
    let (repos, raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let rule = stored_rule(&repos, project.id).await;
    let fired = event(&rule, at(10));
    repos.alert_events.insert(&fired).await.unwrap();

    repos.alert_rules.delete(project.id, rule.id).await.unwrap();
    assert_eq!(repos.alert_rules.find(project.id, rule.id).await.unwrap(), None);
    assert_eq!(count(&raw, &format!("alert_rule_states WHERE rule_id = '{}'", rule.id)).await, 0);
    assert_eq!(repos.alert_events.list(project.id, 10).await.unwrap(), [fired], "history stays");
    // The engine may still hold the rule: its save finds nothing to save.
    assert!(!repos.alert_rules.save_state(rule.id, None, &RuleState::default()).await.unwrap());
    let again = repos.alert_rules.delete(project.id, rule.id).await;
    assert!(matches!(again, Err(orion_core::RepositoryError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn deleting_a_rule_keeps_its_history_but_not_its_state_on_sqlite() {
    let (_dir, url) = sqlite_url();
    deleting_a_rule_keeps_its_history_but_not_its_state(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn deleting_a_rule_keeps_its_history_but_not_its_state_on_postgres() {
    on_postgres(deleting_a_rule_keeps_its_history_but_not_its_state).await;
}

/// Another project's rule id is `NotFound` and stays, state included.
async fn a_rule_of_another_project_is_not_deleted(url: String) {
    let (repos, raw) = open(&url).await;
    let (mine, theirs) = (stored_project(&repos).await, seeded(&repos).await);
    let their_rule = repos.alert_rules.list(theirs.id).await.unwrap().remove(0);
    let attempt = repos.alert_rules.delete(mine.id, their_rule.id).await;
    assert!(matches!(attempt, Err(orion_core::RepositoryError::NotFound)), "{attempt:?}");
    assert_eq!(counts(&raw, &theirs).await, [2, 2, 3]);
}

#[tokio::test]
async fn a_rule_of_another_project_is_not_deleted_on_sqlite() {
    let (_dir, url) = sqlite_url();
    a_rule_of_another_project_is_not_deleted(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn a_rule_of_another_project_is_not_deleted_on_postgres() {
    on_postgres(a_rule_of_another_project_is_not_deleted).await;
}

async fn deleting_a_project_removes_its_rules_states_and_history(url: String) {
    let (repos, raw) = open(&url).await;
    let (doomed, kept) = (seeded(&repos).await, seeded(&repos).await);
    repos.projects.delete(doomed.id).await.unwrap();
    assert_eq!(counts(&raw, &doomed).await, [0, 0, 0]);
    assert_eq!(counts(&raw, &kept).await, [2, 2, 3], "another project keeps its rows");
    assert_eq!(count(&raw, "alert_rule_states").await, 2, "no orphaned state");
    assert_eq!(repos.alert_rules.list_enabled().await.unwrap().len(), 2);
}

#[tokio::test]
async fn deleting_a_project_removes_its_rules_states_and_history_on_sqlite() {
    let (_dir, url) = sqlite_url();
    deleting_a_project_removes_its_rules_states_and_history(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn deleting_a_project_removes_its_rules_states_and_history_on_postgres() {
    on_postgres(deleting_a_project_removes_its_rules_states_and_history).await;
}

/// A bare `DELETE` of the project row (as an operator might run): the
/// cascades alone clear rules, their states (through the rules) and the
/// history.
async fn the_foreign_keys_alone_cascade_to_the_alert_tables(url: String) {
    let (repos, raw) = open(&url).await;
    let (doomed, kept) = (seeded(&repos).await, seeded(&repos).await);
    let backend = raw.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "DELETE FROM projects WHERE id = $1",
        _ => "DELETE FROM projects WHERE id = ?",
    };
    let delete = Statement::from_sql_and_values(backend, sql, [doomed.id.get().into()]);
    raw.execute_raw(delete).await.unwrap();
    assert_eq!(counts(&raw, &doomed).await, [0, 0, 0]);
    assert_eq!(counts(&raw, &kept).await, [2, 2, 3]);
    assert_eq!(count(&raw, "alert_rule_states").await, 2, "no orphaned state");
}

#[tokio::test]
async fn the_foreign_keys_alone_cascade_to_the_alert_tables_on_sqlite() {
    let (_dir, url) = sqlite_url();
    the_foreign_keys_alone_cascade_to_the_alert_tables(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn the_foreign_keys_alone_cascade_to_the_alert_tables_on_postgres() {
    on_postgres(the_foreign_keys_alone_cascade_to_the_alert_tables).await;
}
