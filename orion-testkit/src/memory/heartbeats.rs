//! [`HeartbeatRepository`] in memory.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::RepositoryError;
use orion_core::error::RepoResult;
use orion_core::model::{Heartbeat, HeartbeatAverages, HeartbeatBucket, ProjectId, ServerId, Window};
use orion_core::repo::HeartbeatRepository;

use super::{Db, in_window};

pub(super) struct Heartbeats(pub(super) Db);

/// A running mean. A figure a heartbeat did not carry is left out of that
/// figure's mean (SQL's `avg` skips NULLs the same way).
#[derive(Default)]
struct Mean(f64, u32);

impl Mean {
    fn add(&mut self, value: Option<f64>) {
        if let Some(v) = value {
            self.0 += v;
            self.1 += 1;
        }
    }

    fn get(&self) -> Option<f64> {
        (self.1 > 0).then(|| self.0 / f64::from(self.1))
    }
}

/// One step's means while they are summed.
#[derive(Default)]
struct Step {
    cpu: Mean,
    ram: Mean,
    disk: Mean,
    rx: Mean,
    tx: Mean,
    samples: u64,
}

impl Heartbeats {
    /// The server's heartbeats, newest first: `timestamp` desc, then the
    /// later insertion first.
    fn newest_first(&self, project: ProjectId, server_id: &ServerId) -> Vec<Heartbeat> {
        let store = self.0.lock();
        let mut rows: Vec<(u64, Heartbeat)> = store
            .heartbeats
            .iter()
            .filter(|(_, h)| h.project_id == project && &h.server_id == server_id)
            .map(|(seq, h)| (*seq, h.clone()))
            .collect();
        drop(store);
        rows.sort_by_key(|(seq, h)| Reverse((h.timestamp, *seq)));
        rows.into_iter().map(|(_, h)| h).collect()
    }
}

#[async_trait]
impl HeartbeatRepository for Heartbeats {
    async fn insert(&self, heartbeat: &Heartbeat) -> RepoResult<()> {
        let mut store = self.0.lock();
        let key = (heartbeat.project_id, heartbeat.server_id.clone());
        // Check, then write both rows under the one lock: the transaction.
        let server = store.servers.get_mut(&key).ok_or(RepositoryError::NotFound)?;
        server.last_seen_at = Some(heartbeat.received_at);
        let seq = store.next_seq();
        store.heartbeats.insert(seq, heartbeat.clone());
        Ok(())
    }

    async fn latest(&self, project: ProjectId, server_id: &ServerId) -> RepoResult<Option<Heartbeat>> {
        Ok(self.newest_first(project, server_id).into_iter().next())
    }

    async fn averages(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<Option<HeartbeatAverages>> {
        let store = self.0.lock();
        // Each heartbeat's percentages first, then their mean: the
        // definition the SQL backends must agree with.
        let (mut cpu, mut ram, mut disk, mut samples) =
            (Mean::default(), Mean::default(), Mean::default(), 0u64);
        for h in store.heartbeats.values() {
            if h.project_id == project
                && server.is_none_or(|s| &h.server_id == s)
                && in_window(h.timestamp, Some(from), Some(to))
            {
                cpu.add(h.metrics.cpu_percent);
                ram.add(h.metrics.ram_percent());
                disk.add(h.metrics.disk_percent());
                samples += 1;
            }
        }
        drop(store);
        Ok((samples > 0).then(|| HeartbeatAverages {
            cpu_percent: cpu.get(),
            ram_percent: ram.get(),
            disk_percent: disk.get(),
            samples,
        }))
    }

    async fn buckets(
        &self,
        project: ProjectId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step: chrono::Duration,
    ) -> RepoResult<Vec<HeartbeatBucket>> {
        let step_us = step.num_microseconds().unwrap_or(i64::MAX).max(1);
        let mut steps: BTreeMap<(ServerId, i64), Step> = BTreeMap::new();
        let store = self.0.lock();
        for h in store.heartbeats.values() {
            if h.project_id == project && in_window(h.timestamp, Some(from), Some(to)) {
                let start = h.timestamp.timestamp_micros().div_euclid(step_us) * step_us;
                let step = steps.entry((h.server_id.clone(), start)).or_default();
                let m = &h.metrics;
                step.cpu.add(m.cpu_percent);
                step.ram.add(m.ram_percent());
                step.disk.add(m.disk_percent());
                step.rx.add(m.net_rx_bytes_per_sec);
                step.tx.add(m.net_tx_bytes_per_sec);
                step.samples += 1;
            }
        }
        drop(store);
        Ok(steps
            .into_iter()
            .map(|((server_id, start), s)| HeartbeatBucket {
                server_id,
                start: DateTime::from_timestamp_micros(start).unwrap_or_default(),
                cpu_percent: s.cpu.get(),
                ram_percent: s.ram.get(),
                disk_percent: s.disk.get(),
                net_rx_bytes_per_sec: s.rx.get(),
                net_tx_bytes_per_sec: s.tx.get(),
                samples: s.samples,
            })
            .collect())
    }

    async fn list(
        &self,
        project: ProjectId,
        server_id: &ServerId,
        window: Window,
    ) -> RepoResult<Vec<Heartbeat>> {
        Ok(self
            .newest_first(project, server_id)
            .into_iter()
            .filter(|h| window.contains(h.timestamp))
            .take(window.limit() as usize)
            .collect())
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        let mut store = self.0.lock();
        // Oldest first, so repeated batches make steady progress.
        let mut expired: Vec<(DateTime<Utc>, u64)> = store
            .heartbeats
            .iter()
            .filter(|(_, h)| h.timestamp < cutoff)
            .map(|(seq, h)| (h.timestamp, *seq))
            .collect();
        expired.sort_unstable();
        expired.truncate(batch as usize);
        for (_, seq) in &expired {
            store.heartbeats.remove(seq);
        }
        Ok(expired.len() as u64)
    }
}
