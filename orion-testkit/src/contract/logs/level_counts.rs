//! Level counts (the log alert metrics): per level, exactly what
//! [`LogFilter::matches`] keeps, with the window `from` inclusive and `to`
//! exclusive and the source narrowing the engine uses.

use orion_core::Repos;
use orion_core::model::log::{Level, LevelFilter, LogEntry, LogFilter};

use super::super::{at, stored_project};
use super::{append, entry, source};

/// The reference: entries `filter` keeps, per level rank.
fn expected(stored: &[LogEntry], filter: &LogFilter) -> [u64; 6] {
    let mut counts = [0; 6];
    for e in stored.iter().filter(|e| filter.matches(&e.entry)) {
        counts[e.entry.level.rank() as usize] += 1;
    }
    counts
}

/// Every level, three sources (one absent), entries exactly on the window
/// edges; windows, sources, and the other filters alone and together.
pub async fn level_counts_agree_with_the_reference_under_windows_and_sources(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let entries = (0..90_i64)
        .map(|i| {
            let mut e =
                entry(project, (i / 3) * 1_000, Level::ALL[((i / 2) % 6) as usize], &format!("c {i}"));
            e.source = [Some("api"), Some("api-2"), None][(i % 3) as usize].map(source);
            e
        })
        .collect();
    let stored = append(repos, entries).await;
    // The same data in another project must never count.
    let other = stored_project(repos).await.id;
    let foreign =
        stored.iter().map(|e| orion_core::model::NewLogEntry { project_id: other, ..e.entry.clone() });
    append(repos, foreign.collect()).await;

    let window =
        |from: i64, to: i64| LogFilter { from: Some(at(from)), to: Some(at(to)), ..LogFilter::default() };
    let filters = [
        LogFilter::default(),
        window(5_000, 20_000),
        window(0, 1),
        window(29_000, 30_000),
        window(10_000, 10_000),
        LogFilter { source: Some("api".into()), ..window(3_000, 17_000) },
        LogFilter { source: Some("api-2".into()), ..LogFilter::default() },
        LogFilter { source: Some("ap".into()), ..LogFilter::default() },
        LogFilter { levels: LevelFilter::AtLeast(Level::Error), ..window(1_000, 25_000) },
        LogFilter { search: Some("C 1".into()), source: Some("api".into()), ..LogFilter::default() },
    ];
    for filter in &filters {
        let got = repos.logs.level_counts(project, filter).await.expect("level_counts");
        assert_eq!(got, expected(&stored, filter), "level counts under {filter:?}");
    }
    let all = repos.logs.level_counts(project, &LogFilter::default()).await.expect("level_counts");
    assert_eq!(all.iter().sum::<u64>(), 90, "every level is counted somewhere");
    assert!(all.iter().all(|c| *c > 0), "the data set has every level: {all:?}");
}

/// No entries: six zeros, not an error.
pub async fn an_empty_or_foreign_project_counts_zero_everywhere(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let filter = LogFilter { source: Some("api".into()), ..LogFilter::default() };
    assert_eq!(repos.logs.level_counts(project, &filter).await.expect("level_counts"), [0; 6]);
    let unknown = orion_core::model::ProjectId(crate::fresh_id());
    assert_eq!(repos.logs.level_counts(unknown, &LogFilter::default()).await.expect("level_counts"), [0; 6]);
}
