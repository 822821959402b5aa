//! [`IncidentRepository`] in memory.

use std::cmp::Reverse;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::{Incident, IncidentId, ProjectId, ServerId};
use orion_core::repo::IncidentRepository;

use super::{Db, in_window};

pub(super) struct Incidents(pub(super) Db);

#[async_trait]
impl IncidentRepository for Incidents {
    async fn insert(&self, incident: &Incident) -> RepoResult<()> {
        let mut store = self.0.lock();
        // Like a foreign key on the project.
        if !store.projects.contains_key(&incident.project_id) {
            return Err(RepositoryError::NotFound);
        }
        if store.incidents.contains_key(&incident.id) {
            return Err(RepositoryError::Conflict("id".into()));
        }
        let seq = store.next_seq();
        store.incidents.insert(incident.id, (seq, incident.clone()));
        Ok(())
    }

    async fn count(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<u64> {
        let store = self.0.lock();
        let count = store
            .incidents
            .values()
            .filter(|(_, i)| i.project_id == project && in_window(i.timestamp, Some(from), Some(to)))
            .filter(|(_, i)| server.is_none_or(|s| i.server_id.as_ref() == Some(s)))
            .count();
        Ok(count as u64)
    }

    async fn list(
        &self,
        project: ProjectId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> RepoResult<Vec<Incident>> {
        let store = self.0.lock();
        let mut rows: Vec<(u64, Incident)> = store
            .incidents
            .values()
            .filter(|(_, i)| i.project_id == project && in_window(i.timestamp, from, to))
            .cloned()
            .collect();
        drop(store);
        // Newest first; among equal timestamps the later insertion first.
        rows.sort_by_key(|(seq, i)| Reverse((i.timestamp, *seq)));
        Ok(rows.into_iter().take(limit as usize).map(|(_, i)| i).collect())
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        let mut store = self.0.lock();
        // Oldest first, so repeated batches make steady progress.
        let mut expired: Vec<(DateTime<Utc>, u64, IncidentId)> = store
            .incidents
            .iter()
            .filter(|(_, (_, i))| i.timestamp < cutoff)
            .map(|(id, (seq, i))| (i.timestamp, *seq, *id))
            .collect();
        expired.sort_unstable_by_key(|(timestamp, seq, _)| (*timestamp, *seq));
        expired.truncate(batch as usize);
        for (_, _, id) in &expired {
            store.incidents.remove(id);
        }
        Ok(expired.len() as u64)
    }
}
