//! The alert schema steps: applied once on a fresh database, never again
//! (several servers may open one database at once), and what they created
//! survives a reopen.

use futures_util::future::join_all;

use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, event, stored_project, stored_rule};

const STEPS: [&str; 2] = ["m20261127_000005_create_alerts", "m20261127_000006_index_logs_by_source"];

async fn the_alert_migrations_run_once_and_keep_their_data(url: String) {
    let first = orion_storage::migrate(&url).await.unwrap();
    assert!(STEPS.iter().all(|step| first.applied.iter().any(|a| a == step)), "{:?}", first.applied);

    let repos = orion_storage::connect(&url).await.unwrap();
    let project = stored_project(&repos).await;
    let rule = stored_rule(&repos, project.id).await;
    let fired = event(&rule, at(5));
    repos.alert_events.insert(&fired).await.unwrap();

    // Reopening concurrently, then migrating again, applies nothing.
    for opened in join_all((0..3).map(|_| orion_storage::connect(&url))).await {
        opened.unwrap();
    }
    let again = orion_storage::migrate(&url).await.unwrap();
    assert!(again.applied.is_empty(), "{:?}", again.applied);
    let reopened = orion_storage::connect(&url).await.unwrap();
    assert_eq!(reopened.alert_rules.find(project.id, rule.id).await.unwrap(), Some(rule));
    assert_eq!(reopened.alert_events.list(project.id, 5).await.unwrap(), [fired]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alert_migrations_run_once_and_keep_their_data_on_sqlite() {
    let (_dir, url) = sqlite_url();
    the_alert_migrations_run_once_and_keep_their_data(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alert_migrations_run_once_and_keep_their_data_on_postgres() {
    on_postgres(the_alert_migrations_run_once_and_keep_their_data).await;
}
