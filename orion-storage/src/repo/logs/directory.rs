//! Each project's directory (its blocks' summary rows, newest first) kept
//! in process, so a query reads one small row instead of every block's.
//!
//! Every statement that adds or removes a block of a project also bumps
//! that project's directory version, in the same transaction
//! (`store::touch`). A query reads the version inside its own snapshot:
//! if it equals the cached directory's, the cached rows are exactly the
//! blocks that snapshot sees; otherwise the directory is read again (in
//! that snapshot) and cached under the new version. This holds for any
//! number of instances on one PostgreSQL, with no invalidation messages.
//!
//! The cache holds at most [`MAX_BLOCKS`] rows over all projects; past
//! that it is emptied and refills with the projects being queried.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use orion_core::error::RepoResult;
use sea_orm::ConnectionTrait;

use super::store::{self, Listed};

/// Directory rows kept over all projects (~200 bytes each).
const MAX_BLOCKS: usize = 100_000;

/// One project's cached directory.
#[derive(Debug)]
struct Cached {
    version: i64,
    blocks: Arc<Vec<Listed>>,
}

/// The cached directories of the projects queried lately.
#[derive(Debug, Default)]
pub(super) struct Directories {
    projects: Mutex<HashMap<i64, Cached>>,
}

impl Directories {
    /// `project`'s blocks as `db`'s snapshot sees them, newest first by
    /// `(max_ts, max_id)`.
    pub(super) async fn get<C: ConnectionTrait>(&self, db: &C, project: i64) -> RepoResult<Arc<Vec<Listed>>> {
        let version = store::version(db, project).await?;
        if let Some(cached) = self.lock().get(&project).filter(|c| c.version == version) {
            return Ok(cached.blocks.clone());
        }
        let blocks = Arc::new(store::directory(db, project, None, None).await?);
        let mut projects = self.lock();
        let held: usize = projects.values().map(|c| c.blocks.len()).sum();
        if held + blocks.len() > MAX_BLOCKS {
            projects.clear();
        }
        // A concurrent query may have cached a newer version meanwhile.
        let newer = projects.get(&project).is_some_and(|c| c.version > version);
        if !newer {
            projects.insert(project, Cached { version, blocks: blocks.clone() });
        }
        Ok(blocks)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Cached>> {
        // A panic elsewhere cannot leave the map half-updated: use it.
        self.projects.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
