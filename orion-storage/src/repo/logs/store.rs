//! The SQL side of the block engine: `log_blocks` (one row per block: the
//! summary as plain columns, then the filter, head and metadata BLOBs) and
//! `log_frames` (one row per message frame), on both backends.
//!
//! Reads come in three widths so a query fetches only what it needs: the
//! directory (summaries, no BLOB), filters, and heads with or without
//! metadata; frames are fetched by index. Every BLOB read names its block
//! so a damaged one can be reported by id.

use std::collections::HashMap;

use orion_core::error::RepoResult;
use orion_logstore::{BlockSummary, EncodedBlock};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};

use super::sql::Sql;
use crate::error::{CorruptRow, repo_err};

/// Ids are `block << 16 | ordinal`: a block holds at most 65,536 entries,
/// and block numbers below 2^37 keep every id below 2^53.
pub(super) const ORDINAL_BITS: u32 = 16;

/// The summary columns, in the order [`summary_of`] reads them.
const SUMMARY_COLUMNS: &str = "id, min_ts, max_ts, min_id, max_id, entry_count, \
     trace_count, debug_count, info_count, warn_count, error_count, fatal_count, \
     source, flags, frame_count, message_bytes, run";

/// One block in the directory: its number and its summary.
#[derive(Debug, Clone)]
pub(super) struct Listed {
    /// The block's number (`log_blocks.id`).
    pub(super) id: i64,
    /// Its plain columns.
    pub(super) summary: BlockSummary,
    /// The sorted run a merge made it part of (see `merge`); `None` for a
    /// block as the writer made it.
    pub(super) run: Option<i64>,
}

/// The name of `project`'s directory version in `id_sequences`.
fn version_name(project: i64) -> String {
    format!("log_directory:{project}")
}

/// Bumps `project`'s directory version inside `db`'s transaction: every
/// statement that adds or removes one of its blocks calls this, so an
/// unchanged version means an unchanged set of blocks (see `directory`).
pub(super) async fn touch<C: ConnectionTrait>(db: &C, project: i64) -> RepoResult<()> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO id_sequences (name, last) VALUES (")
        .bind(version_name(project))
        .push(", 1) ON CONFLICT (name) DO UPDATE SET last = id_sequences.last + 1");
    db.execute_raw(sql.build()).await.map_err(repo_err)?;
    Ok(())
}

/// `project`'s directory version as `db`'s snapshot sees it (0 before
/// its first block).
pub(super) async fn version<C: ConnectionTrait>(db: &C, project: i64) -> RepoResult<i64> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT last FROM id_sequences WHERE name = ").bind(version_name(project));
    let row = db.query_one_raw(sql.build()).await.map_err(repo_err)?;
    row.map_or(Ok(0), |r| r.try_get_by_index::<i64>(0).map_err(repo_err))
}

/// Draws `n` consecutive block numbers inside `db`'s transaction; returns
/// the first. Taking the row lock of the `log_blocks` sequence inside the
/// writing transaction orders block numbers by commit on PostgreSQL too,
/// so ids only grow in commit order whatever the instance.
pub(super) async fn allocate<C: ConnectionTrait>(db: &C, n: i64) -> RepoResult<i64> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO id_sequences (name, last) VALUES ('log_blocks', ")
        .bind(n)
        .push(") ON CONFLICT (name) DO UPDATE SET last = id_sequences.last + ")
        .bind(n)
        .push(" RETURNING last");
    let row = db.query_one_raw(sql.build()).await.map_err(repo_err)?;
    let last: i64 = row
        .ok_or_else(|| CorruptRow::in_table("id_sequences", "no row returned"))?
        .try_get_by_index(0)
        .map_err(repo_err)?;
    Ok(last - n + 1)
}

/// Stores one encoded block of `project` as block `id` (and its frames),
/// in sorted run `run` if a merge made it.
pub(super) async fn insert<C: ConnectionTrait>(
    db: &C,
    project: i64,
    id: i64,
    block: &EncodedBlock,
    run: Option<i64>,
) -> RepoResult<()> {
    let s = &block.summary;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO log_blocks (id, project_id, run, min_ts, max_ts, min_id, max_id, entry_count, ")
        .push("trace_count, debug_count, info_count, warn_count, error_count, fatal_count, ")
        .push("source, flags, frame_count, message_bytes, filter, head, metadata) VALUES (")
        .bind(id)
        .push(", ")
        .bind(project)
        .push(", ")
        .bind(run)
        .push(", ")
        .bind_list([s.min_ts, s.max_ts, s.min_id, s.max_id, i64::from(s.count)], ", ")
        .push(", ")
        .bind_list(s.level_counts.map(i64::from), ", ")
        .push(", ")
        .bind(s.source.clone())
        .push(", ")
        .bind_list(
            [
                i64::from(s.flags),
                i64::from(s.frame_count),
                i64::try_from(s.message_bytes).unwrap_or(i64::MAX),
            ],
            ", ",
        )
        .push(", ")
        .bind(block.filter.clone())
        .push(", ")
        .bind(block.head.clone())
        .push(", ")
        .bind(block.metadata.clone())
        .push(")");
    db.execute_raw(sql.build()).await.map_err(repo_err)?;
    // All frames of the block in one statement (a block has a handful).
    if !block.frames.is_empty() {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("INSERT INTO log_frames (block_id, frame_no, data) VALUES ");
        for (no, frame) in block.frames.iter().enumerate() {
            if no > 0 {
                sql.push(", ");
            }
            sql.push("(").bind(id).push(", ").bind(no as i64).push(", ").bind(frame.clone()).push(")");
        }
        db.execute_raw(sql.build()).await.map_err(repo_err)?;
    }
    touch(db, project).await
}

/// The project's blocks that overlap `[from_us, to_us)` (either bound
/// optional), newest first by `(max_ts, max_id)`: the order a newest-first
/// query visits them in.
pub(super) async fn directory<C: ConnectionTrait>(
    db: &C,
    project: i64,
    from_us: Option<i64>,
    to_us: Option<i64>,
) -> RepoResult<Vec<Listed>> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT ").push(SUMMARY_COLUMNS).push(" FROM log_blocks WHERE project_id = ").bind(project);
    if let Some(from) = from_us {
        sql.push(" AND max_ts >= ").bind(from);
    }
    if let Some(to) = to_us {
        sql.push(" AND min_ts < ").bind(to);
    }
    sql.push(" ORDER BY max_ts DESC, max_id DESC");
    let rows = db.query_all_raw(sql.build()).await.map_err(repo_err)?;
    rows.iter().map(summary_of).collect()
}

/// Numbers of the project's blocks that may hold ids `first..=last`:
/// with `by_number`, the blocks numbered as those ids say (where fresh
/// entries are), otherwise every block whose id span overlaps (where a
/// merge may have moved them).
pub(super) async fn blocks_holding<C: ConnectionTrait>(
    db: &C,
    project: i64,
    first: i64,
    last: i64,
    by_number: bool,
) -> RepoResult<Vec<i64>> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id FROM log_blocks WHERE project_id = ").bind(project);
    if by_number {
        sql.push(" AND id >= ").bind(first >> ORDINAL_BITS).push(" AND id <= ").bind(last >> ORDINAL_BITS);
    }
    sql.push(" AND min_id <= ").bind(last).push(" AND max_id >= ").bind(first).push(" ORDER BY id");
    let rows = db.query_all_raw(sql.build()).await.map_err(repo_err)?;
    rows.iter().map(|row| row.try_get_by_index::<i64>(0).map_err(repo_err)).collect()
}

/// Deletes block `id` of `project` (and its frames) only if it still
/// holds `count` entries, bumping the project's directory version (a
/// transaction that also draws numbers must [`allocate`] first); `false`
/// (nothing changed) when a merge, retention or another instance replaced
/// or shrank it first.
pub(super) async fn delete_unchanged<C: ConnectionTrait>(
    db: &C,
    project: i64,
    id: i64,
    count: u32,
) -> RepoResult<bool> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("DELETE FROM log_blocks WHERE id = ")
        .bind(id)
        .push(" AND entry_count = ")
        .bind(i64::from(count));
    if db.execute_raw(sql.build()).await.map_err(repo_err)?.rows_affected() == 0 {
        return Ok(false);
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("DELETE FROM log_frames WHERE block_id = ").bind(id);
    db.execute_raw(sql.build()).await.map_err(repo_err)?;
    touch(db, project).await?;
    Ok(true)
}

/// How many entries block `id` holds, if it exists, locking its row on
/// PostgreSQL until `db`'s transaction ends: retention reads the block's
/// entries next, and a merge committing in between (READ COMMITTED) could
/// otherwise take them away mid-read. SQLite's IMMEDIATE transaction
/// already holds the write lock.
pub(super) async fn entry_count<C: ConnectionTrait>(db: &C, id: i64) -> RepoResult<Option<u32>> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT entry_count FROM log_blocks WHERE id = ").bind(id);
    if backend == DbBackend::Postgres {
        sql.push(" FOR UPDATE");
    }
    let row = db.query_one_raw(sql.build()).await.map_err(repo_err)?;
    row.map(|r| r.try_get_by_index::<i64>(0).map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
        .transpose()
        .map_err(repo_err)
}

/// The directory row of block `id`.
pub(super) async fn directory_row<C: ConnectionTrait>(db: &C, id: i64) -> RepoResult<Listed> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT ").push(SUMMARY_COLUMNS).push(" FROM log_blocks WHERE id = ").bind(id);
    let row = db.query_one_raw(sql.build()).await.map_err(repo_err)?;
    summary_of(&row.ok_or_else(|| CorruptRow::in_table("log_blocks", format!("block {id} vanished")))?)
}

/// Blocks of any project with entries before `cutoff_us`, oldest first, at
/// most `limit` of them (retention).
pub(super) async fn expiring<C: ConnectionTrait>(
    db: &C,
    cutoff_us: i64,
    limit: u32,
) -> RepoResult<Vec<(i64, Listed)>> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT ")
        .push(SUMMARY_COLUMNS)
        .push(", project_id FROM log_blocks WHERE min_ts < ")
        .bind(cutoff_us)
        .push(" ORDER BY min_ts, id LIMIT ")
        .bind(i64::from(limit));
    let rows = db.query_all_raw(sql.build()).await.map_err(repo_err)?;
    rows.iter()
        .map(|row| {
            let project: i64 = row.try_get_by_index(17).map_err(repo_err)?;
            Ok((project, summary_of(row)?))
        })
        .collect()
}

fn summary_of(row: &QueryResult) -> RepoResult<Listed> {
    let int = |i: usize| -> RepoResult<i64> { row.try_get_by_index::<i64>(i).map_err(repo_err) };
    let small = |i: usize| -> RepoResult<u32> {
        let v = int(i)?;
        u32::try_from(v).map_err(|_| CorruptRow::in_table("log_blocks", format!("column {i} holds {v}")))
    };
    let mut level_counts = [0u32; 6];
    for (rank, slot) in level_counts.iter_mut().enumerate() {
        *slot = small(6 + rank)?;
    }
    Ok(Listed {
        id: int(0)?,
        summary: BlockSummary {
            min_ts: int(1)?,
            max_ts: int(2)?,
            min_id: int(3)?,
            max_id: int(4)?,
            count: small(5)?,
            level_counts,
            source: row.try_get_by_index::<Option<String>>(12).map_err(repo_err)?,
            flags: small(13)?,
            frame_count: small(14)?,
            message_bytes: u64::try_from(int(15)?).unwrap_or(0),
        },
        run: row.try_get_by_index::<Option<i64>>(16).map_err(repo_err)?,
    })
}

/// The filter BLOBs of `ids`.
pub(super) async fn filters<C: ConnectionTrait>(db: &C, ids: &[i64]) -> RepoResult<HashMap<i64, Vec<u8>>> {
    blobs(db, "filter", ids).await.map(|m| m.into_iter().map(|(id, (a, _))| (id, a)).collect())
}

/// The head BLOBs of `ids`, each with its metadata BLOB when `metadata`.
pub(super) async fn heads<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    metadata: bool,
) -> RepoResult<HashMap<i64, (Vec<u8>, Option<Vec<u8>>)>> {
    blobs(db, if metadata { "head, metadata" } else { "head" }, ids).await
}

/// The metadata BLOB of block `id`, if the block exists.
pub(super) async fn metadata<C: ConnectionTrait>(db: &C, id: i64) -> RepoResult<Option<Vec<u8>>> {
    let mut found = blobs(db, "metadata", &[id]).await?;
    Ok(found.remove(&id).map(|(metadata, _)| metadata))
}

async fn blobs<C: ConnectionTrait>(
    db: &C,
    columns: &str,
    ids: &[i64],
) -> RepoResult<HashMap<i64, (Vec<u8>, Option<Vec<u8>>)>> {
    let mut out = HashMap::with_capacity(ids.len());
    let two = columns.contains(',');
    for chunk in ids.chunks(200) {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("SELECT id, ").push(columns).push(" FROM log_blocks WHERE id IN (");
        sql.bind_list(chunk.iter().copied(), ", ").push(")");
        for row in db.query_all_raw(sql.build()).await.map_err(repo_err)? {
            let id: i64 = row.try_get_by_index(0).map_err(repo_err)?;
            let first: Vec<u8> = row.try_get_by_index(1).map_err(repo_err)?;
            let second = if two { Some(row.try_get_by_index::<Vec<u8>>(2).map_err(repo_err)?) } else { None };
            out.insert(id, (first, second));
        }
    }
    Ok(out)
}

/// Frames `indexes` of block `id` (all of them when `None`), in any order.
pub(super) async fn frames<C: ConnectionTrait>(
    db: &C,
    id: i64,
    indexes: Option<&[u32]>,
) -> RepoResult<Vec<Vec<u8>>> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT data FROM log_frames WHERE block_id = ").bind(id);
    if let Some(indexes) = indexes {
        if indexes.is_empty() {
            return Ok(Vec::new());
        }
        sql.push(" AND frame_no IN (").bind_list(indexes.iter().map(|&i| i64::from(i)), ", ").push(")");
    }
    let rows = db.query_all_raw(sql.build()).await.map_err(repo_err)?;
    rows.iter().map(|row| row.try_get_by_index::<Vec<u8>>(0).map_err(repo_err)).collect()
}
