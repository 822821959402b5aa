//! [`AlertEventRepository`] in memory: an append-only list keyed by
//! insertion sequence, the tie-breaker of "newest first".

use std::cmp::Reverse;

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_core::model::alert::AlertEvent;
use orion_core::repo::AlertEventRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::Db;

pub(super) struct AlertEvents(pub(super) Db);

#[async_trait]
impl AlertEventRepository for AlertEvents {
    async fn insert(&self, event: &AlertEvent) -> RepoResult<()> {
        let mut store = self.0.lock();
        // Like a foreign key on the project (not on the rule: history
        // outlives the rule it names).
        if !store.projects.contains_key(&event.project_id) {
            return Err(RepositoryError::NotFound);
        }
        if store.alert_events.values().any(|e| e.id == event.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        let seq = store.next_seq();
        // The actions were stored with the firing's claim.
        store.alert_events.insert(seq, AlertEvent { actions: Vec::new(), ..event.clone() });
        Ok(())
    }

    async fn list(&self, project: ProjectId, limit: u32) -> RepoResult<Vec<AlertEvent>> {
        let store = self.0.lock();
        let mut rows: Vec<(u64, AlertEvent)> = store
            .alert_events
            .iter()
            .filter(|(_, e)| e.project_id == project)
            .map(|(seq, e)| (*seq, e.clone()))
            .collect();
        rows.sort_by_key(|(seq, e)| Reverse((e.at, *seq)));
        let events = rows
            .into_iter()
            .take(limit as usize)
            .map(|(_, mut e)| {
                let mut actions: Vec<_> =
                    store.alert_event_actions.values().filter(|(event, ..)| *event == e.id).collect();
                actions.sort_by_key(|(_, _, position, _)| *position);
                e.actions = actions.into_iter().map(|(.., outcome)| outcome.clone()).collect();
                e
            })
            .collect();
        Ok(events)
    }
}
