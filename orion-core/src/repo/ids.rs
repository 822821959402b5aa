//! Allocation of integer ids, one sequence per kind of resource.

use async_trait::async_trait;

use crate::error::RepoResult;
use crate::model::IdKind;

/// Hands out ids. Implementors must guarantee that every call returns an id
/// never returned before for that kind, by any instance sharing the store
/// (an atomic counter in the database, not in the process), positive and
/// below [`MAX_ID`](crate::model::MAX_ID). Gaps are allowed: an id drawn
/// for an insert that then fails is not reused.
#[async_trait]
pub trait IdRepository: Send + Sync {
    /// The next id of `kind`.
    async fn next(&self, kind: IdKind) -> RepoResult<i64>;
}
