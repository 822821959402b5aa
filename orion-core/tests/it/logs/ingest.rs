//! Ingestion: permissions, validation (all-or-nothing, errors naming index
//! and field), level aliases and defaults, batch size, project binding.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::ServiceError;
use orion_core::model::log::{Level, LogQuery};
use orion_core::service::{LogInput, Principal};
use orion_testkit::builders::{create_api_token, create_project, log_input, register_user, token_principal};
use serde_json::json;

use super::{fixture, inputs};
use crate::setup;

/// Everything in `project` (owner's view), newest first.
async fn stored(
    orion: &orion_core::Orion,
    owner: &Principal,
    project: &str,
) -> Vec<orion_core::model::LogEntry> {
    let query = LogQuery { limit: 1_000, ..LogQuery::default() };
    orion.logs().search(owner, project, &query).await.expect("owner search").logs
}

#[tokio::test]
async fn each_field_error_names_its_index_and_field_and_nothing_is_stored() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let batch = vec![
        log_input("fine"),
        log_input("   "),
        LogInput { level: Some("verbose".into()), ..log_input("x") },
        LogInput { timestamp: Some("yesterday".into()), ..log_input("x") },
        LogInput { metadata: Some(json!([1, 2])), ..log_input("x") },
        LogInput { tags: Some(vec!["a,b".into()]), ..log_input("x") },
        LogInput { tags: Some((0..33).map(|i| format!("t{i}")).collect()), ..log_input("x") },
        log_input(&"x".repeat(64 * 1024 + 1)),
        LogInput { source: Some("Bad Name".into()), ..log_input("x") },
        LogInput { metadata: Some(json!({"blob": "y".repeat(17 * 1024)})), ..log_input("x") },
        LogInput { level: Some("nope".into()), timestamp: Some("2024-13-01".into()), ..log_input("") },
    ];
    let err = orion.logs().ingest(&f.token, batch).await;
    let Err(ServiceError::Validation(errors)) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    let named: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.index, e.field.as_str())).collect();
    assert_eq!(
        named,
        [
            (Some(1), "message"),
            (Some(2), "level"),
            (Some(3), "timestamp"),
            (Some(4), "metadata"),
            (Some(5), "tags"),
            (Some(6), "tags"),
            (Some(7), "message"),
            (Some(8), "source"),
            (Some(9), "metadata"),
            (Some(10), "message"),
            (Some(10), "level"),
            (Some(10), "timestamp"),
        ]
    );
    assert!(errors.iter().all(|e| !e.message.is_empty()));
    assert!(stored(&orion, &f.owner.principal, "web").await.is_empty());
}

#[tokio::test]
async fn a_bad_entry_at_index_999_of_1000_stores_nothing_and_creates_no_source() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let mut batch: Vec<LogInput> =
        inputs(1_000).into_iter().map(|i| LogInput { source: Some("fresh".into()), ..i }).collect();
    batch[999].level = Some("loud".into());
    let err = orion.logs().ingest(&f.token, batch).await;
    let Err(ServiceError::Validation(errors)) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].index, errors[0].field.as_str()), (Some(999), "level"));
    assert!(stored(&orion, &f.owner.principal, "web").await.is_empty());
    assert!(orion.sources().list(&f.owner.principal, "web").await.unwrap().is_empty());
}

#[tokio::test]
async fn level_aliases_in_any_case_are_stored_canonically_and_info_is_the_default() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let raw = ["WARNING", "crit", "Critical", "err", "Debug", "trace", "FATAL", "warn"];
    let mut batch: Vec<LogInput> =
        raw.iter().map(|l| LogInput { level: Some((*l).into()), ..log_input(l) }).collect();
    batch.push(log_input("no level"));
    assert_eq!(orion.logs().ingest(&f.token, batch).await.unwrap(), 9);

    let mut levels: Vec<(String, Level)> = stored(&orion, &f.owner.principal, "web")
        .await
        .into_iter()
        .map(|e| (e.entry.message, e.entry.level))
        .collect();
    levels.sort_by(|a, b| a.0.cmp(&b.0));
    let want = [
        ("Critical", Level::Fatal),
        ("Debug", Level::Debug),
        ("FATAL", Level::Fatal),
        ("WARNING", Level::Warn),
        ("crit", Level::Fatal),
        ("err", Level::Error),
        ("no level", Level::Info),
        ("trace", Level::Trace),
        ("warn", Level::Warn),
    ];
    assert_eq!(levels, want.map(|(m, l)| (m.to_owned(), l)));
}

#[tokio::test]
async fn timestamps_default_to_the_clock_and_are_kept_to_the_millisecond_in_utc() {
    let (orion, clock) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let now =
        Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).single().unwrap() + Duration::nanoseconds(123_456_789);
    clock.set(now);
    let batch = vec![
        log_input("defaulted"),
        LogInput { timestamp: Some("2024-03-01T10:00:00.987654321+02:00".into()), ..log_input("given") },
    ];
    orion.logs().ingest(&f.token, batch).await.unwrap();

    let ms = |t: DateTime<Utc>| t - Duration::nanoseconds(i64::from(t.timestamp_subsec_nanos() % 1_000_000));
    let logs = stored(&orion, &f.owner.principal, "web").await;
    let defaulted = &logs[0].entry;
    assert_eq!(defaulted.message, "defaulted");
    assert_eq!(defaulted.timestamp, ms(now));
    assert_eq!(defaulted.timestamp.timestamp_subsec_nanos(), 123_000_000);
    let given = &logs[1].entry;
    let want = Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 0).single().unwrap() + Duration::milliseconds(987);
    assert_eq!((given.message.as_str(), given.timestamp), ("given", want));
    assert_eq!(given.received_at, ms(now), "received_at is the clock, truncated like every instant");
}

#[tokio::test]
async fn metadata_tags_and_the_tokens_project_are_stored() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let input = LogInput {
        metadata: Some(json!({"region": "eu", "n": 3, "deep": {"x": [1]}})),
        tags: Some(vec!["prod".into(), "eu".into()]),
        ..log_input("with extras")
    };
    orion
        .logs()
        .ingest(&f.token, vec![input, LogInput { metadata: Some(json!(null)), ..log_input("null") }])
        .await
        .unwrap();
    let logs = stored(&orion, &f.owner.principal, "web").await;
    let extras = logs.iter().find(|e| e.entry.message == "with extras").unwrap();
    assert_eq!(
        serde_json::Value::Object(extras.entry.metadata.clone()),
        json!({"region": "eu", "n": 3, "deep": {"x": [1]}})
    );
    assert_eq!(extras.entry.tags, ["prod", "eu"]);
    assert_eq!(extras.entry.project_id, f.project.id);
    assert_eq!((extras.entry.source_str(), extras.entry.server_id_str()), (None, None));
    let null = logs.iter().find(|e| e.entry.message == "null").unwrap();
    assert!(null.entry.metadata.is_empty(), "null metadata is stored as an empty object");
}

#[tokio::test]
async fn a_user_session_cannot_ingest() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let err = orion.logs().ingest(&f.owner.principal, inputs(1)).await;
    assert!(matches!(err, Err(ServiceError::MissingPermission("logs:write"))), "{err:?}");
    assert!(stored(&orion, &f.owner.principal, "web").await.is_empty());
}

#[tokio::test]
async fn a_token_without_logs_write_cannot_ingest() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:read"]).await;
    let err = orion.logs().ingest(&f.token, inputs(1)).await;
    assert!(matches!(err, Err(ServiceError::MissingPermission("logs:write"))), "{err:?}");
    assert!(stored(&orion, &f.owner.principal, "web").await.is_empty());
}

#[tokio::test]
async fn a_token_of_project_a_only_ever_writes_into_project_a() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let a = create_project(&orion, &ada.principal, "a").await;
    create_project(&orion, &ada.principal, "b").await;
    let bob = register_user(&orion, "bob").await;
    create_project(&orion, &bob.principal, "a").await;
    let token =
        token_principal(&orion, &create_api_token(&orion, &ada.principal, "a", &["logs:write"]).await).await;

    orion.logs().ingest(&token, inputs(3)).await.unwrap();
    let in_a = stored(&orion, &ada.principal, "a").await;
    assert_eq!(in_a.len(), 3);
    assert!(in_a.iter().all(|e| e.entry.project_id == a.id));
    assert!(stored(&orion, &ada.principal, "b").await.is_empty());
    assert!(
        stored(&orion, &bob.principal, "a").await.is_empty(),
        "bob's project of the same name stays empty"
    );
}

#[tokio::test]
async fn more_than_10000_entries_is_too_large_and_10000_is_fine() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let err = orion.logs().ingest(&f.token, inputs(10_001)).await;
    assert!(matches!(err, Err(ServiceError::TooLarge(_))), "{err:?}");
    assert!(stored(&orion, &f.owner.principal, "web").await.is_empty());
    assert_eq!(orion.logs().ingest(&f.token, inputs(10_000)).await.unwrap(), 10_000);
}

#[tokio::test]
async fn a_resent_key_stores_nothing_publishes_nothing_and_answers_the_first_count() {
    let (orion, clock) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    let mut events = orion.logs().subscribe();
    let logs = orion.logs();
    assert_eq!(logs.ingest_with_key(&f.token, Some("agent-1:batch:7"), inputs(3)).await.unwrap(), 3);
    assert!(events.try_next().is_some(), "the stored batch is published");

    // The answer was lost; the client resends, even with different content.
    assert_eq!(logs.ingest_with_key(&f.token, Some("agent-1:batch:7"), inputs(5)).await.unwrap(), 3);
    assert!(events.try_next().is_none(), "a duplicate publishes nothing");
    assert_eq!(stored(&orion, &f.owner.principal, "web").await.len(), 3);

    // Without a key, or with another one, batches are stored as before.
    assert_eq!(logs.ingest(&f.token, inputs(2)).await.unwrap(), 2);
    assert_eq!(logs.ingest_with_key(&f.token, Some("agent-1:batch:8"), inputs(1)).await.unwrap(), 1);
    assert_eq!(stored(&orion, &f.owner.principal, "web").await.len(), 6);

    // After 24 h the key is forgotten.
    clock.advance(Duration::hours(24) + Duration::seconds(1));
    assert_eq!(logs.ingest_with_key(&f.token, Some("agent-1:batch:7"), inputs(4)).await.unwrap(), 4);
    assert_eq!(stored(&orion, &f.owner.principal, "web").await.len(), 10);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_a_validation_error_and_stores_nothing() {
    let (orion, _) = setup();
    let f = fixture(&orion, &["logs:write"]).await;
    for key in ["", "has space", "slash/no", "é", &"k".repeat(129)] {
        let err = orion.logs().ingest_with_key(&f.token, Some(key), inputs(1)).await;
        let Err(ServiceError::Validation(errors)) = err else { panic!("{key:?}: {err:?}") };
        assert_eq!(errors[0].field, "Idempotency-Key", "{key:?}");
    }
    assert_eq!(orion.logs().ingest_with_key(&f.token, Some(&"k".repeat(128)), inputs(1)).await.unwrap(), 1);
    assert_eq!(stored(&orion, &f.owner.principal, "web").await.len(), 1);
}
