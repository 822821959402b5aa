//! Storage for the login flow: 2FA challenges and failed-attempt records.
//! Kept in the database (not in memory) so several server instances share
//! them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::{Email, LoginChallenge};

/// Stores pending 2FA login challenges by the hash of their session token.
#[async_trait]
pub trait ChallengeRepository: Send + Sync {
    /// Stores a new challenge.
    async fn insert(&self, challenge: &LoginChallenge) -> RepoResult<()>;
    /// Finds a challenge by token hash.
    async fn find(&self, token_hash: &str) -> RepoResult<Option<LoginChallenge>>;
    /// Counts one more wrong code; returns the new count, or `None` if the
    /// challenge is gone.
    async fn record_failure(&self, token_hash: &str) -> RepoResult<Option<u32>>;
    /// Deletes the challenge. Returns `true` only for the caller that
    /// actually removed it, which makes consumption single-use under races.
    async fn delete(&self, token_hash: &str) -> RepoResult<bool>;
    /// Deletes at most `batch` challenges (2FA challenges and WebSocket
    /// tickets alike) whose `expires_at` is at or before `now`; returns how
    /// many went. A dead challenge is refused on use anyway: this only
    /// keeps the table from growing with tickets nobody redeemed.
    async fn delete_expired(&self, now: DateTime<Utc>, batch: u32) -> RepoResult<u64>;
}

/// Records failed logins per email for throttling.
#[async_trait]
pub trait LoginAttemptRepository: Send + Sync {
    /// Records a failure at `at`.
    async fn record_failure(&self, email: &Email, at: DateTime<Utc>) -> RepoResult<()>;
    /// Times of the failures at or after `since`, oldest first.
    async fn failures_since(&self, email: &Email, since: DateTime<Utc>) -> RepoResult<Vec<DateTime<Utc>>>;
    /// Forgets every failure of `email` (after a successful login).
    async fn clear(&self, email: &Email) -> RepoResult<()>;
}
