//! Reading: search and search_source access and limits, export pages,
//! histogram, and retention's purge.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use orion_core::ServiceError;
use orion_core::model::log::{Interval, Level, LevelFilter, LogFilter, LogQuery};
use orion_core::service::LogInput;
use orion_testkit::builders::{create_api_token, create_project, log_input, register_user, token_principal};

use super::{fixture, inputs};
use crate::setup;

fn page(limit: u32) -> LogQuery {
    LogQuery { limit, ..LogQuery::default() }
}

#[tokio::test]
async fn search_needs_logs_read_for_a_token_and_the_owner_may_always_read() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    orion.logs().ingest(&f.token, inputs(3)).await.unwrap();

    let err = orion.logs().search(&f.token, "web", &page(10)).await;
    assert!(matches!(err, Err(ServiceError::MissingPermission("logs:read"))), "{err:?}");

    let reader = create_api_token(&orion, &f.owner.principal, "web", &["logs:read"]).await;
    let reader = token_principal(&orion, &reader).await;
    assert_eq!(orion.logs().search(&reader, "web", &page(10)).await.unwrap().total, 3);
    let owned = orion.logs().search(&f.owner.principal, "web", &page(2)).await.unwrap();
    assert_eq!((owned.logs.len(), owned.total, owned.total_is_lower_bound), (2, 3, false));
}

#[tokio::test]
async fn another_users_project_is_not_found_for_search_export_and_histogram() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    orion.logs().ingest(&f.token, inputs(1)).await.unwrap();
    let bob = register_user(&orion, "bob").await;
    let bob = &bob.principal;

    let err = orion.logs().search(bob, "web", &page(10)).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
    let err = orion.logs().search_source(bob, "web", "any", &page(10)).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
    let err = orion.logs().export(bob, "web", LogFilter::default()).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
    let err = orion.logs().histogram(bob, "web", &LogFilter::default(), Interval::Hour).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
}

#[tokio::test]
async fn a_token_naming_another_project_is_not_found_even_with_logs_read() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    create_project(&orion, &f.owner.principal, "other").await;
    let reader = create_api_token(&orion, &f.owner.principal, "web", &["logs:read"]).await;
    let reader = token_principal(&orion, &reader).await;
    let err = orion.logs().search(&reader, "other", &page(10)).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
}

#[tokio::test]
async fn search_source_returns_only_that_source_and_an_unknown_source_is_not_found() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let batch = vec![
        LogInput { source: Some("api".into()), ..log_input("from api") },
        LogInput { source: Some("cron".into()), ..log_input("from cron") },
        log_input("from nowhere"),
    ];
    orion.logs().ingest(&f.token, batch).await.unwrap();

    let found = orion.logs().search_source(&f.owner.principal, "web", "api", &page(10)).await.unwrap();
    let messages: Vec<_> = found.logs.iter().map(|e| e.entry.message.as_str()).collect();
    assert_eq!(messages, ["from api"]);
    for unknown in ["missing", "Not Valid"] {
        let err = orion.logs().search_source(&f.owner.principal, "web", unknown, &page(10)).await;
        assert!(matches!(err, Err(ServiceError::NotFound("source"))), "{unknown}: {err:?}");
    }
}

#[tokio::test]
async fn a_limit_of_zero_or_above_1000_is_a_validation_error() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    orion
        .logs()
        .ingest(&f.token, vec![LogInput { source: Some("api".into()), ..log_input("x") }])
        .await
        .unwrap();
    let owner = &f.owner.principal;
    for limit in [0, 1_001] {
        let err = orion.logs().search(owner, "web", &page(limit)).await;
        let Err(ServiceError::Validation(errors)) = err else { panic!("limit {limit}: got {err:?}") };
        assert_eq!(errors[0].field, "limit");
        let err = orion.logs().search_source(owner, "web", "api", &page(limit)).await;
        assert!(matches!(err, Err(ServiceError::Validation(_))), "limit {limit}: {err:?}");
    }
    assert_eq!(orion.logs().search(owner, "web", &page(1_000)).await.unwrap().total, 1);
}

#[tokio::test]
async fn an_export_walks_every_match_exactly_once_newest_first() {
    let (orion, clock) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    // Several batches at the same instant, then later ones: ties across page edges.
    for batch in 0..5 {
        if batch >= 3 {
            clock.advance(Duration::milliseconds(1));
        }
        let inputs = (0..460).map(|i| LogInput {
            level: Some(["info", "error"][i % 2].into()),
            ..log_input(&format!("b{batch} m{i}"))
        });
        orion.logs().ingest(&f.token, inputs.collect()).await.unwrap();
    }
    for (filter, want) in [
        (LogFilter::default(), 2_300),
        (LogFilter { levels: LevelFilter::OneOf(vec![Level::Error]), ..LogFilter::default() }, 1_150),
        (LogFilter { search: Some("B4 ".into()), ..LogFilter::default() }, 460),
    ] {
        for size in [100, 333] {
            let mut export = orion.logs().export(&f.owner.principal, "web", filter.clone()).await.unwrap();
            let mut walked = Vec::new();
            loop {
                let page = export.next_page(size).await.unwrap();
                if page.is_empty() {
                    break;
                }
                assert!(page.len() <= size as usize);
                walked.extend(page);
            }
            assert!(export.next_page(size).await.unwrap().is_empty(), "a finished export stays finished");
            assert_eq!(walked.len(), want, "{filter:?} in pages of {size}");
            let unique: HashSet<_> = walked.iter().map(|e| e.id).collect();
            assert_eq!(unique.len(), want, "no entry twice");
            assert!(walked.iter().all(|e| filter.matches(&e.entry)));
            let newest_first =
                walked.windows(2).all(|w| (w[0].entry.timestamp, w[0].id) > (w[1].entry.timestamp, w[1].id));
            assert!(newest_first, "export order is timestamp desc, then id desc");
        }
    }
}

#[tokio::test]
async fn an_export_needs_logs_read_for_a_token() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let err = orion.logs().export(&f.token, "web", LogFilter::default()).await;
    assert!(matches!(err, Err(ServiceError::MissingPermission("logs:read"))), "{err:?}");
}

#[tokio::test]
async fn the_histogram_counts_per_bucket_and_level_under_the_filter() {
    let (orion, clock) = setup();
    let f = fixture(&orion, &["logs:write", "logs:read"]).await;
    orion
        .logs()
        .ingest(&f.token, vec![log_input("a"), LogInput { level: Some("error".into()), ..log_input("b") }])
        .await
        .unwrap();
    clock.advance(Duration::hours(1));
    orion.logs().ingest(&f.token, vec![log_input("c")]).await.unwrap();

    let counts =
        orion.logs().histogram(&f.token, "web", &LogFilter::default(), Interval::Hour).await.unwrap();
    let got: Vec<_> = counts.iter().map(|c| (c.level, c.count)).collect();
    assert_eq!(got, [(Level::Info, 1), (Level::Error, 1), (Level::Info, 1)]);
    assert_eq!(counts[2].bucket - counts[0].bucket, Duration::hours(1));
    let errors = LogFilter { levels: LevelFilter::AtLeast(Level::Warn), ..LogFilter::default() };
    let counts = orion.logs().histogram(&f.token, "web", &errors, Interval::Day).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 1);
}

#[tokio::test]
async fn purge_batch_deletes_only_expired_entries_a_batch_at_a_time() {
    let (orion, clock) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let old = (clock_now(&clock) - Duration::days(40)).to_rfc3339();
    let expired = (0..5).map(|i| LogInput { timestamp: Some(old.clone()), ..log_input(&format!("old {i}")) });
    orion.logs().ingest(&f.token, expired.chain(inputs(2)).collect()).await.unwrap();

    let cutoff = clock_now(&clock) - Duration::days(30);
    let purged: Vec<u64> = {
        let mut purged = Vec::new();
        for _ in 0..4 {
            purged.push(orion.logs().purge_batch(cutoff, 2).await.unwrap());
        }
        purged
    };
    assert_eq!(purged, [2, 2, 1, 0]);
    let left = orion.logs().search(&f.owner.principal, "web", &page(10)).await.unwrap();
    assert_eq!(left.logs.iter().map(|e| e.entry.message.as_str()).collect::<Vec<_>>(), ["msg 1", "msg 0"]);
}

fn clock_now(clock: &orion_testkit::FakeClock) -> chrono::DateTime<Utc> {
    use orion_core::port::Clock;
    clock.now()
}
