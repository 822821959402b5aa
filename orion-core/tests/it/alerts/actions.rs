//! Alert actions: a rule's `{type, serverId, scriptName}` actions queue
//! their commands when it fires — once per firing, not on repeats or
//! resolutions, never while silenced — and the history shows each
//! command with the outcome the agent acknowledged. Bad actions are
//! refused on their field and nothing is stored.

use chrono::Duration;
use orion_core::model::alert::{AlertEventKind, Decision};
use orion_core::model::{CommandKind, CommandStatus};
use orion_core::service::alerts::SilenceInput;
use orion_core::service::{ActionInput, RuleInput};
use orion_testkit::builders::rule_input;

use super::{HOOK, fixture, rfc3339, validation};

fn action(kind: &str, server: &str, script: &str) -> ActionInput {
    ActionInput { kind: kind.into(), server_id: server.into(), script_name: script.into() }
}

fn with_actions(actions: Vec<ActionInput>) -> RuleInput {
    RuleInput { actions, ..rule_input("errors", "error_count >= 1", &[HOOK]) }
}

#[tokio::test]
async fn a_restart_action_queues_one_command_per_firing_and_the_ack_shows_in_the_history() {
    let f = fixture().await;
    let rule = f.rule(with_actions(vec![action("restart", "web-1", " api ")])).await;
    assert_eq!(rule.actions.len(), 1);
    assert_eq!((rule.actions[0].kind, rule.actions[0].script_name.as_str()), (CommandKind::Restart, "api"));

    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
    let pending = f.orion.agents().pending_commands(&f.agent, None).await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let command = &pending[0];
    assert_eq!(
        (command.kind, command.script_name.as_deref(), command.server_id.as_str()),
        (CommandKind::Restart, Some("api"), "web-1")
    );

    // Still holding, then a repeat: no more commands.
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Quiet);
    f.advance(Duration::minutes(61));
    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Repeat);
    assert_eq!(f.orion.agents().pending_commands(&f.agent, None).await.unwrap().len(), 1);

    let events = f.events().await;
    let firing = events.iter().find(|e| e.kind == AlertEventKind::Firing).unwrap();
    assert_eq!(firing.actions.len(), 1);
    assert_eq!(
        (firing.actions[0].command_id, firing.actions[0].status),
        (command.id, CommandStatus::Pending)
    );
    assert!(events.iter().filter(|e| e.kind != AlertEventKind::Firing).all(|e| e.actions.is_empty()));

    let id = command.id.to_string();
    f.orion.agents().acknowledge(&f.agent, &id, "ok", Some("api restarted (pid 4242)")).await.unwrap();
    let events = f.events().await;
    let firing = events.iter().find(|e| e.kind == AlertEventKind::Firing).unwrap();
    assert_eq!(firing.actions[0].status, CommandStatus::Ok);
    assert_eq!(firing.actions[0].output.as_deref(), Some("api restarted (pid 4242)"));

    // Resolving queues nothing; firing again queues a new command.
    f.advance(Duration::minutes(10));
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Resolve);
    assert!(f.orion.agents().pending_commands(&f.agent, None).await.unwrap().is_empty());
    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    assert_eq!(f.evaluate_rule(&rule).await.decision, Decision::Fire);
    let again = f.orion.agents().pending_commands(&f.agent, None).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_ne!(again[0].id, command.id);
}

#[tokio::test]
async fn every_action_of_a_firing_queues_its_own_command_in_order() {
    let f = fixture().await;
    let web2 = f.agent("web-2").await;
    let rule = f
        .rule(with_actions(vec![
            action("stop", "web-1", "worker"),
            action("start", "web-2", "standby"),
            action("restart", "web-1", "api"),
        ]))
        .await;
    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    f.evaluate_rule(&rule).await;
    let on_web1 = f.orion.agents().pending_commands(&f.agent, None).await.unwrap();
    let on_web2 = f.orion.agents().pending_commands(&web2, None).await.unwrap();
    let kinds = |cs: &[orion_core::model::Command]| cs.iter().map(|c| c.kind).collect::<Vec<_>>();
    assert_eq!(kinds(&on_web1), [CommandKind::Stop, CommandKind::Restart]);
    assert_eq!(kinds(&on_web2), [CommandKind::Start]);
    let event = &f.events().await[0];
    let ids: Vec<_> = event.actions.iter().map(|a| a.command_id).collect();
    assert_eq!(ids, [on_web1[0].id, on_web2[0].id, on_web1[1].id]);
    f.orion
        .agents()
        .acknowledge(&web2, &on_web2[0].id.to_string(), "failed", Some("no such script"))
        .await
        .unwrap();
    let event = &f.events().await[0];
    let statuses: Vec<_> = event.actions.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [CommandStatus::Pending, CommandStatus::Failed, CommandStatus::Pending]);
}

#[tokio::test]
async fn a_silenced_firing_runs_no_action() {
    let f = fixture().await;
    let rule = f.rule(with_actions(vec![action("restart", "web-1", "api")])).await;
    // A silence of the server an action runs on matches the rule.
    let input = SilenceInput {
        server_id: Some("web-1".into()),
        until: Some(rfc3339(f.now() + Duration::minutes(30))),
        reason: "maintenance".into(),
        ..SilenceInput::default()
    };
    f.orion.alerts().create_silence(&f.owner.principal, "shop", input).await.unwrap();
    f.logs(1, "error", f.now() - Duration::seconds(1), None).await;
    let fired = f.evaluate_rule(&rule).await;
    assert_eq!((fired.decision, fired.silenced), (Decision::Fire, true));
    assert!(f.notifier.take().is_empty());
    assert!(f.orion.agents().pending_commands(&f.agent, None).await.unwrap().is_empty(), "no command");
    let events = f.events().await;
    assert!(events[0].silenced && events[0].actions.is_empty());
}

#[tokio::test]
async fn bad_actions_are_named_and_nothing_is_stored() {
    let f = fixture().await;
    let create = |input: RuleInput| f.orion.alerts().create_rule(&f.owner.principal, "shop", input);
    let cases: Vec<(Vec<ActionInput>, Vec<&str>)> = vec![
        (vec![action("reboot", "web-1", "api")], vec!["actions[0].type"]),
        (vec![action("Restart", "web-1", "api")], vec!["actions[0].type"]),
        (
            vec![action("restart", "web-1", "api"), action("stop", "web-9", "api")],
            vec!["actions[1].serverId"],
        ),
        (vec![action("restart", "web 1", "api")], vec!["actions[0].serverId"]),
        (vec![action("restart", "web-1", "  ")], vec!["actions[0].scriptName"]),
        (vec![action("restart", "web-1", &"s".repeat(129))], vec!["actions[0].scriptName"]),
        (vec![action("", "", "")], vec!["actions[0].type", "actions[0].serverId", "actions[0].scriptName"]),
        ((0..6).map(|_| action("restart", "web-1", "api")).collect(), vec!["actions"]),
    ];
    for (actions, fields) in cases {
        let errors = validation(create(with_actions(actions.clone())).await);
        assert_eq!(errors.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), fields, "{actions:?}");
    }
    // Another project's server is unknown here.
    orion_testkit::builders::create_project(&f.orion, &f.owner.principal, "blog").await;
    orion_testkit::builders::register_agent(&f.orion, &f.owner.principal, "blog", "blog-1").await;
    let errors = validation(create(with_actions(vec![action("restart", "blog-1", "api")])).await);
    assert_eq!(errors[0].0, "actions[0].serverId");
    assert!(f.orion.alerts().list_rules(&f.owner.principal, "shop").await.unwrap().is_empty());

    let five =
        create(with_actions((0..5).map(|_| action("restart", "web-1", "api")).collect())).await.unwrap();
    assert_eq!(five.actions.len(), 5);
    // A bad replacement leaves the rule as it was.
    let id = five.id.to_string();
    let bad = f
        .orion
        .alerts()
        .update_rule(&f.owner.principal, "shop", &id, with_actions(vec![action("kill", "web-1", "api")]))
        .await;
    assert_eq!(validation(bad)[0].0, "actions[0].type");
    assert_eq!(f.orion.alerts().owned_rule(&f.owner.principal, "shop", &id).await.unwrap().1, five);
}
