//! Previewing a rule over past data: the engine's own metric at each
//! step, transitions counted like the engine's, bounds and access.

use chrono::{Duration, SubsecRound};
use orion_core::ServiceError;
use orion_core::service::alerts::{EVALUATION_STEP, PreviewInput};
use orion_testkit::builders::register_user;

use super::{fixture, rfc3339, validation};

fn input(condition: &str, window: u32) -> PreviewInput {
    PreviewInput { condition: condition.into(), window_minutes: Some(window), ..PreviewInput::default() }
}

#[tokio::test]
async fn a_preview_evaluates_the_engines_metric_at_each_step_and_counts_firings() {
    let f = fixture().await;
    let now = f.now().trunc_subsecs(3);
    // Two bursts of errors, 20 and 5 minutes ago; a 1-minute window sees
    // each only while it lies inside.
    f.logs(3, "error", now - Duration::minutes(20), None).await;
    f.logs(2, "error", now - Duration::minutes(5), Some("api")).await;
    f.logs(4, "info", now - Duration::minutes(5), None).await;
    let from = now - Duration::minutes(30);
    let p =
        PreviewInput { from: Some(rfc3339(from)), to: Some(rfc3339(now)), ..input("error_count >= 2", 1) };
    let got = f.orion.alerts().preview(&f.owner.principal, "shop", p).await.unwrap();
    assert_eq!(got.step, EVALUATION_STEP);
    assert_eq!(got.points.len(), 60, "30 minutes at 30 s");
    assert_eq!(got.points[0].at, from + EVALUATION_STEP);
    assert_eq!(got.points.last().unwrap().at, now);
    let holding: Vec<_> = got.points.iter().filter(|p| p.holds).map(|p| (now - p.at).num_seconds()).collect();
    // A window [t - 1 min, t) holds a burst at b when b < t <= b + 1 min.
    assert_eq!(holding, [1170, 1140, 270, 240]);
    assert_eq!(got.would_fire, 2);
    assert_eq!(got.points.iter().find(|p| p.holds).unwrap().value, Some(3.0));

    // A source narrows the log metrics, as in a rule.
    let p = PreviewInput {
        source: Some("api".into()),
        from: Some(rfc3339(from)),
        to: Some(rfc3339(now)),
        ..input("error_count >= 2", 1)
    };
    let got = f.orion.alerts().preview(&f.owner.principal, "shop", p).await.unwrap();
    assert_eq!(got.would_fire, 1);
    // Nothing to average never holds (no heartbeats).
    let got =
        f.orion.alerts().preview(&f.owner.principal, "shop", input("cpu_percent < 100", 5)).await.unwrap();
    assert!(got.points.iter().all(|p| !p.holds && p.value.is_none()));
}

#[tokio::test]
async fn the_default_range_is_the_last_day_in_at_most_1440_points() {
    let f = fixture().await;
    let got = f.orion.alerts().preview(&f.owner.principal, "shop", input("log_count < 1", 5)).await.unwrap();
    assert_eq!(got.step, Duration::minutes(1));
    assert_eq!(got.points.len(), 1_440);
    assert_eq!(got.would_fire, 1, "holds from the first point on: one firing");
}

#[tokio::test]
async fn bad_previews_name_every_field_and_strangers_see_no_project() {
    let f = fixture().await;
    let bad = PreviewInput {
        condition: "errors > 1".into(),
        window_minutes: Some(0),
        source: Some("Bad Name".into()),
        from: Some("yesterday".into()),
        ..PreviewInput::default()
    };
    let fields: Vec<String> = validation(f.orion.alerts().preview(&f.owner.principal, "shop", bad).await)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, ["condition", "windowMinutes", "source", "from"]);
    let bob = register_user(&f.orion, "bob").await;
    let err = f.orion.alerts().preview(&bob.principal, "shop", input("log_count > 1", 5)).await;
    assert!(matches!(err, Err(ServiceError::NotFound("project"))), "{err:?}");
    let err = f.orion.alerts().preview(&f.ingest, "shop", input("log_count > 1", 5)).await;
    assert!(matches!(err, Err(ServiceError::UserTokenRequired)), "{err:?}");
}

#[tokio::test]
async fn a_range_past_7_days_starts_7_days_back_and_a_backwards_range_is_empty() {
    let f = fixture().await;
    let now = f.now().trunc_subsecs(3);
    let long = PreviewInput {
        from: Some(rfc3339(now - Duration::days(30))),
        to: Some(rfc3339(now)),
        ..input("log_count > 1", 5)
    };
    let got = f.orion.alerts().preview(&f.owner.principal, "shop", long).await.unwrap();
    assert_eq!(got.step, Duration::minutes(7));
    assert_eq!(got.points.len(), 1_440);
    assert_eq!(got.points[0].at, now - Duration::days(7) + got.step);
    for (from, to) in [(now, now), (now, now - Duration::hours(1))] {
        let backwards =
            PreviewInput { from: Some(rfc3339(from)), to: Some(rfc3339(to)), ..input("log_count < 1", 5) };
        let got = f.orion.alerts().preview(&f.owner.principal, "shop", backwards).await.unwrap();
        assert!(got.points.is_empty(), "{from} to {to}: {:?}", got.points);
        assert_eq!(got.would_fire, 0);
    }
}
