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
    pub damaged: Vec<(i64, Damage)>,
}

/// What is wrong with a damaged block, as `orion check` prints it. The
/// causes are kept as text: the report outlives the read that failed and
/// is compared in tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Damage {
    /// Its directory row, filter row or parts could not be read or decoded.
    #[error("{0}")]
    Unreadable(String),
    /// The directory lists it but it has no filter.
    #[error("its filter is missing")]
    NoFilter,
    /// Its filter does not decode.
    #[error("{0}")]
    BadFilter(String),
    /// Its filter was sealed for other entries.
    #[error("its filter belongs to another block")]
    ForeignFilter,
    /// The decoded entries do not match the directory row.
    #[error("its entries disagree with the directory ({decoded} entries decoded, {listed} listed)")]
    Disagrees {
        /// Entries the block decoded to.
        decoded: usize,
        /// Entries the directory row lists.
        listed: u32,
    },
}

impl Damage {
    fn unreadable(err: impl std::fmt::Display) -> Self {
        Self::Unreadable(err.to_string())
    }
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
async fn verify<C: ConnectionTrait>(db: &C, project: ProjectId, id: i64) -> Result<u64, Damage> {
    let listed = store::directory_row(db, id).await.map_err(Damage::unreadable)?;
    let s = &listed.summary;
    let filters = store::filters(db, &[id]).await.map_err(Damage::unreadable)?;
    let filter = filters.get(&id).ok_or(Damage::NoFilter)?;
    let filter = decode_filter(filter).map_err(|e| Damage::BadFilter(e.to_string()))?;
    if filter.block_tag() != s.block_tag() || filter.count() != s.count {
        return Err(Damage::ForeignFilter);
    }
    let entries = whole_block(db, project, id).await.map_err(Damage::unreadable)?;
    let ids = entries.iter().map(|e| e.id);
    let times = entries.iter().map(|e| to_micros(e.entry.timestamp));
    let consistent = entries.len() as u64 == u64::from(s.count)
        && ids.clone().min() == Some(s.min_id)
        && ids.max() == Some(s.max_id)
        && times.clone().min() == Some(s.min_ts)
        && times.max() == Some(s.max_ts);
    if !consistent {
        return Err(Damage::Disagrees { decoded: entries.len(), listed: s.count });
    }
    Ok(entries.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_reads_as_orion_check_prints_it() {
        assert_eq!(Damage::NoFilter.to_string(), "its filter is missing");
        assert_eq!(Damage::ForeignFilter.to_string(), "its filter belongs to another block");
        assert_eq!(
            Damage::Disagrees { decoded: 3, listed: 4 }.to_string(),
            "its entries disagree with the directory (3 entries decoded, 4 listed)"
        );
        assert_eq!(Damage::unreadable("checksum mismatch").to_string(), "checksum mismatch");
    }
}
