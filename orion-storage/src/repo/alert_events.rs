//! [`AlertEventRepository`] over `alert_events`: an append-only history,
//! read newest first (by `at`, then insertion).

use async_trait::async_trait;
use orion_core::error::RepoResult;
use std::collections::HashMap;

use orion_core::model::alert::{ActionOutcome, AlertEvent, AlertEventKind, Delivery, RuleAction};
use orion_core::model::{CommandKind, CommandStatus, ProjectId, ServerId};
use orion_core::repo::AlertEventRepository;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::{instant, micros, parse_id};
use crate::entity::alert_event_actions as actions;
use crate::entity::alert_events::{self, Column, Entity};
use crate::error::{CorruptRow, parent_err, repo_err};

const TABLE: &str = "alert_events";

/// Alert history stored through SeaORM.
#[derive(Debug)]
pub(crate) struct AlertEventRepo(pub(crate) DatabaseConnection);

/// One element of the `deliveries` JSON column. The storage's own shape,
/// so the stored JSON does not change when the domain type does.
#[derive(Serialize, Deserialize)]
struct StoredDelivery {
    channel: String,
    ok: bool,
    error: Option<String>,
}

#[async_trait]
impl AlertEventRepository for AlertEventRepo {
    async fn insert(&self, event: &AlertEvent) -> RepoResult<()> {
        let deliveries: Vec<StoredDelivery> = event
            .deliveries
            .iter()
            .map(|d| StoredDelivery { channel: d.channel.clone(), ok: d.ok, error: d.error.clone() })
            .collect();
        let deliveries = serde_json::to_value(deliveries)
            .map_err(|e| CorruptRow::in_table(TABLE, format!("deliveries of event {}: {e}", event.id)))?;
        let row = alert_events::ActiveModel {
            seq: NotSet,
            id: Set(event.id.get()),
            project_id: Set(event.project_id.get()),
            rule_id: Set(event.rule_id.get()),
            rule_name: Set(event.rule_name.clone()),
            condition: Set(event.condition.clone()),
            kind: Set(event.kind.as_str().to_owned()),
            value: Set(event.value),
            window_minutes: Set(i64::from(event.window_minutes)),
            at: Set(micros(event.at)),
            deliveries: Set(deliveries),
            silenced: Set(event.silenced),
        };
        // An unknown project is `NotFound`, a reused id `Conflict`.
        Entity::insert(row).exec_without_returning(&self.0).await.map_err(parent_err)?;
        Ok(())
    }

    async fn list(&self, project: ProjectId, limit: u32) -> RepoResult<Vec<AlertEvent>> {
        let rows = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .order_by_desc(Column::At)
            .order_by_desc(Column::Seq)
            .limit(u64::from(limit))
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        let mut events: Vec<AlertEvent> = rows.into_iter().map(to_domain).collect::<RepoResult<_>>()?;
        // The actions of the page's events, in one query.
        let ids: Vec<i64> =
            events.iter().filter(|e| e.kind == AlertEventKind::Firing).map(|e| e.id.get()).collect();
        if ids.is_empty() {
            return Ok(events);
        }
        let mut by_event: HashMap<i64, Vec<ActionOutcome>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows = actions::Entity::find()
                .filter(actions::Column::ProjectId.eq(project.get()))
                .filter(actions::Column::EventId.is_in(chunk.iter().copied()))
                .order_by_asc(actions::Column::EventId)
                .order_by_asc(actions::Column::Position)
                .all(&self.0)
                .await
                .map_err(repo_err)?;
            for row in rows {
                by_event.entry(row.event_id).or_default().push(action_to_domain(row)?);
            }
        }
        for event in &mut events {
            event.actions = by_event.remove(&event.id.get()).unwrap_or_default();
        }
        Ok(events)
    }
}

fn action_to_domain(row: actions::Model) -> RepoResult<ActionOutcome> {
    let bad = |what: String| {
        CorruptRow::in_table("alert_event_actions", format!("{what} of command {}", row.command_id))
    };
    Ok(ActionOutcome {
        command_id: parse_id("alert_event_actions", row.command_id)?,
        action: RuleAction {
            kind: CommandKind::parse(&row.kind).ok_or_else(|| bad(format!("type `{}`", row.kind)))?,
            server_id: ServerId::parse(&row.server_id).map_err(|e| bad(e.message))?,
            script_name: row.script_name.clone(),
        },
        status: CommandStatus::parse(&row.status).ok_or_else(|| bad(format!("status `{}`", row.status)))?,
        output: row.output,
    })
}

fn to_domain(row: alert_events::Model) -> RepoResult<AlertEvent> {
    let id = row.id;
    let bad = |what: String| CorruptRow::in_table(TABLE, format!("{what} of event {id}"));
    let deliveries: Vec<StoredDelivery> =
        serde_json::from_value(row.deliveries).map_err(|e| bad(format!("deliveries ({e})")))?;
    Ok(AlertEvent {
        id: parse_id(TABLE, id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        rule_id: parse_id(TABLE, row.rule_id)?,
        rule_name: row.rule_name,
        condition: row.condition,
        kind: AlertEventKind::parse(&row.kind).ok_or_else(|| bad(format!("kind `{}`", row.kind)))?,
        value: row.value,
        window_minutes: u32::try_from(row.window_minutes)
            .map_err(|_| bad(format!("window_minutes {}", row.window_minutes)))?,
        at: instant(TABLE, row.at)?,
        deliveries: deliveries
            .into_iter()
            .map(|d| Delivery { channel: d.channel, ok: d.ok, error: d.error })
            .collect(),
        silenced: row.silenced,
        actions: Vec::new(),
    })
}
