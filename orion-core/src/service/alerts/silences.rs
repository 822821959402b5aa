//! Alert silences: `{ruleId?, serverId?, until, reason}` per project, for
//! its owner. While one matches a rule ([`Silence::matches`]), the rule's
//! firings and resolutions are recorded with `silenced: true`, notify no
//! channel and run no action; once `until` passes it matches nothing and
//! is no longer listed.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use tracing::instrument;

use super::AlertService;
use crate::error::{FieldError, RepositoryError, ServiceError, ServiceResult};
use crate::model::alert::Silence;
use crate::model::text::bounded_text;
use crate::model::{Project, RuleId, ServerId, SilenceId};
use crate::service::principal::Principal;

/// Most active silences in one project.
pub const MAX_SILENCES: u32 = 100;
/// Longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// Furthest `until`, from now.
pub const MAX_SILENCE: Duration = Duration::days(90);

/// A silence as a client sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SilenceInput {
    /// Only this rule of the project.
    pub rule_id: Option<i64>,
    /// Only rules concerning this server of the project.
    pub server_id: Option<String>,
    /// RFC 3339, in the future, at most 90 days ahead.
    pub until: Option<String>,
    /// 1–500 characters once trimmed, no control characters.
    pub reason: String,
}

impl AlertService {
    /// The project's active silences, oldest first. Owner only.
    #[instrument(skip_all)]
    pub async fn silences(&self, principal: &Principal, project: &str) -> ServiceResult<Vec<Silence>> {
        let project = self.projects.owned(principal, project).await?;
        let now = self.deps.clock.now();
        Ok(self.deps.repos.silences.active(project.id, now).await?)
    }

    /// Creates a silence. Owner only; every field is checked (the rule and
    /// server must be the project's) before anything is stored; a project
    /// that already has [`MAX_SILENCES`] active is a `Conflict`.
    #[instrument(skip_all)]
    pub async fn create_silence(
        &self,
        principal: &Principal,
        project: &str,
        input: SilenceInput,
    ) -> ServiceResult<Silence> {
        let project = self.projects.owned(principal, project).await?;
        let now = self.deps.clock.now().trunc_subsecs(3);
        let (rule_id, server_id, until, reason) = self.validate_silence(&project, input, now).await?;
        let silence = Silence {
            id: self.deps.next_id::<SilenceId>().await?,
            project_id: project.id,
            rule_id,
            server_id,
            until,
            reason,
            created_at: now,
        };
        if self.deps.repos.silences.insert(&silence, MAX_SILENCES, now).await? {
            Ok(silence)
        } else {
            Err(ServiceError::Conflict(format!(
                "the project already has {MAX_SILENCES} active silences; delete one first"
            )))
        }
    }

    /// Deletes a silence (an expired one is already gone: `NotFound`).
    #[instrument(skip_all)]
    pub async fn delete_silence(&self, principal: &Principal, project: &str, id: &str) -> ServiceResult<()> {
        let (project, silence) = self.owned_silence(principal, project, id).await?;
        let now = self.deps.clock.now();
        self.deps.repos.silences.delete(project.id, silence.id, now).await.map_err(|e| match e {
            RepositoryError::NotFound => ServiceError::NotFound("silence"),
            other => other.into(),
        })
    }

    /// The owner's project and its active silence `id`; an unknown,
    /// malformed or expired id is `NotFound`, like another user's project.
    pub async fn owned_silence(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
    ) -> ServiceResult<(Project, Silence)> {
        let project = self.projects.owned(principal, project).await?;
        let id: SilenceId = id.parse().map_err(|_| ServiceError::NotFound("silence"))?;
        let now = self.deps.clock.now();
        let silence = self
            .deps
            .repos
            .silences
            .find(project.id, id, now)
            .await?
            .ok_or(ServiceError::NotFound("silence"))?;
        Ok((project, silence))
    }

    async fn validate_silence(
        &self,
        project: &Project,
        input: SilenceInput,
        now: DateTime<Utc>,
    ) -> ServiceResult<(Option<RuleId>, Option<ServerId>, DateTime<Utc>, String)> {
        let mut errors = Vec::new();
        let repos = &self.deps.repos;
        let rule_id = match input.rule_id {
            None => None,
            Some(raw) => {
                let id = raw.to_string().parse::<RuleId>().ok();
                let found = match id {
                    Some(id) => repos.alert_rules.find(project.id, id).await?.map(|r| r.id),
                    None => None,
                };
                if found.is_none() {
                    errors.push(FieldError::new("ruleId", "no such rule in this project"));
                }
                found
            }
        };
        let server_id = match input.server_id.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match ServerId::parse(raw) {
                Err(e) => {
                    errors.push(e);
                    None
                }
                Ok(id) => {
                    let found = repos.servers.find(project.id, &id).await?.map(|s| s.server_id);
                    if found.is_none() {
                        errors.push(FieldError::new("serverId", "no such server in this project"));
                    }
                    found
                }
            },
        };
        let until = match input.until.as_deref().map(DateTime::parse_from_rfc3339) {
            Some(Ok(at)) => {
                let at = at.with_timezone(&Utc).trunc_subsecs(3);
                if at <= now || at > now + MAX_SILENCE {
                    errors.push(FieldError::new("until", "must be in the future, at most 90 days from now"));
                }
                Some(at)
            }
            _ => {
                errors.push(FieldError::new("until", "is required: an RFC 3339 date-time"));
                None
            }
        };
        let reason = input.reason.trim().to_owned();
        if bounded_text(&reason, 1..=MAX_REASON_CHARS).is_err() {
            errors.push(FieldError::new(
                "reason",
                format!("must be 1 to {MAX_REASON_CHARS} characters, without control characters"),
            ));
        }
        match until {
            Some(until) if errors.is_empty() => Ok((rule_id, server_id, until, reason)),
            _ => Err(ServiceError::Validation(errors)),
        }
    }
}
