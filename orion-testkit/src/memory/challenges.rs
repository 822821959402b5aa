//! [`ChallengeRepository`] in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::LoginChallenge;
use orion_core::repo::ChallengeRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::Db;

pub(super) struct Challenges(pub(super) Db);

#[async_trait]
impl ChallengeRepository for Challenges {
    async fn insert(&self, challenge: &LoginChallenge) -> RepoResult<()> {
        let mut store = self.0.lock();
        if store.challenges.contains_key(&challenge.token_hash) {
            return Err(RepositoryError::Conflict(ConflictKey::TokenHash));
        }
        store.challenges.insert(challenge.token_hash.clone(), challenge.clone());
        Ok(())
    }

    async fn find(&self, token_hash: &str) -> RepoResult<Option<LoginChallenge>> {
        Ok(self.0.lock().challenges.get(token_hash).cloned())
    }

    async fn record_failure(&self, token_hash: &str) -> RepoResult<Option<u32>> {
        let mut store = self.0.lock();
        Ok(store.challenges.get_mut(token_hash).map(|c| {
            c.failed_attempts += 1;
            c.failed_attempts
        }))
    }

    async fn delete(&self, token_hash: &str) -> RepoResult<bool> {
        Ok(self.0.lock().challenges.remove(token_hash).is_some())
    }

    async fn delete_expired(&self, now: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        let mut store = self.0.lock();
        let expired: Vec<String> = store
            .challenges
            .iter()
            .filter(|(_, c)| c.expires_at <= now)
            .map(|(hash, _)| hash.clone())
            .take(batch as usize)
            .collect();
        for hash in &expired {
            store.challenges.remove(hash);
        }
        Ok(expired.len() as u64)
    }
}
