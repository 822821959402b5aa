//! Order (`timestamp` desc, then `id` desc), `limit`/`offset`, totals up to
//! the cap, and keyset pages for exports.

use orion_core::Repos;
use orion_core::model::ProjectId;
use orion_core::model::log::{Level, LevelFilter, LogCursor, LogEntry, LogFilter, LogQuery, TOTAL_COUNT_CAP};

use super::super::stored_project;
use super::{append, entry, ids, reference};

/// Stores `count` entries, three per timestamp and in shuffled time order
/// across two appends, with levels cycling.
async fn tied_rows(repos: &Repos, count: usize) -> (ProjectId, Vec<LogEntry>) {
    let project = stored_project(repos).await.id;
    let make = |i: usize| {
        // A permutation of the time slots, so insertion order is not time order.
        let slot = (i * 7) % count / 3;
        entry(project, slot as i64 * 1_000, Level::ALL[i % 6], &format!("row {i}"))
    };
    let half = count / 2;
    let mut stored = append(repos, (0..half).map(make).collect()).await;
    stored.extend(append(repos, (half..count).map(make).collect()).await);
    (project, stored)
}

fn page(filter: &LogFilter, limit: u32, offset: u32) -> LogQuery {
    LogQuery { filter: filter.clone(), limit, offset }
}

/// Entries sharing a timestamp come newest-inserted first.
pub async fn equal_timestamps_are_ordered_by_id_descending(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let first =
        append(repos, vec![entry(project, 0, Level::Info, "a"), entry(project, 0, Level::Info, "b")]).await;
    let second =
        append(repos, vec![entry(project, 0, Level::Info, "c"), entry(project, -1, Level::Info, "d")]).await;
    let found = repos.logs.search(project, &page(&LogFilter::default(), 10, 0)).await.expect("search");
    assert_eq!(ids(&found.logs), [second[0].id, first[1].id, first[0].id, second[1].id]);
    let walked = repos.logs.page_after(project, &LogFilter::default(), None, 10).await.expect("page");
    assert_eq!(ids(&walked), ids(&found.logs));
}

/// Consecutive pages partition the ordered matches; the total ignores them.
pub async fn limit_and_offset_cut_the_ordered_matches(repos: &Repos) {
    let (project, stored) = tied_rows(repos, 45).await;
    let filters = [
        LogFilter::default(),
        LogFilter { levels: LevelFilter::AtLeast(Level::Info), ..LogFilter::default() },
    ];
    for filter in &filters {
        let expected = reference(&stored, filter);
        let mut walked = Vec::new();
        for offset in (0..expected.len() as u32 + 7).step_by(7) {
            let found = repos.logs.search(project, &page(filter, 7, offset)).await.expect("search");
            assert_eq!(found.total, expected.len() as u64, "the total ignores limit and offset");
            assert!(!found.total_is_lower_bound);
            let want = expected.iter().skip(offset as usize).take(7);
            assert_eq!(ids(&found.logs), want.map(|e| e.id).collect::<Vec<_>>(), "page at offset {offset}");
            walked.extend(found.logs);
        }
        assert_eq!(ids(&walked), ids(&expected));
        let single = repos.logs.search(project, &page(filter, 1, 3)).await.expect("search");
        assert_eq!(ids(&single.logs), [expected[3].id]);
    }
}

/// Following the cursor from page to page yields each match once, in
/// order, for several page sizes, with and without a filter.
pub async fn page_after_walks_every_match_exactly_once_in_order(repos: &Repos) {
    let (project, stored) = tied_rows(repos, 57).await;
    let filters = [
        LogFilter::default(),
        LogFilter { levels: LevelFilter::OneOf(vec![Level::Debug, Level::Error]), ..LogFilter::default() },
        LogFilter { search: Some("ROW 1".into()), ..LogFilter::default() },
        LogFilter { search: Some("nothing".into()), ..LogFilter::default() },
    ];
    for filter in &filters {
        let expected = reference(&stored, filter);
        for size in [1, 3, 10, 1_000] {
            let mut walked: Vec<LogEntry> = Vec::new();
            let mut cursor = None;
            loop {
                let page = repos.logs.page_after(project, filter, cursor, size).await.expect("page");
                assert!(page.len() <= size as usize, "a page holds at most `limit` entries");
                let Some(last) = page.last() else { break };
                cursor = Some(LogCursor { timestamp: last.entry.timestamp, id: last.id });
                walked.extend(page);
                assert!(walked.len() <= expected.len(), "the walk repeats entries for {filter:?}");
            }
            assert_eq!(ids(&walked), ids(&expected), "walk with pages of {size} under {filter:?}");
        }
        // A cursor in the middle resumes right after it.
        if let Some(middle) = expected.get(expected.len() / 2) {
            let cursor = LogCursor { timestamp: middle.entry.timestamp, id: middle.id };
            let rest = repos.logs.page_after(project, filter, Some(cursor), 1_000).await.expect("page");
            assert_eq!(ids(&rest), ids(&expected[expected.len() / 2 + 1..]));
        }
    }
}

/// 10,050 matches report 10,000 as a lower bound; exactly 10,000 and fewer
/// are exact. The page itself is still the newest entries.
pub async fn totals_are_exact_up_to_the_cap_and_a_lower_bound_past_it(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let cap = TOTAL_COUNT_CAP as usize;
    let total = cap + 50;
    let mut last_ids = Vec::new();
    for start in (0..total).step_by(1_005) {
        let batch = (start..total.min(start + 1_005))
            .map(|i| {
                // The last 50 are errors; everything else is info.
                let level = if i >= cap { Level::Error } else { Level::Info };
                entry(project, i as i64, level, &format!("bulk row {i}"))
            })
            .collect();
        last_ids = ids(&append(repos, batch).await);
    }
    let newest: Vec<i64> = last_ids.iter().rev().take(5).copied().collect();

    let everything = repos.logs.search(project, &page(&LogFilter::default(), 5, 0)).await.expect("search");
    assert_eq!((everything.total, everything.total_is_lower_bound), (TOTAL_COUNT_CAP, true));
    assert_eq!(ids(&everything.logs), newest);

    let searched = LogFilter { search: Some("BULK ROW".into()), ..LogFilter::default() };
    let found = repos.logs.search(project, &page(&searched, 5, 0)).await.expect("search");
    assert_eq!(
        (found.total, found.total_is_lower_bound),
        (TOTAL_COUNT_CAP, true),
        "capped under a search too"
    );
    assert_eq!(ids(&found.logs), newest);

    let exactly_cap = LogFilter { levels: LevelFilter::OneOf(vec![Level::Info]), ..LogFilter::default() };
    let found = repos.logs.search(project, &page(&exactly_cap, 1, 0)).await.expect("search");
    assert_eq!(
        (found.total, found.total_is_lower_bound),
        (TOTAL_COUNT_CAP, false),
        "exactly the cap is exact"
    );

    let few = LogFilter { levels: LevelFilter::AtLeast(Level::Warn), ..LogFilter::default() };
    let found = repos.logs.search(project, &page(&few, 10, 45)).await.expect("search");
    assert_eq!((found.total, found.total_is_lower_bound), (50, false));
    assert_eq!(found.logs.len(), 5);

    let rare = LogFilter { search: Some("BULK ROW 10049".into()), ..LogFilter::default() };
    let found = repos.logs.search(project, &page(&rare, 10, 0)).await.expect("search");
    assert_eq!((found.total, found.total_is_lower_bound), (1, false));
    assert_eq!(found.logs[0].entry.message, "bulk row 10049");

    let far = repos.logs.search(project, &page(&LogFilter::default(), 10, 20_000)).await.expect("search");
    assert!(far.logs.is_empty(), "an offset past every match gives an empty page");
}
