//! Contract of [`AlertRuleRepository`](orion_core::repo::AlertRuleRepository)
//! and [`AlertEventRepository`](orion_core::repo::AlertEventRepository):
//! rules round-trip, each rule has a state that starts quiet and only moves
//! by compare-and-set, the history outlives its rule, and a project's
//! deletion takes all of it.
//!
//! `list_enabled` spans every project of a database other checks share, so
//! its checks look only at the rules they made.

use chrono::{DateTime, Duration, Utc};
use orion_core::Repos;
use orion_core::model::alert::{
    AlertEvent, AlertEventKind, AlertRule, Channel, Condition, Delivery, Metric, Op, RuleAction, RuleState,
};
use orion_core::model::{AlertEventId, CommandKind, ProjectId, RuleId, ServerId};

use super::{assert_not_found, at, random, stored_project};

/// A rule of `project` with every optional part set: a fractional
/// threshold, channels of each kind in a deliberate (unsorted) order, a
/// source and a server narrowing, and non-default window and repeat.
pub(super) fn rule(project: ProjectId, created_at: DateTime<Utc>) -> AlertRule {
    AlertRule {
        id: RuleId(crate::fresh_id()),
        project_id: project,
        name: format!("Errors on checkout ✗ {}", random(6)),
        condition: Condition { metric: Metric::ErrorPercent, op: Op::Ge, threshold: 12.5 },
        window_minutes: 15,
        channels: vec![
            Channel::Slack("https://hooks.slack.example.com/services/T0/B0/x".into()),
            Channel::OwnerEmail,
            Channel::Webhook("http://127.0.0.1:9/hook?token=abc&x=1".into()),
            Channel::Email("oncall@example.com".into()),
            Channel::Discord("https://discord.example.com/api/webhooks/1/a".into()),
        ],
        enabled: true,
        source: Some("checkout-api".into()),
        filter: Some(r#"level>=warn -"health check" meta.path="/a b" tag:ünï"#.into()),
        server_id: Some(ServerId::parse("web-1.eu:node_2").expect("valid server id")),
        repeat_minutes: 240,
        actions: vec![
            RuleAction {
                kind: CommandKind::Restart,
                server_id: ServerId::parse("web-1.eu:node_2").expect("valid server id"),
                script_name: "api «v2»".into(),
            },
            RuleAction {
                kind: CommandKind::Stop,
                server_id: ServerId::parse("db-1").expect("valid server id"),
                script_name: "worker".into(),
            },
        ],
        created_at,
        updated_at: created_at + Duration::milliseconds(5),
    }
}

/// The simplest rule: no narrowing, one channel, an integer threshold.
fn bare_rule(project: ProjectId, created_at: DateTime<Utc>) -> AlertRule {
    AlertRule {
        name: format!("bare {}", random(6)),
        condition: Condition { metric: Metric::ErrorCount, op: Op::Gt, threshold: -3.0 },
        window_minutes: 1,
        channels: vec![Channel::OwnerEmail],
        source: None,
        filter: None,
        server_id: None,
        repeat_minutes: 60,
        actions: Vec::new(),
        ..rule(project, created_at)
    }
}

/// A state that differs from the default in every field, with odd
/// milliseconds and a non-binary fraction.
fn busy_state(evaluated_at: DateTime<Utc>) -> RuleState {
    RuleState {
        firing: true,
        since: Some(evaluated_at - Duration::milliseconds(90_001)),
        last_notified_at: Some(evaluated_at - Duration::milliseconds(30_007)),
        last_value: Some(33.333_333_333_333_336),
        evaluated_at: Some(evaluated_at),
    }
}

/// An event of `rule` at `at`, with a successful and a failed delivery.
pub(super) fn event(rule: &AlertRule, kind: AlertEventKind, at: DateTime<Utc>) -> AlertEvent {
    AlertEvent {
        id: AlertEventId(crate::fresh_id()),
        project_id: rule.project_id,
        rule_id: rule.id,
        rule_name: rule.name.clone(),
        condition: rule.condition.to_string(),
        kind,
        value: 17.25,
        window_minutes: rule.window_minutes,
        at,
        deliveries: vec![
            Delivery { channel: "email".into(), ok: true, error: None },
            Delivery {
                channel: "webhook:http://127.0.0.1:9/hook".into(),
                ok: false,
                error: Some("connection refused «after 2 tries»".into()),
            },
        ],
        silenced: false,
        actions: Vec::new(),
    }
}

/// The state `list_enabled` pairs with rule `id`, if it lists it.
async fn state_of(repos: &Repos, id: RuleId) -> Option<RuleState> {
    let enabled = repos.alert_rules.list_enabled().await.expect("list_enabled");
    enabled.into_iter().find(|(r, _)| r.id == id).map(|(_, s)| s)
}

async fn stored_rule(repos: &Repos, rule: AlertRule) -> AlertRule {
    repos.alert_rules.insert(&rule).await.expect("insert rule");
    rule
}

/// A full rule and a bare one come back exactly from `find` and `list`
/// (oldest first, channels in their order); nothing leaks to another
/// project.
pub async fn a_rule_round_trips_with_its_condition_channels_and_narrowing(repos: &Repos) {
    let project = stored_project(repos).await;
    let bare = stored_rule(repos, bare_rule(project.id, at(2_000))).await;
    let full = stored_rule(repos, rule(project.id, at(1_000))).await;

    assert_eq!(repos.alert_rules.find(project.id, full.id).await.expect("find"), Some(full.clone()));
    assert_eq!(repos.alert_rules.find(project.id, bare.id).await.expect("find"), Some(bare.clone()));
    assert_eq!(repos.alert_rules.list(project.id).await.expect("list"), [full.clone(), bare]);

    let other = stored_project(repos).await;
    assert_eq!(repos.alert_rules.find(other.id, full.id).await.expect("find"), None);
    assert!(repos.alert_rules.list(other.id).await.expect("list").is_empty());
    assert_eq!(repos.alert_rules.find(project.id, RuleId(crate::fresh_id())).await.expect("find"), None);
}

/// `insert` gives the rule a default state: not firing, never evaluated.
pub async fn a_new_rule_starts_with_a_quiet_state(repos: &Repos) {
    let project = stored_project(repos).await;
    let rule = stored_rule(repos, rule(project.id, at(0))).await;
    assert_eq!(state_of(repos, rule.id).await, Some(RuleState::default()));
}

/// `update` replaces every field, resets the state to the default, and is
/// `NotFound` for a missing rule or through another project.
pub async fn updating_a_rule_replaces_it_and_resets_its_state(repos: &Repos) {
    let project = stored_project(repos).await;
    let original = stored_rule(repos, rule(project.id, at(0))).await;
    assert!(repos.alert_rules.save_state(original.id, None, &busy_state(at(60_000))).await.expect("save"));

    let changed = AlertRule {
        name: "renamed".into(),
        condition: Condition { metric: Metric::OfflineServers, op: Op::Ne, threshold: 0.0 },
        window_minutes: 1_440,
        channels: vec![Channel::Discord("https://discord.example.com/api/webhooks/2/b".into())],
        source: None,
        filter: None,
        server_id: None,
        repeat_minutes: 1,
        updated_at: at(90_000),
        ..original.clone()
    };
    repos.alert_rules.update(&changed).await.expect("update");
    assert_eq!(repos.alert_rules.find(project.id, original.id).await.expect("find"), Some(changed.clone()));
    assert_eq!(state_of(repos, original.id).await, Some(RuleState::default()), "update resets the state");

    let other = stored_project(repos).await;
    assert_not_found(repos.alert_rules.update(&AlertRule { project_id: other.id, ..changed.clone() }).await);
    assert_not_found(
        repos.alert_rules.update(&AlertRule { id: RuleId(crate::fresh_id()), ..changed.clone() }).await,
    );
    assert_eq!(repos.alert_rules.find(project.id, original.id).await.expect("find"), Some(changed));
}

/// `delete` removes the rule and its state (a later `save_state` is
/// `false`), keeps its events, and is `NotFound` the second time or
/// through another project.
pub async fn deleting_a_rule_removes_it_and_its_state_but_keeps_its_history(repos: &Repos) {
    let project = stored_project(repos).await;
    let rule = stored_rule(repos, rule(project.id, at(0))).await;
    let fired = event(&rule, AlertEventKind::Firing, at(1_000));
    repos.alert_events.insert(&fired).await.expect("insert event");

    let other = stored_project(repos).await;
    assert_not_found(repos.alert_rules.delete(other.id, rule.id).await);
    assert!(repos.alert_rules.find(project.id, rule.id).await.expect("find").is_some());

    repos.alert_rules.delete(project.id, rule.id).await.expect("delete");
    assert_eq!(repos.alert_rules.find(project.id, rule.id).await.expect("find"), None);
    assert!(repos.alert_rules.list(project.id).await.expect("list").is_empty());
    assert_eq!(state_of(repos, rule.id).await, None);
    assert!(!repos.alert_rules.save_state(rule.id, None, &busy_state(at(2_000))).await.expect("save"));
    assert_not_found(repos.alert_rules.delete(project.id, rule.id).await);

    assert_eq!(repos.alert_events.list(project.id, 10).await.expect("events"), [fired]);
}

/// `list_enabled` spans projects, skips disabled rules, and pairs each rule
/// with its own state.
pub async fn list_enabled_holds_every_projects_enabled_rules_with_their_own_state(repos: &Repos) {
    let (a, b) = (stored_project(repos).await, stored_project(repos).await);
    let on_a = stored_rule(repos, rule(a.id, at(0))).await;
    let on_b = stored_rule(repos, bare_rule(b.id, at(0))).await;
    let off = stored_rule(repos, AlertRule { enabled: false, ..rule(a.id, at(0)) }).await;
    let busy = busy_state(at(5_000));
    assert!(repos.alert_rules.save_state(on_b.id, None, &busy).await.expect("save"));

    let ours: Vec<(AlertRule, RuleState)> = repos
        .alert_rules
        .list_enabled()
        .await
        .expect("list_enabled")
        .into_iter()
        .filter(|(r, _)| [on_a.id, on_b.id, off.id].contains(&r.id))
        .collect();
    assert_eq!(ours.len(), 2, "the disabled rule is not listed: {ours:?}");
    assert!(ours.contains(&(on_a.clone(), RuleState::default())));
    assert!(ours.contains(&(on_b.clone(), busy)));

    // Re-enabling through update lists it again, with a fresh state.
    let on = AlertRule { enabled: true, ..off.clone() };
    repos.alert_rules.update(&on).await.expect("update");
    assert_eq!(state_of(repos, off.id).await, Some(RuleState::default()));
    repos.alert_rules.update(&AlertRule { enabled: false, ..on_a.clone() }).await.expect("update");
    assert_eq!(state_of(repos, on_a.id).await, None);
}

/// The first save expects `None`; each later one must name the stored
/// `evaluated_at` exactly (to the millisecond). A stale expectation saves
/// nothing. Every field of the state round-trips.
pub async fn save_state_is_a_compare_and_set_on_evaluated_at(repos: &Repos) {
    let project = stored_project(repos).await;
    let rule = stored_rule(repos, rule(project.id, at(0))).await;
    let save = |expected, state| async move { repos.alert_rules.save_state(rule.id, expected, &state).await };

    let first = busy_state(at(30_000));
    assert!(!save(Some(at(30_000)), first.clone()).await.expect("save"), "nothing was evaluated yet");
    assert_eq!(state_of(repos, rule.id).await, Some(RuleState::default()));
    assert!(save(None, first.clone()).await.expect("save"));
    assert_eq!(state_of(repos, rule.id).await, Some(first.clone()));

    let second = RuleState {
        firing: false,
        since: None,
        last_notified_at: None,
        last_value: None,
        evaluated_at: Some(at(60_000)),
    };
    assert!(!save(None, second.clone()).await.expect("save"), "stale: None is no longer current");
    let off_by_a_ms = at(30_000) + Duration::milliseconds(1);
    assert!(!save(Some(off_by_a_ms), second.clone()).await.expect("save"));
    assert_eq!(state_of(repos, rule.id).await, Some(first));
    assert!(save(Some(at(30_000)), second.clone()).await.expect("save"));
    assert_eq!(state_of(repos, rule.id).await, Some(second));
    assert!(!save(None, RuleState::default()).await.expect("save"));
    assert!(
        !repos
            .alert_rules
            .save_state(RuleId(crate::fresh_id()), None, &RuleState::default())
            .await
            .expect("save")
    );
}

/// Two servers evaluating the same rule from the same state race; exactly
/// one of them may notify.
pub async fn concurrent_save_states_with_the_same_expectation_let_exactly_one_win(repos: &Repos) {
    let project = stored_project(repos).await;
    let rule = stored_rule(repos, rule(project.id, at(0))).await;
    for round in 0..5_i64 {
        let expected = state_of(repos, rule.id).await.expect("listed").evaluated_at;
        let (a, b) = (busy_state(at(round * 1_000 + 1)), busy_state(at(round * 1_000 + 2)));
        let (won_a, won_b) = tokio::join!(
            repos.alert_rules.save_state(rule.id, expected, &a),
            repos.alert_rules.save_state(rule.id, expected, &b),
        );
        let (won_a, won_b) = (won_a.expect("save"), won_b.expect("save"));
        assert!(won_a != won_b, "exactly one save wins in round {round}: {won_a} {won_b}");
        let winner = if won_a { a } else { b };
        assert_eq!(state_of(repos, rule.id).await, Some(winner));
    }
}

/// Events come back exactly (deliveries in order, errors kept), newest
/// first by `at` then insertion, at most `limit`, only the project's own.
pub async fn events_are_listed_newest_first_with_their_deliveries(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let rule = stored_rule(repos, rule(project.id, at(0))).await;
    let foreign = stored_rule(repos, bare_rule(other.id, at(0))).await;
    let fired = event(&rule, AlertEventKind::Firing, at(1_000));
    let repeat = AlertEvent {
        deliveries: Vec::new(),
        value: 0.0,
        silenced: true,
        ..event(&rule, AlertEventKind::Repeat, at(5_000))
    };
    let resolved = AlertEvent { value: -2.5, ..event(&rule, AlertEventKind::Resolved, at(9_000)) };
    let tie = event(&rule, AlertEventKind::Firing, at(5_000));
    for e in [&fired, &resolved, &repeat, &tie] {
        repos.alert_events.insert(e).await.expect("insert event");
    }
    repos.alert_events.insert(&event(&foreign, AlertEventKind::Firing, at(7_000))).await.expect("insert");

    let listed = repos.alert_events.list(project.id, 100).await.expect("list");
    assert_eq!(listed, [resolved.clone(), tie.clone(), repeat, fired]);
    assert_eq!(repos.alert_events.list(project.id, 2).await.expect("list"), [resolved, tie]);
    assert_eq!(repos.alert_events.list(other.id, 100).await.expect("list").len(), 1);
    assert!(repos.alert_events.list(ProjectId(crate::fresh_id()), 100).await.expect("list").is_empty());
}

/// Deleting a project takes its rules, their states and its history, and
/// nothing of another project.
pub async fn deleting_a_project_removes_its_rules_states_and_history_only(repos: &Repos) {
    let (doomed, kept) = (stored_project(repos).await, stored_project(repos).await);
    let mut rules = Vec::new();
    for project in [&doomed, &kept] {
        let rule = stored_rule(repos, rule(project.id, at(0))).await;
        assert!(repos.alert_rules.save_state(rule.id, None, &busy_state(at(1_000))).await.expect("save"));
        repos.alert_events.insert(&event(&rule, AlertEventKind::Firing, at(1_000))).await.expect("event");
        rules.push(rule);
    }

    repos.projects.delete(doomed.id).await.expect("delete");

    assert!(repos.alert_rules.list(doomed.id).await.expect("list").is_empty());
    assert_eq!(state_of(repos, rules[0].id).await, None);
    assert!(repos.alert_events.list(doomed.id, 100).await.expect("events").is_empty());
    assert_eq!(repos.alert_rules.list(kept.id).await.expect("list"), [rules[1].clone()]);
    assert_eq!(state_of(repos, rules[1].id).await, Some(busy_state(at(1_000))));
    assert_eq!(repos.alert_events.list(kept.id, 100).await.expect("events").len(), 1);
}
