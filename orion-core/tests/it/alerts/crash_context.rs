//! A `crash_count` rule's notification carries the latest incident's
//! crash context (its lines, exit code, restarts); other metrics', and a
//! resolution's, carry none.

use chrono::Duration;
use orion_core::model::alert::Decision;
use orion_core::port::NotificationKind;
use orion_core::service::{AlertInput, ContextInput, ContextLineInput};
use orion_testkit::builders::rule_input;

use super::{HOOK, fixture, rfc3339};

#[tokio::test]
async fn a_crash_notification_carries_the_incidents_context() {
    let f = fixture().await;
    let crashes = f.rule(rule_input("crashes", "crash_count >= 1", &[HOOK])).await;
    f.rule(rule_input("errors", "log_count >= 0", &[HOOK])).await;
    let at = f.now() - Duration::seconds(5);
    let line = |text: &str| ContextLineInput {
        timestamp: rfc3339(at),
        stream: "stderr".into(),
        line: Some(text.into()),
    };
    let input = AlertInput {
        event: "script_crash".into(),
        message: "api exited with code 2".into(),
        script_name: Some("api".into()),
        timestamp: Some(rfc3339(at)),
        context: Some(ContextInput {
            lines: vec![line("starting"), line("panic: <oops> & `boom`")],
            exit_code: Some(2),
            restarts: Some(1),
            ..ContextInput::default()
        }),
    };
    f.orion.agents().alert(&f.agent, input).await.unwrap();

    let evaluations = f.evaluate().await;
    assert!(evaluations.iter().all(|e| e.decision == Decision::Fire));
    let sent = f.notifier.take();
    let crash_note = sent.iter().find(|(_, n)| n.rule == "crashes").map(|(_, n)| n).unwrap();
    let crash = crash_note.crash.as_ref().expect("the crash context");
    assert_eq!((crash.script_name.as_deref(), crash.server_id.as_deref()), (Some("api"), Some("web-1")));
    assert_eq!((crash.context.exit_code, crash.context.restarts), (Some(2), Some(1)));
    assert_eq!(crash.lines().len(), 2);
    assert!(crash_note.text().contains("panic: <oops> & `boom`"), "{}", crash_note.text());
    let other = sent.iter().find(|(_, n)| n.rule == "errors").map(|(_, n)| n).unwrap();
    assert!(other.crash.is_none());

    f.advance(Duration::minutes(6));
    assert_eq!(f.evaluate_rule(&crashes).await.decision, Decision::Resolve);
    let resolved = f.notifier.take();
    let resolution = resolved.iter().find(|(_, n)| n.rule == "crashes").map(|(_, n)| n).unwrap();
    assert_eq!(resolution.kind, NotificationKind::Resolved);
    assert!(resolution.crash.is_none());
}
