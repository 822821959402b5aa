//! Alerting: rule management for owners, the scheduled evaluation (metric
//! queries → pure [`decide`] → notifications → history), and test sends.

use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use tracing::instrument;

mod preview;
mod silences;

pub use preview::{
    DEFAULT_PREVIEW_RANGE, EVALUATION_STEP, MAX_PREVIEW_POINTS, MAX_PREVIEW_RANGE, Preview, PreviewInput,
    PreviewPoint,
};
pub use silences::{MAX_REASON_CHARS, MAX_SILENCE, MAX_SILENCES, SilenceInput};

use super::Deps;
use super::principal::Principal;
use super::projects::ProjectService;
use super::query::{self, QueryInput};
use crate::error::{FieldError, RepositoryError, ServiceError, ServiceResult};
use crate::model::alert::{
    ActionOutcome, AlertEvent, AlertEventKind, AlertRule, Channel, Condition, Decision, Delivery,
    MAX_ACTIONS, Metric, RuleAction, RuleState, decide,
};
use crate::model::log::{Level, LogFilter, parse_query};
use crate::model::text::bounded_text;
use crate::model::{
    AlertEventId, Command, CommandId, CommandKind, CommandStatus, Project, RuleId, ServerId, SourceName,
    Window,
};
use crate::port::notify::{CrashDetails, Notification, NotificationKind};

/// Largest window, in minutes (one day).
pub const MAX_WINDOW_MINUTES: u32 = 1_440;
/// Most channels on one rule.
pub const MAX_CHANNELS: usize = 10;
/// Largest page of history.
pub const MAX_EVENTS: u32 = 1_000;

/// A rule as a client sends it (create and full replace).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleInput {
    /// 1–100 characters.
    pub name: String,
    /// `<metric> <op> <number>`.
    pub condition: String,
    /// Default 5.
    pub window_minutes: Option<u32>,
    /// 1–10 channels.
    pub channels: Vec<String>,
    /// Default true.
    pub enabled: Option<bool>,
    /// Narrow log metrics to a source.
    pub source: Option<String>,
    /// Narrow log metrics to the entries matching this query string
    /// (`q=` syntax); empty or blank is no filter.
    pub filter: Option<String>,
    /// Narrow heartbeat, crash and offline metrics to a server.
    pub server_id: Option<String>,
    /// Default 60.
    pub repeat_minutes: Option<u32>,
    /// At most 5 commands queued when the rule fires.
    pub actions: Vec<ActionInput>,
}

/// One action of a rule as a client sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionInput {
    /// `restart`, `stop` or `start`.
    pub kind: String,
    /// A server of the project.
    pub server_id: String,
    /// The script, 1–128 characters.
    pub script_name: String,
}

/// One rule's outcome in an evaluation run.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The rule.
    pub rule_id: RuleId,
    /// The metric's value (`None`: no data in the window).
    pub value: Option<f64>,
    /// What was decided.
    pub decision: Decision,
    /// Whether a silence matched the transition (nobody was notified).
    pub silenced: bool,
}

/// Alert rules, evaluation and history.
#[derive(Debug, Clone)]
pub struct AlertService {
    deps: Arc<Deps>,
    projects: ProjectService,
}

impl AlertService {
    pub(crate) fn new(deps: Arc<Deps>, projects: ProjectService) -> Self {
        Self { deps, projects }
    }

    /// The project's rules.
    #[instrument(skip_all)]
    pub async fn list_rules(&self, principal: &Principal, project: &str) -> ServiceResult<Vec<AlertRule>> {
        let project = self.projects.owned(principal, project).await?;
        Ok(self.deps.repos.alert_rules.list(project.id).await?)
    }

    /// Creates a rule.
    #[instrument(skip_all)]
    pub async fn create_rule(
        &self,
        principal: &Principal,
        project: &str,
        input: RuleInput,
    ) -> ServiceResult<AlertRule> {
        let project = self.projects.owned(principal, project).await?;
        let now = self.deps.clock.now().trunc_subsecs(3);
        let actions = self.check_actions(&project, &input.actions).await?;
        let rule = validate(input, actions, self.deps.next_id::<RuleId>().await?, &project, now, now)?;
        self.deps.repos.alert_rules.insert(&rule).await?;
        Ok(rule)
    }

    /// Replaces a rule (its firing state starts over).
    #[instrument(skip_all)]
    pub async fn update_rule(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
        input: RuleInput,
    ) -> ServiceResult<AlertRule> {
        let (project, existing) = self.owned_rule(principal, project, id).await?;
        let now = self.deps.clock.now().trunc_subsecs(3);
        let actions = self.check_actions(&project, &input.actions).await?;
        let rule = validate(input, actions, existing.id, &project, existing.created_at, now)?;
        self.deps.repos.alert_rules.update(&rule).await.map_err(rule_not_found)?;
        Ok(rule)
    }

    /// Deletes a rule; its history stays.
    #[instrument(skip_all)]
    pub async fn delete_rule(&self, principal: &Principal, project: &str, id: &str) -> ServiceResult<()> {
        let (project, rule) = self.owned_rule(principal, project, id).await?;
        self.deps.repos.alert_rules.delete(project.id, rule.id).await.map_err(rule_not_found)
    }

    /// Sends a clearly marked test notification on every channel now and
    /// reports each outcome. Stores nothing.
    #[instrument(skip_all)]
    pub async fn test_rule(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
    ) -> ServiceResult<Vec<Delivery>> {
        let (project, rule) = self.owned_rule(principal, project, id).await?;
        let notification = Notification {
            kind: NotificationKind::Test,
            project: project.name.as_str().to_owned(),
            rule: rule.name.clone(),
            condition: rule.condition.to_string(),
            value: None,
            window_minutes: rule.window_minutes,
            at: self.deps.clock.now().trunc_subsecs(3),
            crash: None,
        };
        self.deliver(&project, &rule, &notification).await
    }

    /// The project's alert history, newest first.
    #[instrument(skip_all)]
    pub async fn events(
        &self,
        principal: &Principal,
        project: &str,
        limit: u32,
    ) -> ServiceResult<Vec<AlertEvent>> {
        let project = self.projects.owned(principal, project).await?;
        if limit == 0 || limit > MAX_EVENTS {
            return Err(ServiceError::invalid("limit", format!("must be between 1 and {MAX_EVENTS}")));
        }
        Ok(self.deps.repos.alert_events.list(project.id, limit).await?)
    }

    /// [`Self::events`] for a request's query parameters (`limit`: see
    /// [`crate::service::query`]), read once the project is found.
    #[instrument(skip_all)]
    pub async fn events_request(
        &self,
        principal: &Principal,
        project: &str,
        input: &QueryInput,
    ) -> ServiceResult<Vec<AlertEvent>> {
        let project = self.projects.owned(principal, project).await?;
        let limit = query::limit(input, MAX_EVENTS)?;
        Ok(self.deps.repos.alert_events.list(project.id, limit).await?)
    }

    /// The owner's project and its rule `id`; an unknown or malformed id is
    /// `NotFound`, like another user's project.
    pub async fn owned_rule(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
    ) -> ServiceResult<(Project, AlertRule)> {
        let project = self.projects.owned(principal, project).await?;
        let id: RuleId = id.parse().map_err(|_| ServiceError::NotFound("rule"))?;
        let rule =
            self.deps.repos.alert_rules.find(project.id, id).await?.ok_or(ServiceError::NotFound("rule"))?;
        Ok((project, rule))
    }

    /// Evaluates every enabled rule once (what the scheduler calls every
    /// interval). A failing rule or channel is logged and recorded; it never
    /// stops the others.
    #[instrument(skip_all)]
    pub async fn evaluate_all(&self) -> ServiceResult<Vec<Evaluation>> {
        let now = self.deps.clock.now().trunc_subsecs(3);
        let mut out = Vec::new();
        for (rule, state) in self.deps.repos.alert_rules.list_enabled().await? {
            match self.evaluate(&rule, &state, now).await {
                Ok(evaluation) => out.push(evaluation),
                Err(err) => tracing::warn!(rule = %rule.id, error = %err, "alert rule evaluation failed"),
            }
        }
        Ok(out)
    }

    async fn evaluate(
        &self,
        rule: &AlertRule,
        state: &RuleState,
        now: DateTime<Utc>,
    ) -> ServiceResult<Evaluation> {
        let project = self.projects.by_id(rule.project_id).await?;
        let value = self.metric(rule, now).await?;
        // No data (no heartbeats in the window) never holds.
        let holds = value.is_some_and(|v| rule.condition.holds(v));
        let mut decision = decide(state, holds, now, rule.repeat_minutes);
        // Silences are looked up only for a transition.
        let silenced = decision != Decision::Quiet
            && self.deps.repos.silences.active(project.id, now).await?.iter().any(|s| s.matches(rule, now));
        if silenced && decision == Decision::Repeat {
            // Repeats while silenced are not recorded: the rule stays quiet.
            decision = Decision::Quiet;
        }
        let mut next = RuleState { last_value: value, evaluated_at: Some(now), ..state.clone() };
        let kind = match decision {
            Decision::Quiet => None,
            Decision::Fire => {
                next.firing = true;
                next.since = Some(now);
                // A silenced firing notified nobody: the first evaluation
                // after the silence is due to notify (as a repeat).
                next.last_notified_at = (!silenced).then_some(now);
                Some(AlertEventKind::Firing)
            }
            Decision::Repeat => {
                next.last_notified_at = Some(now);
                Some(AlertEventKind::Repeat)
            }
            Decision::Resolve => {
                next.firing = false;
                next.since = None;
                next.last_notified_at = None;
                Some(AlertEventKind::Resolved)
            }
        };
        // Claim the transition first: if another server evaluated this rule
        // since we read its state, it notifies (and queues), not us. A
        // firing's commands are stored with the claim, in its transaction,
        // so a race queues them once.
        let mut event_id = None;
        let mut outcomes = Vec::new();
        let claimed = if decision == Decision::Fire && !silenced && !rule.actions.is_empty() {
            let id = self.deps.next_id::<AlertEventId>().await?;
            let mut commands = Vec::with_capacity(rule.actions.len());
            for action in &rule.actions {
                let command = Command {
                    id: self.deps.next_id::<CommandId>().await?,
                    project_id: project.id,
                    server_id: action.server_id.clone(),
                    kind: action.kind,
                    script_name: Some(action.script_name.clone()),
                    payload: serde_json::Map::new(),
                    status: CommandStatus::Pending,
                    output: None,
                    created_at: now,
                    acked_at: None,
                };
                outcomes.push(ActionOutcome {
                    command_id: command.id,
                    action: action.clone(),
                    status: CommandStatus::Pending,
                    output: None,
                });
                commands.push(command);
            }
            event_id = Some(id);
            let rules = &self.deps.repos.alert_rules;
            rules.save_state_and_queue(rule.id, state.evaluated_at, &next, id, &commands).await?
        } else {
            self.deps.repos.alert_rules.save_state(rule.id, state.evaluated_at, &next).await?
        };
        if !claimed {
            return Ok(Evaluation { rule_id: rule.id, value, decision: Decision::Quiet, silenced: false });
        }
        if let Some(kind) = kind {
            let crash = match kind {
                AlertEventKind::Firing | AlertEventKind::Repeat
                    if rule.condition.metric == Metric::CrashCount && !silenced =>
                {
                    self.latest_crash(rule, now).await?
                }
                _ => None,
            };
            let notification = Notification {
                kind: match kind {
                    AlertEventKind::Firing => NotificationKind::Firing,
                    AlertEventKind::Repeat => NotificationKind::Repeat,
                    AlertEventKind::Resolved => NotificationKind::Resolved,
                },
                project: project.name.as_str().to_owned(),
                rule: rule.name.clone(),
                condition: rule.condition.to_string(),
                value: Some(value.unwrap_or(0.0)),
                window_minutes: rule.window_minutes,
                at: now,
                crash,
            };
            let deliveries =
                if silenced { Vec::new() } else { self.deliver(&project, rule, &notification).await? };
            let id = match event_id {
                Some(id) => id,
                None => self.deps.next_id::<AlertEventId>().await?,
            };
            let event = AlertEvent {
                id,
                project_id: project.id,
                rule_id: rule.id,
                rule_name: rule.name.clone(),
                condition: rule.condition.to_string(),
                kind,
                value: value.unwrap_or(0.0),
                window_minutes: rule.window_minutes,
                at: now,
                deliveries,
                silenced,
                actions: outcomes,
            };
            self.deps.repos.alert_events.insert(&event).await?;
        }
        Ok(Evaluation { rule_id: rule.id, value, decision, silenced })
    }

    /// The newest incident of the rule's window (of its server, when it
    /// has one) that carries a crash context, for the notification.
    async fn latest_crash(
        &self,
        rule: &AlertRule,
        now: DateTime<Utc>,
    ) -> ServiceResult<Option<CrashDetails>> {
        let from = now - Duration::minutes(i64::from(rule.window_minutes));
        // 50 is within any window's limit; the error arm is unreachable.
        let window = Window::new(Some(from), Some(now), 50).map_err(|e| ServiceError::Internal(e.message))?;
        let incidents = self.deps.repos.incidents.list(rule.project_id, None, window).await?;
        Ok(incidents
            .into_iter()
            .filter(|i| rule.server_id.is_none() || i.server_id == rule.server_id)
            .find_map(|i| {
                Some(CrashDetails {
                    script_name: i.script_name,
                    server_id: i.server_id.map(|s| s.as_str().to_owned()),
                    message: i.message,
                    count: i.count,
                    context: i.context?,
                })
            }))
    }

    /// The rule's metric over `[now - window, now)`; `None` when there is
    /// nothing to average.
    async fn metric(&self, rule: &AlertRule, now: DateTime<Utc>) -> ServiceResult<Option<f64>> {
        let repos = &self.deps.repos;
        let from = now - Duration::minutes(i64::from(rule.window_minutes));
        let server = rule.server_id.as_ref();
        let metric = rule.condition.metric;
        let value = match metric {
            Metric::ErrorCount
            | Metric::ErrorRate
            | Metric::ErrorPercent
            | Metric::LogCount
            | Metric::WarnCount
            | Metric::FatalCount => {
                // The filter parsed when the rule was saved; a stored one
                // that no longer does fails this rule's evaluation only.
                let terms = match rule.filter.as_deref() {
                    Some(q) => parse_query(q).map_err(|e| ServiceError::Internal(format!("filter: {e}")))?,
                    None => Vec::new(),
                };
                let filter = LogFilter {
                    from: Some(from),
                    to: Some(now),
                    source: rule.source.clone(),
                    terms,
                    ..LogFilter::default()
                };
                let counts = repos.logs.level_counts(rule.project_id, &filter).await?;
                let count = |level: Level| counts[level.rank() as usize] as f64;
                let errors = count(Level::Error) + count(Level::Fatal);
                let total: f64 = counts.iter().map(|c| *c as f64).sum();
                match metric {
                    Metric::ErrorCount => errors,
                    Metric::ErrorRate => errors / f64::from(rule.window_minutes.max(1)),
                    Metric::ErrorPercent if total == 0.0 => 0.0,
                    Metric::ErrorPercent => errors * 100.0 / total,
                    Metric::LogCount => total,
                    Metric::WarnCount => count(Level::Warn),
                    _ => count(Level::Fatal),
                }
            }
            Metric::CrashCount => repos.incidents.count(rule.project_id, server, from, now).await? as f64,
            Metric::CpuPercent | Metric::RamPercent | Metric::DiskPercent => {
                let Some(avg) = repos.heartbeats.averages(rule.project_id, server, from, now).await? else {
                    return Ok(None);
                };
                // A window whose heartbeats never carried the figure has
                // nothing to average: the rule does not hold.
                let figure = match metric {
                    Metric::CpuPercent => avg.cpu_percent,
                    Metric::RamPercent => avg.ram_percent,
                    _ => avg.disk_percent,
                };
                let Some(figure) = figure else {
                    return Ok(None);
                };
                figure
            }
            Metric::OfflineServers => {
                let offline_after = self.deps.config.offline_after;
                let servers = repos.servers.list(rule.project_id).await?;
                servers
                    .iter()
                    .filter(|s| server.is_none_or(|id| &s.server_id == id))
                    .filter(|s| s.last_seen_at.is_none_or(|seen| now - seen >= offline_after))
                    .count() as f64
            }
        };
        Ok(Some(value))
    }

    /// A rule's actions, checked against the project's servers: at most
    /// [`MAX_ACTIONS`], each with a known type, a server of the project and
    /// a script name. The problems come back to be reported with the
    /// rule's others.
    async fn check_actions(
        &self,
        project: &Project,
        inputs: &[ActionInput],
    ) -> ServiceResult<(Vec<RuleAction>, Vec<FieldError>)> {
        let mut errors = Vec::new();
        let mut actions = Vec::new();
        if inputs.len() > MAX_ACTIONS {
            errors.push(FieldError::new("actions", format!("must list at most {MAX_ACTIONS} actions")));
            return Ok((actions, errors));
        }
        for (i, input) in inputs.iter().enumerate() {
            let field = |name: &str| format!("actions[{i}].{name}");
            let kind = CommandKind::parse(&input.kind);
            if kind.is_none() {
                errors.push(FieldError::new(field("type"), "must be `restart`, `stop` or `start`"));
            }
            let server_id = match ServerId::parse(&input.server_id) {
                Err(e) => {
                    errors.push(FieldError::new(field("serverId"), e.message));
                    None
                }
                Ok(id) => {
                    let found = self.deps.repos.servers.find(project.id, &id).await?.map(|s| s.server_id);
                    if found.is_none() {
                        errors.push(FieldError::new(field("serverId"), "no such server in this project"));
                    }
                    found
                }
            };
            let script = input.script_name.trim();
            let script_ok = bounded_text(script, 1..=128).is_ok();
            if !script_ok {
                errors.push(FieldError::new(
                    field("scriptName"),
                    "must be 1 to 128 characters once trimmed, without control characters",
                ));
            }
            if let (Some(kind), Some(server_id), true) = (kind, server_id, script_ok) {
                actions.push(RuleAction { kind, server_id, script_name: script.to_owned() });
            }
        }
        Ok((actions, errors))
    }

    /// Sends on every channel (the owner's email resolved), one outcome each.
    async fn deliver(
        &self,
        project: &Project,
        rule: &AlertRule,
        n: &Notification,
    ) -> ServiceResult<Vec<Delivery>> {
        let mut deliveries = Vec::with_capacity(rule.channels.len());
        for channel in &rule.channels {
            let target = match channel {
                Channel::OwnerEmail => match self.deps.repos.users.find_by_id(project.owner_id).await? {
                    Some(owner) => Channel::Email(owner.email.as_str().to_owned()),
                    None => {
                        deliveries.push(Delivery {
                            channel: channel.to_wire(),
                            ok: false,
                            error: Some("the project owner has no account".into()),
                        });
                        continue;
                    }
                },
                other => other.clone(),
            };
            let outcome = self.deps.notifier.send(&target, n).await;
            if let Err(error) = &outcome {
                tracing::warn!(rule = %rule.id, channel = %channel_kind(channel), %error, "alert notification failed");
            }
            deliveries.push(Delivery {
                channel: channel.to_wire(),
                ok: outcome.is_ok(),
                error: outcome.err().map(|e| e.to_string()),
            });
        }
        Ok(deliveries)
    }
}

/// The channel kind only: URLs may carry tokens and stay out of logs.
fn channel_kind(channel: &Channel) -> &'static str {
    match channel {
        Channel::OwnerEmail | Channel::Email(_) => "email",
        Channel::Webhook(_) => "webhook",
        Channel::Slack(_) => "slack",
        Channel::Discord(_) => "discord",
    }
}

fn rule_not_found(err: RepositoryError) -> ServiceError {
    match err {
        RepositoryError::NotFound => ServiceError::NotFound("rule"),
        other => other.into(),
    }
}

fn validate(
    input: RuleInput,
    (actions, action_errors): (Vec<RuleAction>, Vec<FieldError>),
    id: RuleId,
    project: &Project,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<AlertRule> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if bounded_text(name, 1..=100).is_err() {
        errors.push(FieldError::new("name", "must be 1 to 100 printable characters"));
    }
    let condition = Condition::parse(&input.condition)
        .map_err(|e| errors.push(FieldError::new("condition", e.to_string())))
        .ok();
    let window_minutes = input.window_minutes.unwrap_or(5);
    if !(1..=MAX_WINDOW_MINUTES).contains(&window_minutes) {
        errors.push(FieldError::new("windowMinutes", format!("must be between 1 and {MAX_WINDOW_MINUTES}")));
    }
    let repeat_minutes = input.repeat_minutes.unwrap_or(60);
    if !(1..=10_080).contains(&repeat_minutes) {
        errors.push(FieldError::new("repeatMinutes", "must be between 1 and 10080 (a week)"));
    }
    if input.channels.is_empty() || input.channels.len() > MAX_CHANNELS {
        errors.push(FieldError::new("channels", format!("must list 1 to {MAX_CHANNELS} channels")));
    }
    let mut channels = Vec::new();
    for (i, raw) in input.channels.iter().enumerate() {
        match Channel::parse(raw) {
            // A channel listed twice (`email` and ` email`) is notified once.
            Ok(channel) if channels.contains(&channel) => {}
            Ok(channel) => channels.push(channel),
            Err(err) => errors.push(FieldError::new(format!("channels[{i}]"), err.to_string())),
        }
    }
    let source = match input.source.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => SourceName::parse(raw)
            .map(|s| Some(s.as_str().to_owned()))
            .map_err(|e| errors.push(FieldError::new("source", e.message)))
            .unwrap_or(None),
        None => None,
    };
    let filter = check_filter(input.filter, &mut errors);
    let server_id = match input.server_id.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => ServerId::parse(raw).map(Some).map_err(|e| errors.push(e)).unwrap_or(None),
        None => None,
    };
    errors.extend(action_errors);
    let Some(condition) = condition.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    Ok(AlertRule {
        id,
        project_id: project.id,
        name: name.to_owned(),
        condition,
        window_minutes,
        channels,
        enabled: input.enabled.unwrap_or(true),
        source,
        filter,
        server_id,
        repeat_minutes,
        actions,
        created_at,
        updated_at: now,
    })
}

/// A rule's `filter`: `None` when absent or blank, the text as given when
/// it parses, otherwise an error on `filter` with the parser's position.
pub(crate) fn check_filter(raw: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let raw = raw.filter(|q| !q.trim().is_empty())?;
    match parse_query(&raw) {
        Ok(_) => Some(raw),
        Err(e) => {
            errors.push(FieldError::new("filter", e.to_string()));
            None
        }
    }
}
