//! Needles common enough that SQLite switches strategy (more FTS matches
//! than it fetches by id): the time index leads the page and the FTS index
//! counts (totals, histograms, per-level counts). The answers must not
//! change: they are compared with `LogFilter::matches` here, on both
//! backends.

use orion_core::Repos;
use orion_core::model::log::{Level, LogEntry, LogFilter, LogQuery};

use crate::backends::{on_postgres, sqlite_url};
use crate::fixtures::{log, stored_project};

/// More than the 4,000 matches SQLite fetches by id.
const COMMON: usize = 4_200;

/// `COMMON` entries with each needle, plus a few with neither, varied in
/// level, tags and time (with ties).
async fn data_set(repos: &Repos) -> (orion_core::model::ProjectId, Vec<LogEntry>) {
    let project = stored_project(repos).await.id;
    let mut stored = Vec::new();
    let entries: Vec<_> = (0..COMMON)
        .flat_map(|i| {
            let offset = (i as i64 / 3) * 1_000;
            let mut ascii = log(project, offset, &format!("request {i} TIMEOUT upstream"));
            let mut accented = log(project, offset + 1, &format!("ÉCOLE {i} fermée"));
            for (n, e) in [&mut ascii, &mut accented].into_iter().enumerate() {
                e.level = Level::ALL[(i + n) % 6];
                e.tags = if i % 2 == 0 { vec!["app".into(), "even".into()] } else { vec!["app".into()] };
            }
            [ascii, accented]
        })
        .chain((0..5).map(|i| log(project, i, "unrelated")))
        .collect();
    for chunk in entries.chunks(2_000) {
        stored.extend(repos.logs.append(chunk.to_vec()).await.unwrap());
    }
    (project, stored)
}

fn reference(stored: &[LogEntry], filter: &LogFilter) -> Vec<i64> {
    let mut kept: Vec<&LogEntry> = stored.iter().filter(|e| filter.matches(&e.entry)).collect();
    kept.sort_by_key(|e| std::cmp::Reverse((e.entry.timestamp, e.id)));
    kept.iter().map(|e| e.id).collect()
}

async fn common_needles_page_and_count_like_the_reference(repos: Repos) {
    let (project, stored) = data_set(&repos).await;
    let filters = [
        LogFilter { search: Some("timeout".into()), ..LogFilter::default() },
        LogFilter { search: Some("école".into()), ..LogFilter::default() },
        LogFilter { search: Some("Timeout".into()), tags: vec!["even".into()], ..LogFilter::default() },
        LogFilter {
            search: Some("ÉCOLE".into()),
            levels: orion_core::model::log::LevelFilter::AtLeast(Level::Error),
            ..LogFilter::default()
        },
    ];
    for filter in filters {
        let expected = reference(&stored, &filter);
        assert!(expected.len() > 1_000, "{filter:?} should be common");
        let query = LogQuery { filter: filter.clone(), limit: 50, offset: 120 };
        let page = repos.logs.search(project, &query).await.unwrap();
        let ids: Vec<i64> = page.logs.iter().map(|e| e.id).collect();
        assert_eq!(ids, expected[120..170], "page for {filter:?}");
        assert_eq!(page.total, expected.len() as u64, "total for {filter:?}");

        let after = page
            .logs
            .last()
            .map(|e| orion_core::model::log::LogCursor { timestamp: e.entry.timestamp, id: e.id });
        let next = repos.logs.page_after(project, &filter, after, 30).await.unwrap();
        let ids: Vec<i64> = next.iter().map(|e| e.id).collect();
        assert_eq!(ids, expected[170..200], "keyset page for {filter:?}");

        let histogram =
            repos.logs.histogram(project, &filter, orion_core::model::log::Interval::Hour).await.unwrap();
        let counted: u64 = histogram.iter().map(|h| h.count).sum();
        assert_eq!(counted, expected.len() as u64, "histogram for {filter:?}");

        // Alert metrics count through the same access paths.
        let mut per_level = [0u64; 6];
        for e in stored.iter().filter(|e| filter.matches(&e.entry)) {
            per_level[e.entry.level.rank() as usize] += 1;
        }
        let counts = repos.logs.level_counts(project, &filter).await.unwrap();
        assert_eq!(counts, per_level, "level counts for {filter:?}");
    }
}

#[tokio::test]
async fn common_needles_page_and_count_like_the_reference_on_sqlite() {
    let (_dir, url) = sqlite_url();
    common_needles_page_and_count_like_the_reference(orion_storage::connect(&url).await.unwrap()).await;
}

#[ignore = "needs ORION_TEST_POSTGRES_URL"]
#[tokio::test]
async fn common_needles_page_and_count_like_the_reference_on_postgres() {
    on_postgres(|url| async move {
        common_needles_page_and_count_like_the_reference(orion_storage::connect(&url).await.unwrap()).await;
    })
    .await;
}

#[tokio::test]
async fn metadata_keys_with_quotes_dots_and_backslashes_filter_exactly() {
    let repos = orion_storage::connect("sqlite::memory:").await.unwrap();
    let project = stored_project(&repos).await.id;
    let keys = ["say \"hi\"", "a.b", "back\\slash", "ключ"];
    let entries = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let mut e = log(project, i as i64, "m");
            e.metadata.insert((*key).to_owned(), serde_json::json!(i));
            e.metadata.insert("flag".into(), serde_json::json!(i % 2 == 0));
            e
        })
        .collect();
    let stored = repos.logs.append(entries).await.unwrap();
    for (i, key) in keys.iter().enumerate() {
        for (wanted, hits) in [(i.to_string(), 1), (format!("{i}.0"), 0), (format!("\"{i}\""), 0)] {
            let filter =
                LogFilter { metadata: vec![((*key).to_owned(), wanted.clone())], ..LogFilter::default() };
            let page =
                repos.logs.search(project, &LogQuery { filter: filter.clone(), limit: 10, offset: 0 }).await;
            assert_eq!(page.unwrap().logs.len(), hits, "{key} = {wanted}");
            assert_eq!(reference(&stored, &filter).len(), hits);
        }
    }
    let filter = LogFilter { metadata: vec![("flag".into(), "true".into())], ..LogFilter::default() };
    let page = repos.logs.search(project, &LogQuery { filter, limit: 10, offset: 0 }).await.unwrap();
    assert_eq!(page.logs.len(), 2);
}
