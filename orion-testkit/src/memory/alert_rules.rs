//! [`AlertRuleRepository`] in memory: rules keyed by id with their
//! insertion sequence (the "oldest first" tie-breaker) and, beside them,
//! each rule's evaluation state.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::alert::{ActionOutcome, AlertRule, RuleAction, RuleState};
use orion_core::model::{AlertEventId, Command, ProjectId, RuleId};
use orion_core::repo::AlertRuleRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::{Db, oldest_first};

pub(super) struct AlertRules(pub(super) Db);

#[async_trait]
impl AlertRuleRepository for AlertRules {
    async fn insert(&self, rule: &AlertRule) -> RepoResult<()> {
        let mut store = self.0.lock();
        // Like a foreign key on the project.
        if !store.projects.contains_key(&rule.project_id) {
            return Err(RepositoryError::NotFound);
        }
        if store.alert_rules.contains_key(&rule.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        let seq = store.next_seq();
        store.alert_rules.insert(rule.id, (seq, rule.clone(), RuleState::default()));
        Ok(())
    }

    async fn update(&self, rule: &AlertRule) -> RepoResult<()> {
        let mut store = self.0.lock();
        let (_, stored, state) = store
            .alert_rules
            .get_mut(&rule.id)
            .filter(|(_, r, _)| r.project_id == rule.project_id)
            .ok_or(RepositoryError::NotFound)?;
        *stored = rule.clone();
        // A changed rule is a new rule: it starts quiet and fires afresh.
        *state = RuleState::default();
        Ok(())
    }

    async fn delete(&self, project: ProjectId, id: RuleId) -> RepoResult<()> {
        let mut store = self.0.lock();
        match store.alert_rules.get(&id) {
            Some((_, rule, _)) if rule.project_id == project => {
                // The history (alert_events) stays: it names the rule itself.
                store.alert_rules.remove(&id);
                Ok(())
            }
            _ => Err(RepositoryError::NotFound),
        }
    }

    async fn find(&self, project: ProjectId, id: RuleId) -> RepoResult<Option<AlertRule>> {
        let store = self.0.lock();
        Ok(store.alert_rules.get(&id).filter(|(_, r, _)| r.project_id == project).map(|(_, r, _)| r.clone()))
    }

    async fn list(&self, project: ProjectId) -> RepoResult<Vec<AlertRule>> {
        let store = self.0.lock();
        let rows = store
            .alert_rules
            .values()
            .filter(|(_, r, _)| r.project_id == project)
            .map(|(seq, r, _)| (*seq, r.clone()));
        Ok(oldest_first(rows, |r| r.created_at))
    }

    async fn list_enabled(&self) -> RepoResult<Vec<(AlertRule, RuleState)>> {
        let store = self.0.lock();
        let rows = store
            .alert_rules
            .values()
            .filter(|(_, r, _)| r.enabled)
            .map(|(seq, r, s)| (*seq, (r.clone(), s.clone())));
        Ok(oldest_first(rows, |(r, _)| r.created_at))
    }

    async fn save_state(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
    ) -> RepoResult<bool> {
        let mut store = self.0.lock();
        // Compare and set under the one lock: exactly one of two racing
        // evaluations sees its expectation hold.
        let Some((_, _, stored)) = store.alert_rules.get_mut(&id) else {
            return Ok(false);
        };
        if stored.evaluated_at != expected {
            return Ok(false);
        }
        *stored = state.clone();
        Ok(true)
    }

    async fn save_state_and_queue(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
        event: AlertEventId,
        commands: &[Command],
    ) -> RepoResult<bool> {
        let mut store = self.0.lock();
        // Check everything first, then apply: all or nothing, under the one lock.
        let Some((_, _, stored)) = store.alert_rules.get(&id) else {
            return Ok(false);
        };
        if stored.evaluated_at != expected {
            return Ok(false);
        }
        for command in commands {
            if !store.projects.contains_key(&command.project_id) {
                return Err(RepositoryError::NotFound);
            }
            if store.commands.contains_key(&command.id) {
                return Err(RepositoryError::Conflict(ConflictKey::Id));
            }
        }
        if let Some((_, _, stored)) = store.alert_rules.get_mut(&id) {
            *stored = state.clone();
        }
        for (position, command) in commands.iter().enumerate() {
            let seq = store.next_seq();
            store.commands.insert(command.id, (seq, command.clone()));
            let outcome = ActionOutcome {
                command_id: command.id,
                action: RuleAction {
                    kind: command.kind,
                    server_id: command.server_id.clone(),
                    script_name: command.script_name.clone().unwrap_or_default(),
                },
                status: command.status,
                output: command.output.clone(),
            };
            store.alert_event_actions.insert(command.id, (event, command.project_id, position, outcome));
        }
        Ok(true)
    }
}
