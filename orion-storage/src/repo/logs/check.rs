//! Verifying every stored block (`orion check`): each part's checksum and
//! format, a full decode, and the decoded entries against the directory
//! row (count, id and time range, frame count). Damaged blocks are
//! reported by number; the rest of the store stays usable.

use orion_core::error::RepoResult;
use orion_core::model::ProjectId;
use orion_logstore::{decode_filter, to_micros};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::read::whole_block;
use super::sql::Sql;
use super::store;
use crate::error::repo_err;

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Blocks verified.
    pub blocks: u64,
    /// Entries in the blocks that verified.
    pub entries: u64,
    /// Damaged blocks: number and what is wrong.
    pub damaged: Vec<(i64, String)>,
}

/// Checks every block, calling `progress(done, total)` as it goes.
pub(super) async fn check(
    db: &DatabaseConnection,
    mut progress: impl FnMut(u64, u64),
) -> RepoResult<CheckReport> {
    let rows = db
        .query_all_raw(
            Sql::new(db.get_database_backend())
                .push("SELECT id, project_id FROM log_blocks ORDER BY id")
                .build_ref(),
        )
        .await
        .map_err(repo_err)?;
    let total = rows.len() as u64;
    let mut report = CheckReport::default();
    for (done, row) in rows.iter().enumerate() {
        let id: i64 = row.try_get_by_index(0).map_err(repo_err)?;
        let project: i64 = row.try_get_by_index(1).map_err(repo_err)?;
        match verify(db, ProjectId(project), id).await {
            Ok(entries) => report.entries += entries,
            Err(problem) => report.damaged.push((id, problem)),
        }
        report.blocks += 1;
        progress(done as u64 + 1, total);
    }
    Ok(report)
}

/// The block's entry count, or what is wrong with it.
async fn verify<C: ConnectionTrait>(db: &C, project: ProjectId, id: i64) -> Result<u64, String> {
    let listed = store::directory_row(db, id).await.map_err(|e| e.to_string())?;
    let s = &listed.summary;
    let filters = store::filters(db, &[id]).await.map_err(|e| e.to_string())?;
    let filter = filters.get(&id).ok_or("its filter is missing")?;
    let filter = decode_filter(filter).map_err(|e| e.to_string())?;
    if filter.block_tag() != s.block_tag() || filter.count() != s.count {
        return Err("its filter belongs to another block".into());
    }
    let entries = whole_block(db, project, id).await.map_err(|e| e.to_string())?;
    let ids = entries.iter().map(|e| e.id);
    let times = entries.iter().map(|e| to_micros(e.entry.timestamp));
    let consistent = entries.len() as u64 == u64::from(s.count)
        && ids.clone().min() == Some(s.min_id)
        && ids.max() == Some(s.max_id)
        && times.clone().min() == Some(s.min_ts)
        && times.max() == Some(s.max_ts);
    if !consistent {
        return Err(format!(
            "its entries disagree with the directory ({} entries decoded, {} listed)",
            entries.len(),
            s.count
        ));
    }
    Ok(entries.len() as u64)
}
