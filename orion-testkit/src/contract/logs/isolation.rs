//! Nothing of another project ever shows up, whatever the query.

use orion_core::Repos;
use orion_core::model::log::{Interval, Level, LogFilter};

use super::super::stored_project;
use super::{append, assert_search_agrees, entry, source};

/// Two projects with the same entries: each sees only its own, through
/// search, keyset pages and the histogram; an empty project sees nothing.
pub async fn identical_logs_of_another_project_never_appear(repos: &Repos) {
    let (mine, theirs, empty) =
        (stored_project(repos).await.id, stored_project(repos).await.id, stored_project(repos).await.id);
    let make = |project| {
        (0..6).map(move |i| {
            let mut e = entry(project, i * 1_000, Level::ALL[i as usize], "shared text");
            e.source = Some(source("same-source"));
            e.tags = vec!["same".into()];
            e
        })
    };
    let stored_mine = append(repos, make(mine).collect()).await;
    append(repos, make(theirs).collect()).await;

    let filter =
        LogFilter { search: Some("shared".into()), tags: vec!["same".into()], ..LogFilter::default() };
    assert_search_agrees(repos, mine, &stored_mine, &filter).await;
    assert_search_agrees(repos, empty, &[], &LogFilter::default()).await;

    let pages = repos.logs.page_after(mine, &filter, None, 100).await.expect("page");
    assert!(pages.iter().all(|e| e.entry.project_id == mine) && pages.len() == 6);
    assert!(repos.logs.page_after(empty, &filter, None, 100).await.expect("page").is_empty());

    let histogram =
        repos.logs.histogram(mine, &LogFilter::default(), Interval::Day).await.expect("histogram");
    assert_eq!(histogram.iter().map(|c| c.count).sum::<u64>(), 6);
    assert!(repos.logs.histogram(empty, &filter, Interval::Day).await.expect("histogram").is_empty());
}

/// A project's deletion takes its logs with it; its neighbours keep theirs.
pub async fn deleting_a_project_deletes_its_logs_and_only_its_logs(repos: &Repos) {
    let (doomed, neighbour) = (stored_project(repos).await.id, stored_project(repos).await.id);
    append(repos, vec![entry(doomed, 0, Level::Info, "goes"), entry(doomed, 1, Level::Error, "goes too")])
        .await;
    let kept = append(repos, vec![entry(neighbour, 0, Level::Info, "stays")]).await;
    repos.projects.delete(doomed).await.expect("delete project");
    assert_search_agrees(repos, doomed, &[], &LogFilter::default()).await;
    assert!(repos.logs.page_after(doomed, &LogFilter::default(), None, 10).await.expect("page").is_empty());
    assert_search_agrees(repos, neighbour, &kept, &LogFilter::default()).await;
}
