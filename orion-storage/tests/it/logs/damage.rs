//! A damaged block is found by `check_logs` by number, fails the queries
//! that touch it with an error naming it (never a silently short answer),
//! and leaves the rest of the store usable.

use orion_core::RepositoryError;
use orion_core::model::log::{LogFilter, LogQuery};
use orion_storage::IngestOptions;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::sqlite_storage;
use crate::fixtures::{log, stored_project};

#[tokio::test]
async fn a_damaged_frame_is_reported_by_number_and_fails_only_the_queries_that_touch_it() {
    let (_dir, storage, raw) = sqlite_storage(IngestOptions::default()).await;
    let repos = storage.repos();
    let (hurt, fine) = (stored_project(&repos).await, stored_project(&repos).await);
    repos.logs.append((0..5).map(|i| log(hurt.id, i, &format!("hurt {i}"))).collect()).await.unwrap();
    repos.logs.append((0..5).map(|i| log(fine.id, i, &format!("fine {i}"))).collect()).await.unwrap();
    let clean = storage.check_logs(|_, _| {}).await.unwrap();
    assert_eq!((clean.blocks, clean.entries, clean.damaged.len()), (2, 10, 0));

    // Flip bytes in the middle of the hurt project's message frame.
    let block: i64 = raw
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT id FROM log_blocks WHERE project_id = ?",
            [hurt.id.get().into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    raw.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "UPDATE log_frames SET data = substr(data, 1, 8) || randomblob(4) || substr(data, 13) WHERE block_id = ?",
        [block.into()],
    ))
    .await
    .unwrap();

    let report = storage.check_logs(|_, _| {}).await.unwrap();
    assert_eq!(report.damaged.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [block], "{report:?}");
    assert_eq!((report.blocks, report.entries), (2, 5));

    let query = LogQuery { filter: LogFilter::default(), limit: 10, offset: 0 };
    let failed = repos.logs.search(hurt.id, &query).await;
    let Err(RepositoryError::Unavailable(cause)) = failed else {
        panic!("expected a failure, got {failed:?}")
    };
    assert!(cause.to_string().contains(&format!("log block {block}")), "names the block: {cause}");
    assert_eq!(repos.logs.search(fine.id, &query).await.unwrap().total, 5, "the rest stays usable");
    // An export, owned or lent in place, fails naming the block too.
    let mut pages = repos.logs.export_pages(hurt.id, &LogFilter::default()).expect("block store pages");
    let failed = pages.next_rows(None, 10).await.map(|rows| rows.len());
    let Err(RepositoryError::Unavailable(cause)) = failed else {
        panic!("expected a failed export, got {failed:?}")
    };
    assert!(cause.to_string().contains(&format!("log block {block}")), "names the block: {cause}");
    let mut pages = repos.logs.export_pages(fine.id, &LogFilter::default()).expect("block store pages");
    assert_eq!(pages.next_rows(None, 10).await.unwrap().len(), 5);
    // Counts from the directory alone never read the damaged frame.
    assert_eq!(repos.logs.level_counts(hurt.id, &LogFilter::default()).await.unwrap().iter().sum::<u64>(), 5);
}
