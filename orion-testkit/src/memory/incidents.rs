//! [`IncidentRepository`] in memory: incidents keyed by id with their
//! insertion sequence, and the occurrences beside them.

use std::cmp::Reverse;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::{Incident, IncidentId, IncidentStatus, ProjectId, ServerId, Window};
use orion_core::repo::IncidentRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::{Db, in_window};

pub(super) struct Incidents(pub(super) Db);

#[async_trait]
impl IncidentRepository for Incidents {
    async fn record(&self, report: &Incident) -> RepoResult<(Incident, bool)> {
        let mut store = self.0.lock();
        // Like a foreign key on the project.
        if !store.projects.contains_key(&report.project_id) {
            return Err(RepositoryError::NotFound);
        }
        let key = report.group_key();
        // Under the one lock, like the unique key on open incidents.
        let open = store
            .incidents
            .values_mut()
            .find(|(_, i)| {
                i.project_id == report.project_id && i.status == IncidentStatus::Open && i.group_key() == key
            })
            .map(|(_, i)| i);
        let (incident, opened) = match open {
            Some(incident) => {
                incident.count += 1;
                incident.last_at = report.last_at;
                incident.message = report.message.clone();
                incident.context = report.context.clone();
                incident.running_since = None;
                (incident.clone(), false)
            }
            None => {
                if store.incidents.contains_key(&report.id) {
                    return Err(RepositoryError::Conflict(ConflictKey::Id));
                }
                let seq = store.next_seq();
                store.incidents.insert(report.id, (seq, report.clone()));
                (report.clone(), true)
            }
        };
        store.occurrences.push((
            incident.id,
            incident.project_id,
            incident.server_id.clone(),
            report.last_at,
        ));
        Ok((incident, opened))
    }

    async fn find(&self, project: ProjectId, id: IncidentId) -> RepoResult<Option<Incident>> {
        let store = self.0.lock();
        Ok(store.incidents.get(&id).filter(|(_, i)| i.project_id == project).map(|(_, i)| i.clone()))
    }

    async fn open_of_server(&self, project: ProjectId, server: &ServerId) -> RepoResult<Vec<Incident>> {
        let store = self.0.lock();
        Ok(store
            .incidents
            .values()
            .filter(|(_, i)| i.project_id == project && i.status == IncidentStatus::Open)
            .filter(|(_, i)| i.server_id.as_ref() == Some(server))
            .map(|(_, i)| i.clone())
            .collect())
    }

    async fn set_running_since(
        &self,
        project: ProjectId,
        id: IncidentId,
        since: Option<DateTime<Utc>>,
    ) -> RepoResult<()> {
        let mut store = self.0.lock();
        if let Some((_, incident)) = store.incidents.get_mut(&id)
            && incident.project_id == project
            && incident.status == IncidentStatus::Open
        {
            incident.running_since = since;
        }
        Ok(())
    }

    async fn resolve(
        &self,
        project: ProjectId,
        id: IncidentId,
        at: DateTime<Utc>,
    ) -> RepoResult<(Incident, bool)> {
        let mut store = self.0.lock();
        let (_, incident) = store
            .incidents
            .get_mut(&id)
            .filter(|(_, i)| i.project_id == project)
            .ok_or(RepositoryError::NotFound)?;
        if incident.status != IncidentStatus::Open {
            return Ok((incident.clone(), false));
        }
        incident.status = IncidentStatus::Resolved;
        incident.resolved_at = Some(at);
        incident.running_since = None;
        Ok((incident.clone(), true))
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
            .occurrences
            .iter()
            .filter(|(_, p, _, at)| *p == project && in_window(*at, Some(from), Some(to)))
            .filter(|(_, _, s, _)| server.is_none_or(|server| s.as_ref() == Some(server)))
            .count();
        Ok(count as u64)
    }

    async fn list(
        &self,
        project: ProjectId,
        status: Option<IncidentStatus>,
        window: Window,
    ) -> RepoResult<Vec<Incident>> {
        let store = self.0.lock();
        let mut rows: Vec<(u64, Incident)> = store
            .incidents
            .values()
            .filter(|(_, i)| i.project_id == project && window.contains(i.last_at))
            .filter(|(_, i)| status.is_none_or(|s| i.status == s))
            .cloned()
            .collect();
        drop(store);
        // Newest first; among equal times the later insertion first.
        rows.sort_by_key(|(seq, i)| Reverse((i.last_at, *seq)));
        Ok(rows.into_iter().take(window.limit() as usize).map(|(_, i)| i).collect())
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        let mut store = self.0.lock();
        // Oldest first, so repeated batches make steady progress.
        let mut expired: Vec<(DateTime<Utc>, u64, IncidentId)> = store
            .incidents
            .iter()
            .filter(|(_, (_, i))| i.last_at < cutoff)
            .map(|(id, (seq, i))| (i.last_at, *seq, *id))
            .collect();
        expired.sort_unstable_by_key(|(at, seq, _)| (*at, *seq));
        expired.truncate(batch as usize);
        for (_, _, id) in &expired {
            store.incidents.remove(id);
        }
        store.occurrences.retain(|(id, ..)| !expired.iter().any(|(_, _, gone)| gone == id));
        Ok(expired.len() as u64)
    }
}
