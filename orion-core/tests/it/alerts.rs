//! AlertService: the condition language, the pure decision, the engine's
//! fire → repeat → resolve sequences driven by a fake clock, every metric,
//! the window edges and narrowing, rule management and test sends.
//!
//! Notifications go to a [`RecordingNotifier`] (see [`test_notifier`]),
//! which records every call and fails on purpose for the [`BROKEN`]
//! channel.

mod actions;
mod crash_context;
mod decide;
mod engine;
mod filters;
mod metrics;
mod parser;
mod preview;
mod rules;
mod silences;
mod test_send;
mod windows;

use std::sync::Arc;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use orion_core::model::Project;
use orion_core::model::alert::{AlertEvent, AlertRule, Channel};
use orion_core::port::{Clock, DeliveryError};
use orion_core::service::{AlertInput, Evaluation, HeartbeatInput, LogInput, Principal, RuleInput};
use orion_core::{Orion, Repos, ServiceError};
use orion_testkit::builders::{
    TestUser, create_api_token, create_project, log_input, metrics, register_agent, register_user,
    test_orion_notifying, token_principal,
};
use orion_testkit::{FakeClock, InMemoryRepos, RecordingNotifier};

/// A webhook [`test_notifier`] delivers.
const HOOK: &str = "webhook:https://hooks.example.com/ok";
/// A webhook [`test_notifier`] always fails to deliver, with [`BROKEN_ERROR`].
const BROKEN: &str = "webhook:https://hooks.example.com/broken";
/// Why [`BROKEN`] fails.
const BROKEN_ERROR: &str = "POST to https://hooks.example.com failed: HTTP 502 Bad Gateway";

/// A notifier that records every send and fails for [`BROKEN`] with
/// [`BROKEN_ERROR`].
fn test_notifier() -> Arc<RecordingNotifier> {
    let notifier = Arc::new(RecordingNotifier::new());
    let broken = Channel::parse(BROKEN).expect("a valid channel");
    notifier.fail_for(
        broken,
        DeliveryError::Post {
            target: "https://hooks.example.com".into(),
            problem: "HTTP 502 Bad Gateway".into(),
            attempts: 1,
        },
    );
    notifier
}

/// Ada (ada@example.com) owns project `shop`, has a `logs:write` API token
/// (`ingest`) and an agent on server `web-1` that has not sent anything yet.
struct Fixture {
    repos: Repos,
    orion: Orion,
    clock: FakeClock,
    notifier: Arc<RecordingNotifier>,
    owner: TestUser,
    project: Project,
    ingest: Principal,
    agent: Principal,
}

async fn fixture() -> Fixture {
    let clock = FakeClock::default();
    let notifier = test_notifier();
    let repos = InMemoryRepos::new();
    let orion = test_orion_notifying(repos.clone(), clock.clone(), notifier.clone());
    let owner = register_user(&orion, "ada").await;
    let project = create_project(&orion, &owner.principal, "shop").await;
    let issued = create_api_token(&orion, &owner.principal, "shop", &["logs:write"]).await;
    let ingest = token_principal(&orion, &issued).await;
    let (_, agent) = register_agent(&orion, &owner.principal, "shop", "web-1").await;
    Fixture { repos, orion, clock, notifier, owner, project, ingest, agent }
}

/// RFC 3339 with milliseconds, as clients send it.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Fixture {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Creates a rule in `shop`.
    async fn rule(&self, input: RuleInput) -> AlertRule {
        self.orion.alerts().create_rule(&self.owner.principal, "shop", input).await.expect("create rule")
    }

    /// Ingests `count` entries at `level`, stamped `at`, from `source`.
    async fn logs(&self, count: usize, level: &str, at: DateTime<Utc>, source: Option<&str>) {
        let input = LogInput {
            level: Some(level.into()),
            timestamp: Some(rfc3339(at)),
            source: source.map(str::to_owned),
            ..log_input("something happened")
        };
        let stored = self.orion.logs().ingest(&self.ingest, vec![input; count]).await.expect("ingest");
        assert_eq!(stored, count);
    }

    /// A heartbeat of `agent`'s server taken at `at`, with these figures.
    async fn heartbeat(
        &self,
        agent: &Principal,
        at: DateTime<Utc>,
        cpu: f64,
        ram: (u64, u64),
        disk: (u64, u64),
    ) {
        let usage = |(used, total): (u64, u64)| orion_core::model::Usage {
            used: Some(used as f64),
            total: Some(total as f64),
            percent: None,
        };
        let metrics = orion_core::model::Metrics {
            cpu_percent: Some(cpu),
            ram: usage(ram),
            disk: usage(disk),
            ..metrics()
        };
        let input = HeartbeatInput { timestamp: Some(rfc3339(at)), metrics, ..HeartbeatInput::default() };
        self.orion.agents().heartbeat(agent, input).await.expect("heartbeat");
    }

    /// An incident reported with `principal`'s token, stamped `at`.
    async fn incident(&self, principal: &Principal, at: DateTime<Utc>) {
        let input = AlertInput {
            event: "script_crash".into(),
            message: "api exited with code 1".into(),
            script_name: Some("api".into()),
            timestamp: Some(rfc3339(at)),
            context: None,
        };
        self.orion.agents().alert(principal, input).await.expect("incident");
    }

    /// Another agent in `shop`.
    async fn agent(&self, server_id: &str) -> Principal {
        register_agent(&self.orion, &self.owner.principal, "shop", server_id).await.1
    }

    /// One evaluation run.
    async fn evaluate(&self) -> Vec<Evaluation> {
        self.orion.alerts().evaluate_all().await.expect("evaluate_all")
    }

    /// One evaluation run; `rule`'s outcome in it.
    async fn evaluate_rule(&self, rule: &AlertRule) -> Evaluation {
        let evaluations = self.evaluate().await;
        evaluations.into_iter().find(|e| e.rule_id == rule.id).expect("the rule was evaluated")
    }

    /// The project's history, newest first.
    async fn events(&self) -> Vec<AlertEvent> {
        self.orion.alerts().events(&self.owner.principal, "shop", 100).await.expect("events")
    }
}

/// `(field, message)` of every error of a `Validation`; panics on anything else.
#[track_caller]
fn validation<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> Vec<(String, String)> {
    match result {
        Err(ServiceError::Validation(errors)) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}
