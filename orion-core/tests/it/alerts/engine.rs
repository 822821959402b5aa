//! The engine over time: a rule fires once when its condition starts
//! holding, stays quiet while it keeps holding, repeats after its repeat
//! interval, resolves when it stops; every transition lands in the history
//! with its value and each channel's outcome, and a failing channel never
//! stops the others.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use orion_core::Repos;
use orion_core::error::RepoResult;
use orion_core::model::alert::{AlertEventKind, AlertRule, Channel, Decision, Delivery, RuleState};
use orion_core::model::{AlertEventId, Command, ProjectId, RuleId};
use orion_core::port::NotificationKind;
use orion_core::repo::AlertRuleRepository;
use orion_core::service::RuleInput;
use orion_testkit::builders::{rule_input, test_orion_notifying};

use super::{BROKEN, BROKEN_ERROR, HOOK, fixture, test_notifier};

fn delivered(channel: &str) -> Delivery {
    Delivery { channel: channel.into(), ok: true, error: None }
}

fn broken() -> Delivery {
    Delivery { channel: BROKEN.into(), ok: false, error: Some(BROKEN_ERROR.into()) }
}

#[tokio::test]
async fn error_count_fires_once_repeats_after_the_interval_and_resolves_when_the_window_empties() {
    let f = fixture().await;
    let t0 = f.now();
    let input = RuleInput {
        window_minutes: Some(30),
        repeat_minutes: Some(20),
        ..rule_input("errors", "error_count >= 3", &["email", HOOK, BROKEN])
    };
    let rule = f.rule(input).await;

    // Two errors and noise below `error`: not yet.
    f.logs(2, "error", t0, None).await;
    f.logs(4, "warn", t0, None).await;
    f.logs(5, "info", t0, None).await;
    f.advance(Duration::seconds(1));
    let first = f.evaluate_rule(&rule).await;
    assert_eq!((first.value, first.decision), (Some(2.0), Decision::Quiet));
    assert!(f.notifier.take().is_empty());

    // A fatal is at `error` or above: the third error fires the rule.
    f.logs(1, "fatal", t0 + Duration::seconds(1), None).await;
    f.advance(Duration::seconds(1));
    let fired_at = f.now();
    let fire = f.evaluate_rule(&rule).await;
    assert_eq!((fire.value, fire.decision), (Some(3.0), Decision::Fire));
    let sent = f.notifier.take();
    let channels: Vec<Channel> = sent.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(
        channels,
        [
            Channel::Email("ada@example.com".into()),
            Channel::parse(HOOK).unwrap(),
            Channel::parse(BROKEN).unwrap()
        ],
        "every channel, in order, the owner's email resolved, the broken one tried too"
    );
    let notification = &sent[0].1;
    assert!(sent.iter().all(|(_, n)| n == notification), "one message for all channels");
    assert_eq!(notification.kind, NotificationKind::Firing);
    assert_eq!((notification.project.as_str(), notification.rule.as_str()), ("shop", "errors"));
    assert_eq!(notification.condition, "error_count >= 3");
    assert_eq!((notification.value, notification.window_minutes, notification.at), (Some(3.0), 30, fired_at));

    // Same instant, then a minute later: still holding, already notified.
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet);
    f.advance(Duration::minutes(1));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet);
    f.clock.set(fired_at + Duration::minutes(20) - Duration::milliseconds(1));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet, "a millisecond before the repeat");
    assert!(f.notifier.take().is_empty());

    f.advance(Duration::milliseconds(1));
    let repeated_at = f.now();
    let repeat = f.evaluate_rule(&rule).await;
    assert_eq!((repeat.value, repeat.decision), (Some(3.0), Decision::Repeat));
    let sent = f.notifier.take();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|(_, n)| n.kind == NotificationKind::Repeat && n.at == repeated_at));

    // The two errors at t0 leave the 30-minute window a millisecond after
    // t0 + 30 min; the fatal at t0 + 1 s is still in it.
    f.clock.set(t0 + Duration::minutes(30));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet, "t0 is still in [now - 30 min, now)");
    f.notifier.take();
    f.advance(Duration::milliseconds(1));
    let resolved_at = f.now();
    let resolve = f.evaluate_rule(&rule).await;
    assert_eq!((resolve.value, resolve.decision), (Some(1.0), Decision::Resolve));
    let sent = f.notifier.take();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|(_, n)| n.kind == NotificationKind::Resolved && n.value == Some(1.0)));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet, "resolved once");
    assert!(f.notifier.take().is_empty());

    let history: Vec<_> = f.events().await.into_iter().map(|e| (e.kind, e.value, e.at)).collect();
    assert_eq!(
        history,
        [
            (AlertEventKind::Resolved, 1.0, resolved_at),
            (AlertEventKind::Repeat, 3.0, repeated_at),
            (AlertEventKind::Firing, 3.0, fired_at),
        ]
    );
    for event in f.events().await {
        assert_eq!((event.rule_id, event.rule_name.as_str()), (rule.id, "errors"));
        assert_eq!((event.condition.as_str(), event.window_minutes), ("error_count >= 3", 30));
        assert_eq!(event.deliveries, [delivered("email"), delivered(HOOK), broken()]);
    }
}

#[tokio::test]
async fn a_rule_that_holds_again_after_resolving_fires_again() {
    let f = fixture().await;
    let rule = f.rule(rule_input("any error", "error_count > 0", &[HOOK])).await;
    for round in 0..3 {
        f.logs(1, "error", f.now(), None).await;
        f.advance(Duration::seconds(1));
        assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire, "round {round}");
        f.advance(Duration::minutes(5));
        assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Resolve, "round {round}");
    }
    let kinds: Vec<_> = f.events().await.into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds.len(), 6);
    assert!(kinds.chunks(2).all(|c| c == [AlertEventKind::Resolved, AlertEventKind::Firing]), "{kinds:?}");
}

#[tokio::test]
async fn every_channel_failing_is_recorded_and_the_engine_carries_on() {
    let f = fixture().await;
    let broken_only = f.rule(rule_input("broken", "log_count >= 1", &[BROKEN])).await;
    let healthy = f.rule(rule_input("healthy", "log_count >= 1", &[HOOK])).await;
    f.logs(1, "info", f.now(), None).await;
    f.advance(Duration::seconds(1));

    let evaluations = f.evaluate().await;
    assert_eq!(evaluations.len(), 2);
    assert!(evaluations.iter().all(|e| e.decision == Decision::Fire), "{evaluations:?}");
    let events = f.events().await;
    let deliveries = |id| events.iter().find(|e| e.rule_id == id).expect("an event").deliveries.clone();
    assert_eq!(deliveries(broken_only.id), [broken()]);
    assert_eq!(deliveries(healthy.id), [delivered(HOOK)]);
    // A failed delivery is not retried by the next run: the firing stands.
    assert_eq!(f.evaluate_rule(&broken_only).await.decision, Decision::Quiet);
}

#[tokio::test]
async fn disabled_rules_are_not_evaluated() {
    let f = fixture().await;
    let off = RuleInput { enabled: Some(false), ..rule_input("off", "log_count >= 0", &[HOOK]) };
    let off = f.rule(off).await;
    let on = f.rule(rule_input("on", "log_count >= 0", &[HOOK])).await;
    let evaluations = f.evaluate().await;
    assert_eq!(evaluations.iter().map(|e| e.rule_id).collect::<Vec<_>>(), [on.id]);
    assert!(f.events().await.iter().all(|e| e.rule_id != off.id));
    assert_eq!(f.notifier.take().len(), 1);
}

#[tokio::test]
async fn no_heartbeats_in_the_window_is_no_data_and_never_fires() {
    let f = fixture().await;
    // Every comparison a value could satisfy: none may fire without data.
    for condition in ["cpu_percent >= 0", "ram_percent < 1000", "disk_percent == 0", "cpu_percent != 5"] {
        f.rule(rule_input(condition, condition, &[HOOK])).await;
    }
    for evaluation in f.evaluate().await {
        assert_eq!((evaluation.value, evaluation.decision), (None, Decision::Quiet));
    }
    assert!(f.events().await.is_empty());
}

#[tokio::test]
async fn a_firing_heartbeat_rule_resolves_when_its_data_runs_out() {
    let f = fixture().await;
    let rule = f.rule(rule_input("hot", "cpu_percent > 50", &[HOOK])).await;
    f.heartbeat(&f.agent, f.now(), 90.0, (1, 2), (1, 2)).await;
    f.advance(Duration::seconds(1));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
    f.advance(Duration::minutes(5));
    let resolve = f.evaluate_rule(&rule).await;
    assert_eq!((resolve.value, resolve.decision), (None, Decision::Resolve));
    assert_eq!(f.events().await[0].value, 0.0, "no value is recorded as 0");
}

/// Alert rules that yield to the scheduler after listing, so two
/// evaluation runs polled together both read the state before either saves.
struct YieldAfterListing(Arc<dyn AlertRuleRepository>);

#[async_trait]
impl AlertRuleRepository for YieldAfterListing {
    async fn insert(&self, rule: &AlertRule) -> RepoResult<()> {
        self.0.insert(rule).await
    }
    async fn update(&self, rule: &AlertRule) -> RepoResult<()> {
        self.0.update(rule).await
    }
    async fn delete(&self, project: ProjectId, id: RuleId) -> RepoResult<()> {
        self.0.delete(project, id).await
    }
    async fn find(&self, project: ProjectId, id: RuleId) -> RepoResult<Option<AlertRule>> {
        self.0.find(project, id).await
    }
    async fn list(&self, project: ProjectId) -> RepoResult<Vec<AlertRule>> {
        self.0.list(project).await
    }
    async fn list_enabled(&self) -> RepoResult<Vec<(AlertRule, RuleState)>> {
        let listed = self.0.list_enabled().await;
        tokio::task::yield_now().await;
        listed
    }
    async fn save_state(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
    ) -> RepoResult<bool> {
        self.0.save_state(id, expected, state).await
    }
    async fn save_state_and_queue(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
        event: AlertEventId,
        commands: &[Command],
    ) -> RepoResult<bool> {
        self.0.save_state_and_queue(id, expected, state, event, commands).await
    }
}

#[tokio::test]
async fn two_servers_evaluating_the_same_rule_at_once_notify_once() {
    let f = fixture().await;
    let rule = f.rule(rule_input("errors", "error_count >= 1", &[HOOK])).await;
    let repos =
        Repos { alert_rules: Arc::new(YieldAfterListing(f.repos.alert_rules.clone())), ..f.repos.clone() };
    let notifiers = [test_notifier(), test_notifier()];
    let [a, b] = notifiers.clone().map(|n| test_orion_notifying(repos.clone(), f.clock.clone(), n));
    f.logs(1, "error", f.now(), None).await;
    f.advance(Duration::seconds(1));

    let (ran_a, ran_b) = tokio::join!(a.alerts().evaluate_all(), b.alerts().evaluate_all());
    let decisions = [ran_a.unwrap()[0].decision, ran_b.unwrap()[0].decision];
    assert!(decisions.contains(&Decision::Fire) && decisions.contains(&Decision::Quiet), "{decisions:?}");
    assert_eq!(notifiers.iter().map(|n| n.take().len()).sum::<usize>(), 1, "one notification in all");
    let events = f.events().await;
    assert_eq!((events.len(), events[0].rule_id), (1, rule.id));
}
