//! The pure decision: previous state + whether the condition holds now →
//! quiet, fire, repeat or resolve.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::model::alert::{Decision, RuleState, decide};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).single().unwrap()
}

fn quiet() -> RuleState {
    RuleState::default()
}

/// Firing since `t0`, last notified `notified_min` minutes after it.
fn firing(notified_min: Option<i64>) -> RuleState {
    RuleState {
        firing: true,
        since: Some(t0()),
        last_notified_at: notified_min.map(|m| t0() + Duration::minutes(m)),
        last_value: Some(5.0),
        evaluated_at: Some(t0()),
    }
}

#[test]
fn the_decision_table() {
    let ms = Duration::milliseconds;
    let min = Duration::minutes;
    // (case, state, holds, now, repeat minutes, decision)
    let table = [
        ("quiet and not holding", quiet(), false, t0(), 60, Decision::Quiet),
        ("quiet and starts holding", quiet(), true, t0(), 60, Decision::Fire),
        ("firing and stops holding", firing(Some(0)), false, t0() + min(1), 60, Decision::Resolve),
        (
            "firing, stops holding after the repeat",
            firing(Some(0)),
            false,
            t0() + min(600),
            60,
            Decision::Resolve,
        ),
        ("firing, still holding, just notified", firing(Some(0)), true, t0() + min(1), 60, Decision::Quiet),
        (
            "firing, a millisecond before the repeat",
            firing(Some(0)),
            true,
            t0() + min(60) - ms(1),
            60,
            Decision::Quiet,
        ),
        ("firing, exactly at the repeat", firing(Some(0)), true, t0() + min(60), 60, Decision::Repeat),
        ("firing, long after the repeat", firing(Some(0)), true, t0() + min(500), 60, Decision::Repeat),
        (
            "the repeat counts from the last notice",
            firing(Some(60)),
            true,
            t0() + min(119),
            60,
            Decision::Quiet,
        ),
        ("a per-rule repeat", firing(Some(0)), true, t0() + min(5), 5, Decision::Repeat),
        ("a zero repeat still waits a minute", firing(Some(0)), true, t0() + ms(59_999), 0, Decision::Quiet),
        ("a zero repeat repeats after a minute", firing(Some(0)), true, t0() + min(1), 0, Decision::Repeat),
        ("firing but never notified", firing(None), true, t0(), 60, Decision::Repeat),
    ];
    for (case, state, holds, now, repeat, want) in table {
        assert_eq!(decide(&state, holds, now, repeat), want, "{case}");
    }
}
