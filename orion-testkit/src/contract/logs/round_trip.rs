//! `append` returns ids in input order and stores every field exactly.

use chrono::Duration;
use orion_core::Repos;
use orion_core::model::log::{Level, LogFilter};
use serde_json::json;

use super::super::{at, stored_project};
use super::{append, assert_search_agrees, entry, server, source};

/// Rich entries (nested and unicode metadata, tags, source, server id,
/// millisecond timestamps) come back exactly, from `append` and from a search.
pub async fn every_field_round_trips_and_ids_increase_in_input_order(repos: &Repos) {
    let project = stored_project(repos).await;
    let mut rich = entry(project.id, 1, Level::Fatal, "disk \"full\" on /var — 99% used\nsecond line ✓");
    rich.received_at = at(250);
    rich.metadata = json!({
        "region": "eu-west-1",
        "code": 507,
        "ratio": 0.25,
        "negative": -42,
        "big": 9_007_199_254_740_993_i64,
        "ok": false,
        "none": null,
        "nested": {"deeper": {"list": [1, "two", {"three": 3.5}], "empty": {}}},
        "unicode ключ": "значение 🚀 école",
        "quote": "it's a \"test\" with \\ backslash",
    })
    .as_object()
    .cloned()
    .expect("an object");
    rich.tags = vec!["prod".into(), "eu".into(), "ünïcode-tag".into()];
    rich.source = Some(source("billing-api"));
    rich.server_id = Some(server("srv-01.example.com"));

    // Older than the first entry, so search order differs from input order.
    let mut bare = entry(project.id, -999, Level::Trace, "x");
    bare.received_at = at(5_000) + Duration::milliseconds(1);
    let later = entry(project.id, 86_400_000 * 400, Level::Info, "more than a year later");

    let stored = append(repos, vec![rich, bare, later]).await;
    assert_search_agrees(repos, project.id, &stored, &LogFilter::default()).await;
}

/// A later append gets larger ids than every earlier one.
pub async fn ids_keep_increasing_across_appends(repos: &Repos) {
    let project = stored_project(repos).await;
    let first =
        append(repos, vec![entry(project.id, 0, Level::Info, "a"), entry(project.id, 0, Level::Info, "b")])
            .await;
    let second = append(repos, vec![entry(project.id, -10, Level::Info, "c")]).await;
    assert!(second[0].id > first[1].id, "ids must grow across appends");
}

/// Appending nothing is allowed and stores nothing.
pub async fn an_empty_append_stores_nothing(repos: &Repos) {
    let project = stored_project(repos).await;
    assert!(repos.logs.append(Vec::new()).await.expect("empty append").is_empty());
    assert_search_agrees(repos, project.id, &[], &LogFilter::default()).await;
}

/// `find` returns exactly the stored entry, only in its own project.
pub async fn find_returns_the_projects_entry_and_nothing_else(repos: &Repos) {
    let project = stored_project(repos).await;
    let other = stored_project(repos).await;
    let mut rich = entry(project.id, 7, Level::Warn, "find me");
    rich.metadata = json!({"k": [1, {"a": null}]}).as_object().cloned().expect("an object");
    rich.tags = vec!["t".into()];
    let stored = append(repos, vec![entry(project.id, 0, Level::Info, "first"), rich]).await;
    let found = repos.logs.find(project.id, stored[1].id).await.expect("find");
    assert_eq!(found.as_ref(), Some(&stored[1]), "find returns the entry as stored");
    assert_eq!(repos.logs.find(other.id, stored[1].id).await.expect("find"), None, "another project's");
    assert_eq!(
        repos.logs.find(project.id, stored[1].id + 1_000_000).await.expect("find"),
        None,
        "unknown id"
    );
}
