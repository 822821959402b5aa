//! [`AlertRuleRepository`] over `alert_rules` and `alert_rule_states`.
//!
//! A rule and its state row are written together: insert, update (which
//! resets the state) and delete each run in one transaction, so no rule is
//! ever seen without its state. `save_state` is one conditional `UPDATE …
//! WHERE evaluated_at = expected` (or `IS NULL`): the database decides
//! which of two racing evaluations wins (on PostgreSQL the loser's
//! `UPDATE` waits for the winner's row lock, then re-checks the condition
//! against the new row and matches nothing), and the loser learns it from
//! the affected-row count.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::alert::{AlertRule, Channel, Condition, RuleAction, RuleState};
use orion_core::model::{AlertEventId, Command, CommandKind, ProjectId, RuleId, ServerId};
use orion_core::repo::AlertRuleRepository;
use sea_orm::entity::prelude::*;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, DatabaseConnection, JoinType, QueryOrder,
    QuerySelect, TransactionTrait,
};

use super::{instant, micros, parse_id};
use crate::entity::alert_event_actions as actions;
use crate::entity::alert_rule_states as states;
use crate::entity::alert_rules::{self, Column, Entity};
use crate::error::{CorruptRow, parent_err, repo_err};

const TABLE: &str = "alert_rules";
const STATES: &str = "alert_rule_states";

/// Alert rules stored through SeaORM.
#[derive(Debug)]
pub(crate) struct AlertRuleRepo(pub(crate) DatabaseConnection);

/// The rule `id` of `project`.
fn of_project(project: ProjectId, id: RuleId) -> sea_orm::Condition {
    sea_orm::Condition::all().add(Column::ProjectId.eq(project.get())).add(Column::Id.eq(id.get()))
}

#[async_trait]
impl AlertRuleRepository for AlertRuleRepo {
    async fn insert(&self, rule: &AlertRule) -> RepoResult<()> {
        let txn = self.0.begin().await.map_err(repo_err)?;
        let row = alert_rules::ActiveModel { id: Set(rule.id.get()), ..to_row(rule)? };
        // An unknown project is `NotFound`, a reused id `Conflict`.
        Entity::insert(row).exec_without_returning(&txn).await.map_err(parent_err)?;
        states::Entity::insert(state_row(rule.id, &RuleState::default()))
            .exec_without_returning(&txn)
            .await
            .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)
    }

    async fn update(&self, rule: &AlertRule) -> RepoResult<()> {
        let txn = self.0.begin().await.map_err(repo_err)?;
        let done = Entity::update_many()
            .set(to_row(rule)?)
            .filter(of_project(rule.project_id, rule.id))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        // A changed rule is a new rule: it starts quiet and fires afresh.
        // Replacing the row (rather than updating it) also repairs a state
        // row that went missing; an evaluation that read the old state now
        // fails its compare-and-set, since `evaluated_at` went back to NULL.
        let rule_id = rule.id.get();
        states::Entity::delete_many()
            .filter(states::Column::RuleId.eq(rule_id))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        states::Entity::insert(state_row(rule.id, &RuleState::default()))
            .exec_without_returning(&txn)
            .await
            .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)
    }

    async fn delete(&self, project: ProjectId, id: RuleId) -> RepoResult<()> {
        let txn = self.0.begin().await.map_err(repo_err)?;
        // The rule first: only a rule of `project` takes its state along.
        let done =
            Entity::delete_many().filter(of_project(project, id)).exec(&txn).await.map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        // The foreign key cascades too; this keeps it right without it.
        states::Entity::delete_many()
            .filter(states::Column::RuleId.eq(id.get()))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)
    }

    async fn find(&self, project: ProjectId, id: RuleId) -> RepoResult<Option<AlertRule>> {
        let row = Entity::find().filter(of_project(project, id)).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn list(&self, project: ProjectId) -> RepoResult<Vec<AlertRule>> {
        let rows = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Seq)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn list_enabled(&self) -> RepoResult<Vec<(AlertRule, RuleState)>> {
        // One statement, so each rule comes with the state it had then.
        let rows = Entity::find()
            .filter(Column::Enabled.eq(true))
            .join_rev(JoinType::LeftJoin, states::Relation::Rule.def())
            .select_also(states::Entity)
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Seq)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter()
            .map(|(rule, state)| {
                // A missing state row reads as a rule never evaluated (and
                // its compare-and-set then saves nothing until an update
                // recreates it).
                let state = state.map(state_to_domain).transpose()?.unwrap_or_default();
                Ok((to_domain(rule)?, state))
            })
            .collect()
    }

    async fn save_state(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
    ) -> RepoResult<bool> {
        compare_and_set(&self.0, id, expected, state).await
    }

    async fn save_state_and_queue(
        &self,
        id: RuleId,
        expected: Option<DateTime<Utc>>,
        state: &RuleState,
        event: AlertEventId,
        commands: &[Command],
    ) -> RepoResult<bool> {
        // The loser of a race matches no row (on PostgreSQL its UPDATE
        // waits for the winner's row lock, then re-checks) and inserts
        // nothing; the winner's commands commit with its claim or not at
        // all.
        let txn = self.0.begin().await.map_err(repo_err)?;
        if !compare_and_set(&txn, id, expected, state).await? {
            txn.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        for (position, command) in commands.iter().enumerate() {
            crate::entity::commands::Entity::insert(super::commands::row(command))
                .exec_without_returning(&txn)
                .await
                .map_err(parent_err)?;
            let action = actions::ActiveModel {
                command_id: Set(command.id.get()),
                event_id: Set(event.get()),
                project_id: Set(command.project_id.get()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                kind: Set(command.kind.as_str().to_owned()),
                server_id: Set(command.server_id.as_str().to_owned()),
                script_name: Set(command.script_name.clone().unwrap_or_default()),
                status: Set(command.status.as_str().to_owned()),
                output: Set(command.output.clone()),
            };
            actions::Entity::insert(action).exec_without_returning(&txn).await.map_err(parent_err)?;
        }
        txn.commit().await.map_err(repo_err)?;
        Ok(true)
    }
}

/// The conditional `UPDATE` of the rule's state (see the module).
async fn compare_and_set<C: ConnectionTrait>(
    db: &C,
    id: RuleId,
    expected: Option<DateTime<Utc>>,
    state: &RuleState,
) -> RepoResult<bool> {
    let unchanged = match expected {
        // `= NULL` is never true in SQL: the NULL case needs `IS NULL`.
        None => states::Column::EvaluatedAt.is_null(),
        Some(at) => states::Column::EvaluatedAt.eq(micros(at)),
    };
    let row = states::ActiveModel { rule_id: NotSet, ..state_row(id, state) };
    let done = states::Entity::update_many()
        .set(row)
        .filter(states::Column::RuleId.eq(id.get()))
        .filter(unchanged)
        .exec(db)
        .await
        .map_err(repo_err)?;
    Ok(done.rows_affected == 1)
}

/// One element of the `actions` JSON column: the storage's own shape.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredAction {
    #[serde(rename = "type")]
    kind: String,
    server_id: String,
    script_name: String,
}

/// Every column of `rule` but the keys (`seq`, `id`), which an update
/// must not change.
fn to_row(rule: &AlertRule) -> RepoResult<alert_rules::ActiveModel> {
    let channels: Vec<String> = rule.channels.iter().map(Channel::to_wire).collect();
    let channels = serde_json::to_value(channels)
        .map_err(|e| CorruptRow::in_table(TABLE, format!("channels of rule {}: {e}", rule.id)))?;
    let actions: Vec<StoredAction> = rule
        .actions
        .iter()
        .map(|a| StoredAction {
            kind: a.kind.as_str().to_owned(),
            server_id: a.server_id.as_str().to_owned(),
            script_name: a.script_name.clone(),
        })
        .collect();
    let actions = serde_json::to_value(actions)
        .map_err(|e| CorruptRow::in_table(TABLE, format!("actions of rule {}: {e}", rule.id)))?;
    Ok(alert_rules::ActiveModel {
        seq: NotSet,
        id: NotSet,
        project_id: Set(rule.project_id.get()),
        name: Set(rule.name.clone()),
        // `Condition`'s text parses back to the same condition (f64's
        // `Display` is the shortest text that reads back exactly).
        condition: Set(rule.condition.to_string()),
        window_minutes: Set(i64::from(rule.window_minutes)),
        channels: Set(channels),
        enabled: Set(rule.enabled),
        source: Set(rule.source.clone()),
        filter: Set(rule.filter.clone()),
        server_id: Set(rule.server_id.as_ref().map(|s| s.as_str().to_owned())),
        repeat_minutes: Set(i64::from(rule.repeat_minutes)),
        actions: Set(Some(actions)),
        created_at: Set(micros(rule.created_at)),
        updated_at: Set(micros(rule.updated_at)),
    })
}

fn to_domain(row: alert_rules::Model) -> RepoResult<AlertRule> {
    let id = row.id;
    let bad = |what: String| CorruptRow::in_table(TABLE, format!("{what} of rule {id}"));
    let minutes =
        |column: &str, value: i64| u32::try_from(value).map_err(|_| bad(format!("{column} {value}")));
    let channels: Vec<String> =
        serde_json::from_value(row.channels).map_err(|e| bad(format!("channels ({e})")))?;
    let actions: Vec<StoredAction> = match row.actions {
        Some(json) => serde_json::from_value(json).map_err(|e| bad(format!("actions ({e})")))?,
        None => Vec::new(),
    };
    let actions = actions
        .into_iter()
        .map(|a| {
            Ok(RuleAction {
                kind: CommandKind::parse(&a.kind).ok_or_else(|| bad(format!("action type `{}`", a.kind)))?,
                server_id: ServerId::parse(&a.server_id).map_err(|e| bad(e.message))?,
                script_name: a.script_name,
            })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(AlertRule {
        id: parse_id(TABLE, id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        name: row.name,
        condition: Condition::parse(&row.condition).map_err(|e| bad(format!("condition: {e}")))?,
        window_minutes: minutes("window_minutes", row.window_minutes)?,
        channels: channels
            .iter()
            .map(|c| Channel::parse(c).map_err(|e| bad(format!("channel: {e}"))))
            .collect::<RepoResult<_>>()?,
        enabled: row.enabled,
        source: row.source,
        filter: row.filter,
        server_id: row.server_id.as_deref().map(ServerId::parse).transpose().map_err(|e| bad(e.message))?,
        repeat_minutes: minutes("repeat_minutes", row.repeat_minutes)?,
        actions,
        created_at: instant(TABLE, row.created_at)?,
        updated_at: instant(TABLE, row.updated_at)?,
    })
}

fn state_row(id: RuleId, state: &RuleState) -> states::ActiveModel {
    states::ActiveModel {
        rule_id: Set(id.get()),
        firing: Set(state.firing),
        since: Set(state.since.map(micros)),
        last_notified_at: Set(state.last_notified_at.map(micros)),
        last_value: Set(state.last_value),
        evaluated_at: Set(state.evaluated_at.map(micros)),
    }
}

fn state_to_domain(row: states::Model) -> RepoResult<RuleState> {
    let at = |micros: Option<i64>| micros.map(|m| instant(STATES, m)).transpose();
    Ok(RuleState {
        firing: row.firing,
        since: at(row.since)?,
        last_notified_at: at(row.last_notified_at)?,
        last_value: row.last_value,
        evaluated_at: at(row.evaluated_at)?,
    })
}
