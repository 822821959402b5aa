//! The rule state's compare-and-set: one conditional `UPDATE`, so racing
//! evaluations (several servers sharing one PostgreSQL) have exactly one
//! winner, and an update of the rule invalidates an evaluation in flight.

use std::sync::Arc;

use orion_core::model::alert::{AlertRule, RuleState};
use orion_core::repo::AlertRuleRepository;
use orion_core::{Repos, RepositoryError};

use crate::agents::open;
use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{at, rule, stored_project, stored_rule};

/// A firing state evaluated at `at(ms)`.
fn evaluated(ms: i64) -> RuleState {
    RuleState {
        firing: true,
        since: Some(at(0)),
        last_notified_at: Some(at(ms)),
        last_value: Some(ms as f64),
        evaluated_at: Some(at(ms)),
    }
}

/// The stored state of the only enabled rule `repos` holds.
async fn stored_state(repos: &Repos) -> RuleState {
    let enabled = repos.alert_rules.list_enabled().await.unwrap();
    assert_eq!(enabled.len(), 1);
    enabled[0].1.clone()
}

/// Each round, several savers expecting the same `evaluated_at` race; one
/// saves and the others see its write, round after round.
async fn racing_saves_with_the_same_expectation_have_exactly_one_winner(url: String) {
    const RACERS: i64 = 6;
    let (repos, _raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let id = stored_rule(&repos, project.id).await.id;
    let mut expected = None;
    for round in 0..8 {
        let savers = (0..RACERS).map(|racer| {
            let rules: Arc<dyn AlertRuleRepository> = repos.alert_rules.clone();
            let state = evaluated(1_000 * (round + 1) + racer);
            tokio::spawn(async move { (rules.save_state(id, expected, &state).await.unwrap(), state) })
        });
        let outcomes: Vec<(bool, RuleState)> =
            futures_util::future::join_all(savers).await.into_iter().map(Result::unwrap).collect();
        let winners: Vec<&RuleState> = outcomes.iter().filter(|(won, _)| *won).map(|(_, s)| s).collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        assert_eq!(&stored_state(&repos).await, winners[0], "round {round}: the winner's state is stored");
        expected = winners[0].evaluated_at;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_saves_with_the_same_expectation_have_exactly_one_winner_on_sqlite() {
    let (_dir, url) = sqlite_url();
    racing_saves_with_the_same_expectation_have_exactly_one_winner(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_saves_with_the_same_expectation_have_exactly_one_winner_on_postgres() {
    on_postgres(racing_saves_with_the_same_expectation_have_exactly_one_winner).await;
}

/// `expected: None` matches only a never-evaluated state (SQL's `= NULL`
/// would match nothing, and a missing `IS NULL` would match everything);
/// an expectation below the stored microsecond does not match it.
async fn the_expectation_is_compared_null_safely_and_to_the_microsecond(url: String) {
    let (repos, _raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let id = stored_rule(&repos, project.id).await.id;
    assert!(repos.alert_rules.save_state(id, None, &evaluated(1_000)).await.unwrap());
    assert!(!repos.alert_rules.save_state(id, None, &evaluated(2_000)).await.unwrap(), "no longer NULL");
    let off_by_a_micro = at(1_000) - chrono::Duration::microseconds(1);
    assert!(!repos.alert_rules.save_state(id, Some(off_by_a_micro), &evaluated(2_000)).await.unwrap());
    // Nanoseconds below the stored precision do not make a difference.
    let same_micro = at(1_000) + chrono::Duration::nanoseconds(300);
    assert!(repos.alert_rules.save_state(id, Some(same_micro), &evaluated(2_000)).await.unwrap());
    assert_eq!(stored_state(&repos).await, evaluated(2_000));
}

#[tokio::test]
async fn the_expectation_is_compared_null_safely_and_to_the_microsecond_on_sqlite() {
    let (_dir, url) = sqlite_url();
    the_expectation_is_compared_null_safely_and_to_the_microsecond(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn the_expectation_is_compared_null_safely_and_to_the_microsecond_on_postgres() {
    on_postgres(the_expectation_is_compared_null_safely_and_to_the_microsecond).await;
}

/// An evaluation that read the state before the owner changed the rule
/// must not write that old state over the reset one.
async fn an_update_resets_the_state_and_fails_an_evaluation_in_flight(url: String) {
    let (repos, _raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let mut changed = stored_rule(&repos, project.id).await;
    let id = changed.id;
    assert!(repos.alert_rules.save_state(id, None, &evaluated(1_000)).await.unwrap());
    changed.name = "Renamed".into();
    changed.updated_at = at(5_000);
    repos.alert_rules.update(&changed).await.unwrap();
    assert_eq!(stored_state(&repos).await, RuleState::default());
    assert!(!repos.alert_rules.save_state(id, Some(at(1_000)), &evaluated(2_000)).await.unwrap());
    assert_eq!(repos.alert_rules.list_enabled().await.unwrap()[0].0, changed);
}

#[tokio::test]
async fn an_update_resets_the_state_and_fails_an_evaluation_in_flight_on_sqlite() {
    let (_dir, url) = sqlite_url();
    an_update_resets_the_state_and_fails_an_evaluation_in_flight(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn an_update_resets_the_state_and_fails_an_evaluation_in_flight_on_postgres() {
    on_postgres(an_update_resets_the_state_and_fails_an_evaluation_in_flight).await;
}

/// A reused rule id is a `Conflict` that writes nothing: the first rule
/// keeps its state, and no second state row appears.
async fn a_reused_rule_id_conflicts_and_leaves_the_first_state_alone(url: String) {
    let (repos, raw) = open(&url).await;
    let project = stored_project(&repos).await;
    let first = stored_rule(&repos, project.id).await;
    assert!(repos.alert_rules.save_state(first.id, None, &evaluated(1_000)).await.unwrap());
    let reused = AlertRule { id: first.id, name: "Copy".into(), ..rule(project.id) };
    let failed = repos.alert_rules.insert(&reused).await;
    assert!(matches!(failed, Err(RepositoryError::Conflict(_))), "{failed:?}");
    assert_eq!(super::count(&raw, "alert_rule_states").await, 1);
    assert_eq!(stored_state(&repos).await, evaluated(1_000));
    assert_eq!(repos.alert_rules.find(project.id, first.id).await.unwrap(), Some(first));
}

#[tokio::test]
async fn a_reused_rule_id_conflicts_and_leaves_the_first_state_alone_on_sqlite() {
    let (_dir, url) = sqlite_url();
    a_reused_rule_id_conflicts_and_leaves_the_first_state_alone(url).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn a_reused_rule_id_conflicts_and_leaves_the_first_state_alone_on_postgres() {
    on_postgres(a_reused_rule_id_conflicts_and_leaves_the_first_state_alone).await;
}
