//! What a rule would have done over past data: the engine's own metric
//! ([`AlertService::metric`]) and transition ([`decide`]) evaluated at
//! each step of a range, without notifying or storing anything.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use tracing::instrument;

use super::{AlertService, MAX_WINDOW_MINUTES};
use crate::error::{FieldError, ServiceError, ServiceResult};
use crate::model::alert::{AlertRule, Condition, Decision, RuleState, decide};
use crate::model::{RuleId, ServerId, SourceName};
use crate::service::principal::Principal;

/// The engine's evaluation step (its default schedule).
pub const EVALUATION_STEP: Duration = Duration::seconds(30);
/// Most points in one preview: past it the step grows (a whole minute
/// for a day).
pub const MAX_PREVIEW_POINTS: i64 = 1_440;
/// Longest range a preview covers.
pub const MAX_PREVIEW_RANGE: Duration = Duration::days(7);
/// Range when `from` is absent: the last 24 hours before `to`.
pub const DEFAULT_PREVIEW_RANGE: Duration = Duration::hours(24);

/// A rule to preview, as a client sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreviewInput {
    /// `<metric> <op> <number>`.
    pub condition: String,
    /// Default 5.
    pub window_minutes: Option<u32>,
    /// Narrow log metrics to a source.
    pub source: Option<String>,
    /// Narrow log metrics to the entries matching this query string.
    pub filter: Option<String>,
    /// Narrow heartbeat, crash and offline metrics to a server.
    pub server_id: Option<String>,
    /// RFC 3339; default `to - 24 h`.
    pub from: Option<String>,
    /// RFC 3339; default now.
    pub to: Option<String>,
}

/// One evaluation of a preview.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreviewPoint {
    /// When the engine would have evaluated.
    pub at: DateTime<Utc>,
    /// The metric then (`None`: nothing to average).
    pub value: Option<f64>,
    /// Whether the condition held.
    pub holds: bool,
}

/// A preview: every point, and how many times the rule would have fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The step between points.
    pub step: Duration,
    /// Oldest first.
    pub points: Vec<PreviewPoint>,
    /// Transitions to firing (repeats and resolutions not counted).
    pub would_fire: u32,
}

impl AlertService {
    /// Evaluates `input` at every step of `(from, to]` over the project's
    /// stored data, with the code the scheduled engine runs. Owner only.
    /// The step is the engine's (30 s), widened so that there are at most
    /// [`MAX_PREVIEW_POINTS`] points; the range is at most
    /// [`MAX_PREVIEW_RANGE`] (an earlier `from` is moved up), and `from` at
    /// or after `to` gives no points.
    #[instrument(skip_all)]
    pub async fn preview(
        &self,
        principal: &Principal,
        project: &str,
        input: PreviewInput,
    ) -> ServiceResult<Preview> {
        let project = self.projects.owned(principal, project).await?;
        let now = self.deps.clock.now().trunc_subsecs(3);
        let (rule, from, to) = validate(input, project.id, now)?;
        let range = to - from;
        let steps_needed = (range.num_milliseconds() + MAX_PREVIEW_POINTS - 1) / MAX_PREVIEW_POINTS;
        let step = EVALUATION_STEP.max(Duration::milliseconds(steps_needed));
        let mut state = RuleState::default();
        let mut points = Vec::new();
        let mut would_fire = 0;
        let mut at = from + step;
        while at <= to {
            let value = self.metric(&rule, at).await?;
            let holds = value.is_some_and(|v| rule.condition.holds(v));
            match decide(&state, holds, at, rule.repeat_minutes) {
                Decision::Fire => {
                    would_fire += 1;
                    state.firing = true;
                    state.last_notified_at = Some(at);
                }
                Decision::Repeat => state.last_notified_at = Some(at),
                Decision::Resolve => {
                    state.firing = false;
                    state.last_notified_at = None;
                }
                Decision::Quiet => {}
            }
            points.push(PreviewPoint { at, value, holds });
            at += step;
        }
        Ok(Preview { step, points, would_fire })
    }
}

fn date(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let raw = raw?;
    match DateTime::parse_from_rfc3339(raw) {
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            errors.push(FieldError::new(field, format!("`{raw}` is not an RFC 3339 date-time")));
            None
        }
    }
}

fn validate(
    input: PreviewInput,
    project_id: crate::model::ProjectId,
    now: DateTime<Utc>,
) -> ServiceResult<(AlertRule, DateTime<Utc>, DateTime<Utc>)> {
    let mut errors = Vec::new();
    let condition = Condition::parse(&input.condition)
        .map_err(|e| errors.push(FieldError::new("condition", e.to_string())))
        .ok();
    let window_minutes = input.window_minutes.unwrap_or(5);
    if !(1..=MAX_WINDOW_MINUTES).contains(&window_minutes) {
        errors.push(FieldError::new("windowMinutes", format!("must be between 1 and {MAX_WINDOW_MINUTES}")));
    }
    let source = match input.source.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => SourceName::parse(raw)
            .map(|s| Some(s.as_str().to_owned()))
            .map_err(|e| errors.push(FieldError::new("source", e.message)))
            .unwrap_or(None),
        None => None,
    };
    let filter = super::check_filter(input.filter, &mut errors);
    let server_id = match input.server_id.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => ServerId::parse(raw).map(Some).map_err(|e| errors.push(e)).unwrap_or(None),
        None => None,
    };
    let to = date("to", input.to.as_deref(), &mut errors).unwrap_or(now);
    // A range the document allows is never refused: `from` at or after
    // `to` is an empty range (no points), and a `from` more than
    // [`MAX_PREVIEW_RANGE`] before `to` is moved up to that bound (the
    // points say where the preview starts).
    let from = date("from", input.from.as_deref(), &mut errors).unwrap_or(to - DEFAULT_PREVIEW_RANGE);
    let from = from.max(to - MAX_PREVIEW_RANGE);
    let Some(condition) = condition.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let rule = AlertRule {
        // Never stored: a preview has no id of its own.
        id: RuleId(0),
        project_id,
        name: "preview".into(),
        condition,
        window_minutes,
        channels: Vec::new(),
        enabled: true,
        source,
        filter,
        server_id,
        repeat_minutes: 60,
        actions: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    Ok((rule, from, to))
}
