//! Password hashing as a port. bcrypt is CPU-heavy by design, so the default
//! implementation runs it on tokio's blocking pool, never on the async
//! worker threads.

use async_trait::async_trait;

use crate::error::ServiceError;

/// Hashes and verifies passwords.
#[async_trait]
pub trait PasswordHasher: Send + Sync + std::fmt::Debug {
    /// Hashes a password for storage.
    async fn hash(&self, password: &str) -> Result<String, ServiceError>;
    /// Checks a password against a stored hash. A malformed hash is `false`.
    async fn verify(&self, password: &str, hash: &str) -> bool;
}

/// bcrypt with a configurable cost (12 in production; tests use 4).
#[derive(Debug, Clone, Copy)]
pub struct BcryptHasher {
    cost: u32,
}

impl BcryptHasher {
    /// A hasher with the given bcrypt cost (4..=31).
    pub fn new(cost: u32) -> Self {
        Self { cost: cost.clamp(4, 31) }
    }
}

impl Default for BcryptHasher {
    fn default() -> Self {
        Self::new(bcrypt::DEFAULT_COST)
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let (password, cost) = (password.to_owned(), self.cost);
        tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
            .await
            .map_err(|e| ServiceError::Internal(format!("hashing task failed: {e}")))?
            .map_err(|e| ServiceError::Internal(format!("bcrypt failed: {e}")))
    }

    async fn verify(&self, password: &str, hash: &str) -> bool {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await
            .unwrap_or(false)
    }
}
