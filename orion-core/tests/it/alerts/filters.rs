//! Rule filters: a `q=` query string narrows every log metric of a rule,
//! so `log_count < 1` with a filter is an absence alert; a filter that
//! does not parse is refused on `filter`, naming the position, and nothing
//! is stored; the preview honours it like the engine.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use orion_core::model::alert::Decision;
use orion_core::service::alerts::PreviewInput;
use orion_core::service::{LogInput, RuleInput};
use orion_testkit::builders::{log_input, rule_input};

use super::{Fixture, HOOK, fixture, rfc3339, validation};

/// `billing`'s "invoice sent" lines.
const INVOICES: &str = r#"source:billing "invoice sent""#;

impl Fixture {
    /// One entry with this message, level and source, stamped `at`.
    async fn line(&self, message: &str, level: &str, source: Option<&str>, at: DateTime<Utc>) {
        let input = LogInput {
            level: Some(level.into()),
            timestamp: Some(rfc3339(at)),
            source: source.map(str::to_owned),
            ..log_input(message)
        };
        self.orion.logs().ingest(&self.ingest, vec![input]).await.expect("ingest");
    }
}

fn filtered(name: &str, condition: &str, filter: &str, window: u32) -> RuleInput {
    RuleInput {
        filter: Some(filter.into()),
        window_minutes: Some(window),
        ..rule_input(name, condition, &[HOOK])
    }
}

#[tokio::test]
async fn a_filtered_count_ignores_the_entries_that_do_not_match() {
    let f = fixture().await;
    let invoices = f.rule(filtered("invoices", "log_count >= 2", INVOICES, 10)).await;
    assert_eq!(invoices.filter.as_deref(), Some(INVOICES), "kept as given");
    let errors = f.rule(filtered("errors", "error_count >= 2", r#"-"health check""#, 10)).await;
    let at = f.now() - Duration::minutes(1);
    f.line("Invoice SENT to #1", "info", Some("billing"), at).await;
    f.line("invoice failed", "error", Some("billing"), at).await;
    f.line("invoice sent", "info", Some("worker"), at).await;
    f.line("invoice sent", "info", None, at).await;
    f.line("health check failed", "error", Some("api"), at).await;
    f.line("health check failed", "fatal", None, at).await;

    let evaluations = f.evaluate().await;
    let of = |id| evaluations.iter().find(|e| e.rule_id == id).expect("evaluated");
    assert_eq!((of(invoices.id).value, of(invoices.id).decision), (Some(1.0), Decision::Quiet));
    assert_eq!(
        (of(errors.id).value, of(errors.id).decision),
        (Some(1.0), Decision::Quiet),
        "one error is not a health check"
    );

    f.line("invoice sent to #2", "warn", Some("billing"), at).await;
    f.line("db down", "fatal", Some("api"), at).await;
    let evaluations = f.evaluate().await;
    let of = |id| evaluations.iter().find(|e| e.rule_id == id).expect("evaluated");
    assert_eq!((of(invoices.id).value, of(invoices.id).decision), (Some(2.0), Decision::Fire));
    assert_eq!((of(errors.id).value, of(errors.id).decision), (Some(2.0), Decision::Fire));
}

#[tokio::test]
async fn an_absence_rule_fires_on_a_window_without_a_match_and_resolves_when_one_arrives() {
    let f = fixture().await;
    let rule = f.rule(filtered("no invoices", "log_count < 1", INVOICES, 60)).await;
    // Lines that do not match do not keep the rule quiet.
    f.line("invoice failed", "error", Some("billing"), f.now() - Duration::minutes(5)).await;
    f.line("invoice sent", "info", Some("worker"), f.now() - Duration::minutes(5)).await;
    // A match older than the window does not either.
    f.line("invoice sent", "info", Some("billing"), f.now() - Duration::minutes(61)).await;
    let fired = f.evaluate_rule(&rule).await;
    assert_eq!((fired.value, fired.decision), (Some(0.0), Decision::Fire));
    assert_eq!(f.notifier.take().len(), 1);

    f.advance(Duration::minutes(1));
    f.line("invoice sent to #3", "info", Some("billing"), f.now() - Duration::seconds(1)).await;
    let resolved = f.evaluate_rule(&rule).await;
    assert_eq!((resolved.value, resolved.decision), (Some(1.0), Decision::Resolve));
    assert_eq!(f.notifier.take().len(), 1);

    // The match leaves the window an hour later: it fires again.
    f.advance(Duration::minutes(60));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
}

#[tokio::test]
async fn a_filter_that_does_not_parse_is_refused_on_filter_and_nothing_is_stored() {
    let f = fixture().await;
    for bad in [r#""unclosed"#, "level:loud", "meta.=1", &"x ".repeat(33), &"x".repeat(2_049)] {
        let result = f
            .orion
            .alerts()
            .create_rule(&f.owner.principal, "shop", filtered("r", "log_count < 1", bad, 5))
            .await;
        let errors = validation(result);
        assert_eq!(errors.len(), 1, "{bad:?}: {errors:?}");
        assert_eq!(errors[0].0, "filter");
        assert!(errors[0].1.contains("(at character "), "{bad:?}: {}", errors[0].1);
    }
    assert!(f.orion.alerts().list_rules(&f.owner.principal, "shop").await.unwrap().is_empty());

    // An update with a bad filter leaves the rule as it was.
    let rule = f.rule(filtered("r", "log_count < 1", INVOICES, 5)).await;
    let id = rule.id.to_string();
    let result = f
        .orion
        .alerts()
        .update_rule(&f.owner.principal, "shop", &id, filtered("r", "log_count < 1", "level:", 5))
        .await;
    assert_eq!(validation(result)[0].0, "filter");
    let (_, stored) = f.orion.alerts().owned_rule(&f.owner.principal, "shop", &id).await.unwrap();
    assert_eq!(stored, rule);

    // A blank filter is no filter.
    let blank = f.rule(filtered("blank", "log_count < 1", "  ", 5)).await;
    assert_eq!(blank.filter, None);
}

#[tokio::test]
async fn the_preview_honours_the_filter() {
    let f = fixture().await;
    let now = f.now().trunc_subsecs(3);
    f.line("invoice sent", "info", Some("billing"), now - Duration::minutes(20)).await;
    f.line("invoice failed", "info", Some("billing"), now - Duration::minutes(5)).await;
    let preview = |filter: Option<&str>| PreviewInput {
        condition: "log_count >= 1".into(),
        window_minutes: Some(1),
        filter: filter.map(str::to_owned),
        from: Some(rfc3339(now - Duration::minutes(30))),
        to: Some(rfc3339(now)),
        ..PreviewInput::default()
    };
    let all = f.orion.alerts().preview(&f.owner.principal, "shop", preview(None)).await.unwrap();
    assert_eq!(all.would_fire, 2);
    let invoices =
        f.orion.alerts().preview(&f.owner.principal, "shop", preview(Some(INVOICES))).await.unwrap();
    assert_eq!(invoices.would_fire, 1);
    let bad = f.orion.alerts().preview(&f.owner.principal, "shop", preview(Some("tag:"))).await;
    assert_eq!(validation(bad)[0].0, "filter");
}
