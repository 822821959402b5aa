//! [`LoginAttemptRepository`] in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::Email;
use orion_core::repo::LoginAttemptRepository;

use super::Db;

pub(super) struct LoginAttempts(pub(super) Db);

#[async_trait]
impl LoginAttemptRepository for LoginAttempts {
    async fn record_failure(&self, email: &Email, at: DateTime<Utc>) -> RepoResult<()> {
        self.0.lock().login_failures.entry(email.as_str().to_owned()).or_default().push(at);
        Ok(())
    }

    async fn failures_since(&self, email: &Email, since: DateTime<Utc>) -> RepoResult<Vec<DateTime<Utc>>> {
        let store = self.0.lock();
        let mut times: Vec<_> = store
            .login_failures
            .get(email.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|at| *at >= since)
            .collect();
        // Failures may be recorded out of order (concurrent logins, a clock
        // moved by a test); the trait promises oldest first.
        times.sort();
        Ok(times)
    }

    async fn clear(&self, email: &Email) -> RepoResult<()> {
        self.0.lock().login_failures.remove(email.as_str());
        Ok(())
    }
}
