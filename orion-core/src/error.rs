//! Errors by layer: what a repository can report, and what a service reports
//! to its caller. The HTTP crate maps [`ServiceError`] to status codes in one
//! place; nothing else needs to know about status codes.

use std::time::Duration;

use serde::Serialize;

/// What a repository implementation may report. Implementors must map their
/// backend's unique-constraint violations to [`RepositoryError::Conflict`]
/// and "no such row" to [`RepositoryError::NotFound`]; a database that
/// cannot be reached (no connection in time, connection refused or lost, a
/// statement timed out) to [`RepositoryError::Unreachable`]; everything else
/// is [`RepositoryError::Unavailable`].
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The row the operation addressed does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated; the key says which one, so callers
    /// tell an email clash from a pseudo clash without reading backend text.
    #[error("conflict: {0}")]
    Conflict(ConflictKey),
    /// The write queue is full: the caller should back off and retry.
    #[error("storage is overloaded")]
    Overloaded,
    /// The database cannot be reached right now: no connection within the
    /// pool's acquire timeout, connection refused, reset or closed, a
    /// statement cancelled by its timeout. Transient: retrying later may
    /// succeed (HTTP answers 503 with `Retry-After`).
    #[error("storage unreachable")]
    Unreachable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The backend failed otherwise (a corrupt row, a bug).
    #[error("storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which uniqueness rule a [`RepositoryError::Conflict`] broke. A closed set,
/// so every producer (the SQL backends, the in-memory repositories) names
/// the same thing the same way and a consumer's `match` is checked by the
/// compiler instead of by a substring search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ConflictKey {
    /// A row's identity: a reused id or primary key.
    #[error("id")]
    Id,
    /// A user's email (compared case-insensitively).
    #[error("email")]
    Email,
    /// A user's pseudo (compared case-insensitively).
    #[error("pseudo")]
    Pseudo,
    /// A name unique within its owner or project (a project, a source, a
    /// saved search).
    #[error("name")]
    Name,
    /// The hash of a secret: an API token's, or a login challenge's.
    #[error("token hash")]
    TokenHash,
    /// An incident's open key: one open incident per key and project.
    #[error("open key")]
    OpenKey,
    /// A command's outcome, which can be recorded once only.
    #[error("command already acknowledged")]
    Acknowledged,
}

impl RepositoryError {
    /// Wraps any backend error as [`RepositoryError::Unavailable`].
    pub fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(err))
    }

    /// Wraps a connectivity failure as [`RepositoryError::Unreachable`].
    pub fn unreachable(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unreachable(Box::new(err))
    }
}

/// One problem with one input field. `index` is set for batch inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Position of the entry in a batch, when the input was a batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The wire name of the field (camelCase).
    pub field: String,
    /// A human sentence saying what is wrong.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { index: None, field: field.into(), message: message.into() }
    }
}

/// The error every service returns. Variants are what a caller can act on.
///
/// One enum serves all services on purpose: each service boundary needs the
/// same handful of outcomes, and a single enum keeps the HTTP mapping in one
/// function (see `docs/architecture.md`).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The addressed thing does not exist *for this caller* (another user's
    /// project is reported this way too).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was violated.
    #[error("{0}")]
    Conflict(String),
    /// Input failed validation.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Missing, malformed, expired, revoked or unknown credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// An API token lacks a permission the operation needs.
    #[error("this token lacks the `{0}` permission")]
    MissingPermission(&'static str),
    /// An API token was used where only a user session is accepted.
    #[error("this endpoint needs a user session token, not an API token")]
    UserTokenRequired,
    /// Too many attempts; try again after the given delay.
    #[error("too many attempts")]
    RateLimited {
        /// How long the caller should wait.
        retry_after: Duration,
    },
    /// The request is over a size limit (batch length, body size).
    #[error("{0}")]
    TooLarge(String),
    /// Storage failed; the cause is kept for the server log only.
    #[error("storage failure")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database cannot be reached right now; the caller should retry
    /// later. The cause is kept for the server log only.
    #[error("the database is unreachable")]
    Unreachable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An internal invariant failed (a port returned an error).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    /// A validation error about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<RepositoryError> for ServiceError {
    fn from(err: RepositoryError) -> Self {
        match err {
            RepositoryError::NotFound => Self::NotFound("resource"),
            RepositoryError::Conflict(key) => Self::Conflict(key.to_string()),
            RepositoryError::Overloaded => Self::RateLimited { retry_after: Duration::from_secs(1) },
            RepositoryError::Unreachable(cause) => Self::Unreachable(cause),
            RepositoryError::Unavailable(cause) => Self::Storage(cause),
        }
    }
}

/// Result alias for services.
pub type ServiceResult<T> = Result<T, ServiceError>;
/// Result alias for repositories.
pub type RepoResult<T> = Result<T, RepositoryError>;

/// Keeps the value of `result`, or records its error in `errors`; lets a
/// service validate every field and report all problems at once.
pub(crate) fn collect<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_no_service_maps_names_its_key() {
        let err = ServiceError::from(RepositoryError::Conflict(ConflictKey::TokenHash));
        assert!(matches!(&err, ServiceError::Conflict(_)), "{err:?}");
        assert_eq!(err.to_string(), "token hash");
        assert_eq!(
            RepositoryError::Conflict(ConflictKey::Acknowledged).to_string(),
            "conflict: command already acknowledged"
        );
    }
}
