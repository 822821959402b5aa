//! [`IdRepository`] in memory: one counter per kind, starting at 1.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::IdKind;
use orion_core::repo::IdRepository;

use super::Db;

pub(super) struct Ids(pub(super) Db);

#[async_trait]
impl IdRepository for Ids {
    async fn next(&self, kind: IdKind) -> RepoResult<i64> {
        let mut store = self.0.lock();
        let last = store.sequences.entry(kind).or_insert(0);
        *last += 1;
        Ok(*last)
    }
}
