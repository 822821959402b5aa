//! An entry's context (exact neighbours by `(timestamp, id)`, equal
//! timestamps included, with filters) and facets (top values per field,
//! bounded), checked against a reference computed from what was stored.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::ServiceError;
use orion_core::model::log::{LogEntry, LogFilter, LogQuery, parse_query};
use orion_core::service::LogInput;
use orion_core::service::logs::{FacetField, MAX_CONTEXT};
use orion_testkit::builders::{log_input, register_user};

use super::fixture;
use crate::setup;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
}

fn at(ms: i64, message: &str, tags: &[&str]) -> LogInput {
    LogInput {
        timestamp: Some((base() + Duration::milliseconds(ms)).to_rfc3339()),
        tags: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
        ..log_input(message)
    }
}

/// Every stored entry, oldest first by `(timestamp, id)`.
async fn all(orion: &orion_core::Orion, who: &orion_core::service::Principal) -> Vec<LogEntry> {
    let mut page = orion
        .logs()
        .search(who, "web", &LogQuery { limit: 1_000, ..LogQuery::default() })
        .await
        .unwrap()
        .logs;
    page.reverse();
    page
}

fn ids(entries: &[LogEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.id).collect()
}

#[tokio::test]
async fn context_is_exact_by_timestamp_then_id_with_ties_gaps_and_filters() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    // Ties (five at 0 ms, three at 1 h), gaps of seconds, hours and days,
    // out of order; every third entry tagged `noise`.
    let offsets = [0, 0, 5, 0, 0, 3_600_000, 3_600_000, 0, 86_400_000 * 3, 1, 2_500, 3_600_000, 61_000, 7];
    let inputs = offsets
        .iter()
        .enumerate()
        .map(|(i, &ms)| at(ms, &format!("line {i}"), if i % 3 == 0 { &["noise"] } else { &[] }))
        .collect();
    orion.logs().ingest(&f.token, inputs).await.unwrap();
    let owner = &f.owner.principal;
    let stored = all(&orion, owner).await;
    assert_eq!(stored.len(), offsets.len());

    for filter in [
        LogFilter::default(),
        LogFilter { terms: parse_query("-tag:noise").unwrap(), ..LogFilter::default() },
    ] {
        let kept: Vec<&LogEntry> = stored.iter().filter(|e| filter.matches(&e.entry)).collect();
        for (i, anchor) in stored.iter().enumerate() {
            for (before, after) in [(0, 0), (1, 1), (2, 3), (50, 50)] {
                let got = orion
                    .logs()
                    .context(owner, "web", &anchor.id.to_string(), &filter, before, after)
                    .await
                    .unwrap();
                assert_eq!(got.entry.id, anchor.id);
                let older: Vec<i64> =
                    stored[..i].iter().filter(|e| kept.iter().any(|k| k.id == e.id)).map(|e| e.id).collect();
                let newer: Vec<i64> = stored[i + 1..]
                    .iter()
                    .filter(|e| kept.iter().any(|k| k.id == e.id))
                    .map(|e| e.id)
                    .collect();
                let want_before = older[older.len().saturating_sub(before as usize)..].to_vec();
                let want_after: Vec<i64> = newer.into_iter().take(after as usize).collect();
                assert_eq!(ids(&got.before), want_before, "before of {i} ({before}, {filter:?})");
                assert_eq!(ids(&got.after), want_after, "after of {i} ({after}, {filter:?})");
            }
        }
    }
}

#[tokio::test]
async fn context_finds_the_oldest_newer_entries_past_a_crowded_instant() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    // The anchor, two entries just after, then more than the count cap at
    // one instant, then a last one: the window search must narrow, then
    // walk the crowded instant for its oldest ids.
    let mut inputs = vec![at(0, "anchor", &[]), at(400, "a", &[]), at(700, "b", &[])];
    inputs.extend((0..5_001).map(|i| at(1_500, &format!("burst {i}"), &[])));
    orion.logs().ingest(&f.token, inputs).await.unwrap();
    let burst: Vec<LogInput> = (5_001..10_050).map(|i| at(1_500, &format!("burst {i}"), &[])).collect();
    orion.logs().ingest(&f.token, burst).await.unwrap();
    orion.logs().ingest(&f.token, vec![at(9_000, "last", &[])]).await.unwrap();
    let owner = &f.owner.principal;
    let anchor = orion
        .logs()
        .search(
            owner,
            "web",
            &LogQuery {
                filter: LogFilter { search: Some("anchor".into()), ..LogFilter::default() },
                limit: 1,
                offset: 0,
            },
        )
        .await
        .unwrap()
        .logs[0]
        .clone();
    let got = orion
        .logs()
        .context(owner, "web", &anchor.id.to_string(), &LogFilter::default(), 0, 6)
        .await
        .unwrap();
    let messages: Vec<&str> = got.after.iter().map(|e| e.entry.message.as_str()).collect();
    assert_eq!(messages, ["a", "b", "burst 0", "burst 1", "burst 2", "burst 3"]);
}

#[tokio::test]
async fn context_refuses_other_projects_entries_bad_ids_and_counts_past_the_bound() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    orion.logs().ingest(&f.token, vec![at(0, "mine", &[])]).await.unwrap();
    let owner = &f.owner.principal;
    let id = all(&orion, owner).await[0].id.to_string();
    let none = LogFilter::default();

    let err = orion.logs().context(owner, "web", &id, &none, 0, MAX_CONTEXT + 1).await;
    assert!(matches!(err, Err(ServiceError::Validation(ref e)) if e[0].field == "after"), "{err:?}");
    for bad in ["0", "-1", "x", "1.0", "99999999999999999", ""] {
        let err = orion.logs().context(owner, "web", bad, &none, 1, 1).await;
        assert!(matches!(err, Err(ServiceError::NotFound("log entry"))), "{bad}: {err:?}");
    }
    // Another project of the same owner does not hold the entry.
    orion_testkit::builders::create_project(&orion, owner, "other").await;
    let err = orion.logs().context(owner, "other", &id, &none, 1, 1).await;
    assert!(matches!(err, Err(ServiceError::NotFound("log entry"))), "{err:?}");
    // Another user never learns the project exists.
    let bob = register_user(&orion, "bob").await;
    let err = orion.logs().context(&bob.principal, "web", &id, &none, 1, 1).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
}

#[tokio::test]
async fn facets_count_the_top_values_of_each_field_among_the_matches() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let inputs: Vec<LogInput> = (0..30)
        .map(|i| LogInput {
            level: Some(["info", "error", "info"][i % 3].into()),
            source: Some(["api", "worker"][i % 2].into()),
            metadata: Some(
                serde_json::json!({"region": (["eu", "us", "ap", "eu", "eu"][i % 5]), "code": i % 2}),
            ),
            ..at(i as i64, &format!("req {i}"), if i % 4 == 0 { &["a", "b"] } else { &["a"] })
        })
        .collect();
    orion.logs().ingest(&f.token, inputs).await.unwrap();
    let owner = &f.owner.principal;
    let fields = [
        FacetField::Level,
        FacetField::Source,
        FacetField::Tags,
        FacetField::Meta("region".into()),
        FacetField::Meta("code".into()),
        FacetField::ServerId,
    ];
    let got = orion.logs().facets(owner, "web", &LogFilter::default(), &fields, 2).await.unwrap();
    assert_eq!((got.total, got.total_is_lower_bound), (30, false));
    let pairs = |i: usize| -> Vec<(String, u64)> {
        got.facets[i].1.iter().map(|v| (v.value.clone(), v.count)).collect()
    };
    let p = |v: &[(&str, u64)]| v.iter().map(|(a, b)| ((*a).to_owned(), *b)).collect::<Vec<_>>();
    assert_eq!(pairs(0), p(&[("info", 20), ("error", 10)]));
    assert_eq!(pairs(1), p(&[("api", 15), ("worker", 15)]), "ties by value");
    assert_eq!(pairs(2), p(&[("a", 30), ("b", 8)]));
    assert_eq!(pairs(3), p(&[("eu", 18), ("ap", 6)]), "limited to 2, most frequent first");
    assert_eq!(pairs(4), p(&[("0", 15), ("1", 15)]));
    assert_eq!(pairs(5), p(&[]), "no server ids");

    // Facets follow the query.
    let filter =
        LogFilter { terms: parse_query("level:error -source:worker").unwrap(), ..LogFilter::default() };
    let got = orion.logs().facets(owner, "web", &filter, &[FacetField::Source], 10).await.unwrap();
    assert_eq!(got.total, 5);
    assert_eq!(got.facets[0].1.iter().map(|v| v.count).collect::<Vec<_>>(), [5]);

    let err = orion.logs().facets(owner, "web", &LogFilter::default(), &[], 10).await;
    assert!(matches!(err, Err(ServiceError::Validation(_))), "{err:?}");
    let err = orion.logs().facets(owner, "web", &LogFilter::default(), &fields, 0).await;
    assert!(matches!(err, Err(ServiceError::Validation(_))), "{err:?}");
    let bob = register_user(&orion, "bob").await;
    let err = orion.logs().facets(&bob.principal, "web", &LogFilter::default(), &fields, 10).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
}
