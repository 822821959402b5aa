//! Alert rules over HTTP: create, list, replace, delete, the validation of
//! conditions and channels, who may touch them, and the history listing.
//! What notifications say and where they go is in `alerts_delivery`.

use chrono::Duration;
use orion_testkit::TestServer;
use orion_testkit::server::rule_body;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{api_token, assert_error, detail_fields, with_logs, with_user};

/// A channel that is never called in these tests.
const HOOK: &str = "webhook:https://hooks.example.com/orion";

/// A server with `ada`, her project `web` and her session.
async fn with_project() -> (TestServer, String) {
    let (server, ada) = with_user().await;
    server.create_project(&ada, "web").await;
    (server, ada)
}

/// The message of the validation detail about `field`.
#[track_caller]
fn detail<'a>(body: &'a Value, field: &str) -> &'a str {
    body["details"]
        .as_array()
        .and_then(|d| d.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no detail for {field} in {body}"))
}

#[tokio::test]
async fn a_created_rule_is_answered_in_full_with_its_defaults() {
    let (server, ada) = with_project().await;
    let rule = server
        .create_rule(
            &ada,
            "web",
            json!({"name": "errors", "condition": "error_count>=3", "channels": [HOOK]}),
        )
        .await;
    assert!(rule["id"].as_i64().is_some_and(|id| id > 0), "{rule}");
    let expected = json!({
        "id": rule["id"],
        "name": "errors",
        "condition": "error_count >= 3",
        "windowMinutes": 5,
        "channels": [HOOK],
        "enabled": true,
        "source": null,
        "filter": null,
        "serverId": null,
        "repeatMinutes": 60,
        "actions": [],
        "createdAt": "2024-03-01T12:00:00.000Z",
        "updatedAt": "2024-03-01T12:00:00.000Z",
    });
    assert_eq!(rule, expected);
    assert_eq!(server.rules(&ada, "web").await, vec![expected]);
}

#[tokio::test]
async fn every_field_of_a_rule_round_trips() {
    let (server, ada) = with_project().await;
    let body = json!({
        "name": "slow disk on web-1",
        "condition": " disk_percent  >  90.5 ",
        "windowMinutes": 15,
        "channels": ["email", "email:ops@example.com", HOOK, "slack:https://hooks.slack.com/services/T/B/x", "discord:https://discord.com/api/webhooks/1/x"],
        "enabled": false,
        "source": "api",
        "filter": "level>=warn -\"health check\"",
        "serverId": "web-1",
        "repeatMinutes": 30,
    });
    let rule = server.create_rule(&ada, "web", body.clone()).await;
    assert_eq!(rule["condition"], "disk_percent > 90.5");
    for field in
        ["name", "windowMinutes", "channels", "enabled", "source", "filter", "serverId", "repeatMinutes"]
    {
        assert_eq!(rule[field], body[field], "{field}");
    }
}

#[tokio::test]
async fn the_listing_is_a_plain_array_of_the_projects_rules_only() {
    let (server, ada) = with_project().await;
    server.create_project(&ada, "shop").await;
    assert_eq!(server.list_rules(&ada, "web").await, (StatusCode::OK, json!([])));
    server.create_rule(&ada, "web", rule_body("first", "log_count > 0", &[HOOK])).await;
    server.create_rule(&ada, "web", rule_body("second", "warn_count > 0", &[HOOK])).await;
    server.create_rule(&ada, "shop", rule_body("elsewhere", "log_count > 0", &[HOOK])).await;
    let names: Vec<_> = server.rules(&ada, "web").await.iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("first"), json!("second")]);
}

#[tokio::test]
async fn a_bad_rule_is_a_400_naming_every_bad_field() {
    let (server, ada) = with_project().await;
    let eleven: Vec<_> = (0..11).map(|i| format!("webhook:https://hooks.example.com/{i}")).collect();
    // (body patch, field, fragments its message must contain)
    let cases: &[(Value, &str, &[&str])] = &[
        (json!({"condition": ""}), "condition", &["empty"]),
        (
            json!({"condition": "errors > 3"}),
            "condition",
            &["unknown metric `errors`", "error_count", "at character 1"],
        ),
        (
            json!({"condition": "error_count => 3"}),
            "condition",
            &["expected an operator", "`=`", "at character 13"],
        ),
        (
            json!({"condition": "error_count >="}),
            "condition",
            &["expected a number after `>=`", "at character 15"],
        ),
        (
            json!({"condition": "error_count >= lots"}),
            "condition",
            &["`lots` is not a number", "at character 16"],
        ),
        (
            json!({"condition": "error_count >= 3 or 4"}),
            "condition",
            &["unexpected text `or 4` after the number", "at character 18"],
        ),
        (json!({"condition": "error_count >= NaN"}), "condition", &["`NaN` is not a number"]),
        (json!({"channels": []}), "channels", &["1 to 10"]),
        (json!({"channels": ["sms:+331234"]}), "channels[0]", &["unknown channel kind `sms`"]),
        (json!({"channels": [HOOK, "pager"]}), "channels[1]", &["unknown channel `pager`"]),
        (json!({"channels": ["webhook:ftp://example.com"]}), "channels[0]", &["not an http(s) URL"]),
        (json!({"channels": ["email:nobody"]}), "channels[0]", &["not an email address"]),
        (json!({"source": " api"}), "source", &[]),
        (json!({"channels": eleven}), "channels", &["1 to 10"]),
        (json!({"name": " "}), "name", &["1 to 100"]),
        (json!({"windowMinutes": 0}), "windowMinutes", &["between 1 and 1440"]),
        (json!({"windowMinutes": 1441}), "windowMinutes", &["between 1 and 1440"]),
        (json!({"windowMinutes": -5}), "windowMinutes", &["invalid value"]),
        (json!({"repeatMinutes": 0}), "repeatMinutes", &["between 1 and 10080"]),
        (json!({"serverId": "web 1"}), "serverId", &["1 to 128 characters"]),
        (json!({"source": "Not A Source!"}), "source", &[]),
        (json!({"filter": "level:loud"}), "filter", &["level", "at character 7"]),
        (json!({"filter": "\"unclosed"}), "filter", &["at character 1"]),
        (json!({"filter": 42}), "filter", &["invalid type"]),
    ];
    for (patch, field, fragments) in cases {
        let mut body = rule_body("errors", "error_count >= 3", &[HOOK]);
        for (key, value) in patch.as_object().unwrap() {
            body[key] = value.clone();
        }
        let answer = server.post_rule(&ada, "web", body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), [*field], "{patch}: {}", answer.1);
        let message = detail(&answer.1, field);
        for fragment in *fragments {
            assert!(message.contains(fragment), "{patch}: `{message}` lacks `{fragment}`");
        }
    }
    assert!(server.rules(&ada, "web").await.is_empty(), "a refused rule was stored");
}

#[tokio::test]
async fn every_problem_of_a_rule_is_reported_at_once() {
    let (server, ada) = with_project().await;
    let answer =
        server.post_rule(&ada, "web", json!({"name": "", "condition": "cpu > 1", "channels": ["x"]})).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    let mut fields = detail_fields(&answer.1);
    fields.sort_unstable();
    assert_eq!(fields, ["channels[0]", "condition", "name"]);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_json() {
    let (server, ada) = with_project().await;
    let response = server
        .http(reqwest::Method::POST, "/api/projects/web/alerts/rules")
        .bearer_auth(&ada)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_error(&TestServer::read(response).await, StatusCode::BAD_REQUEST, "invalid_json");
}

#[tokio::test]
async fn replacing_a_rule_changes_every_field_and_keeps_its_id_and_creation_time() {
    let (server, ada) = with_project().await;
    let rule = server.create_rule(&ada, "web", json!({"name": "errors", "condition": "error_count >= 3", "channels": [HOOK], "windowMinutes": 10, "source": "api"})).await;
    let id = &rule["id"].to_string();
    server.clock.advance(Duration::minutes(2));
    let (status, replaced) =
        server.put_rule(&ada, "web", id, rule_body("many errors", "error_count > 10", &["email"])).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["id"], rule["id"]);
    assert_eq!(replaced["name"], "many errors");
    assert_eq!(replaced["condition"], "error_count > 10");
    assert_eq!(replaced["channels"], json!(["email"]));
    // A full replace: what the new body omits takes its default again.
    assert_eq!(replaced["source"], json!(null));
    assert_eq!(replaced["windowMinutes"], 5);
    assert_eq!(replaced["createdAt"], "2024-03-01T12:00:00.000Z");
    assert_eq!(replaced["updatedAt"], "2024-03-01T12:02:00.000Z");
    assert_eq!(server.rules(&ada, "web").await, vec![replaced]);
}

#[tokio::test]
async fn a_bad_replacement_changes_nothing() {
    let (server, ada) = with_project().await;
    let rule = server.create_rule(&ada, "web", rule_body("errors", "error_count >= 3", &[HOOK])).await;
    let id = &rule["id"].to_string();
    let answer = server.put_rule(&ada, "web", id, rule_body("errors", "error_count >= three", &[HOOK])).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["condition"]);
    assert_eq!(server.rules(&ada, "web").await, vec![rule]);
}

#[tokio::test]
async fn replacing_a_firing_rule_starts_its_state_over() {
    let t = with_logs().await;
    let (server, ada) = (&t.server, &t.ada);
    let rule = server.create_rule(ada, "web", rule_body("errors", "error_count >= 1", &[HOOK])).await;
    let id = &rule["id"].to_string();
    server.ingest_ok(&t.writer, json!({"message": "boom", "level": "error"}), 1).await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    server.evaluate().await;
    assert_eq!(kinds(&server.alert_events(ada, "web").await), ["firing"]);

    let (status, _) = server.put_rule(ada, "web", id, rule_body("errors", "error_count >= 1", &[HOOK])).await;
    assert_eq!(status, StatusCode::OK);
    server.evaluate().await;
    // Not firing any more after the replace, so still holding fires anew.
    assert_eq!(kinds(&server.alert_events(ada, "web").await), ["firing", "firing"]);
}

#[tokio::test]
async fn a_deleted_rule_is_gone_with_a_204_and_its_history_stays() {
    let t = with_logs().await;
    let (server, ada) = (&t.server, &t.ada);
    let rule = server.create_rule(ada, "web", rule_body("errors", "error_count >= 1", &[HOOK])).await;
    let id = &rule["id"].to_string();
    server.ingest_ok(&t.writer, json!({"message": "boom", "level": "fatal"}), 1).await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;

    assert_eq!(server.delete_rule(ada, "web", id).await, (StatusCode::NO_CONTENT, Value::Null));
    assert!(server.rules(ada, "web").await.is_empty());
    assert_error(&server.delete_rule(ada, "web", id).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.test_rule(ada, "web", id).await, StatusCode::NOT_FOUND, "not_found");
    let events = server.alert_events(ada, "web").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["ruleId"], rule["id"]);
    assert_eq!(events[0]["ruleName"], "errors");
    // A deleted rule is evaluated no more.
    server.clock.advance(Duration::minutes(10));
    server.evaluate().await;
    assert_eq!(server.alert_events(ada, "web").await.len(), 1);
}

#[tokio::test]
async fn an_unknown_or_malformed_rule_id_is_a_404() {
    let (server, ada) = with_project().await;
    for id in ["00000000-0000-4000-8000-000000000000", "not-a-uuid"] {
        let body = rule_body("errors", "error_count >= 3", &[HOOK]);
        assert_error(&server.put_rule(&ada, "web", id, body).await, StatusCode::NOT_FOUND, "not_found");
        assert_error(&server.delete_rule(&ada, "web", id).await, StatusCode::NOT_FOUND, "not_found");
        assert_error(&server.test_rule(&ada, "web", id).await, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn another_users_project_and_rules_are_not_found() {
    let (server, ada) = with_project().await;
    let rule = server.create_rule(&ada, "web", rule_body("errors", "error_count >= 3", &[HOOK])).await;
    let id = &rule["id"].to_string();
    let bob = server.signup("bob").await;
    server.create_project(&bob, "bobs").await;
    let body = rule_body("mine now", "error_count >= 1", &[HOOK]);

    assert_error(&server.list_rules(&bob, "web").await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.post_rule(&bob, "web", body.clone()).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.put_rule(&bob, "web", id, body.clone()).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.delete_rule(&bob, "web", id).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.test_rule(&bob, "web", id).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.list_alert_events(&bob, "web", "").await, StatusCode::NOT_FOUND, "not_found");
    // Ada's rule id under Bob's own project is not found either.
    assert_error(&server.put_rule(&bob, "bobs", id, body).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.delete_rule(&bob, "bobs", id).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&server.test_rule(&bob, "bobs", id).await, StatusCode::NOT_FOUND, "not_found");

    assert_eq!(server.rules(&ada, "web").await, vec![rule]);
}

#[tokio::test]
async fn an_api_token_may_not_touch_alerts() {
    let (server, ada) = with_project().await;
    let rule = server.create_rule(&ada, "web", rule_body("errors", "error_count >= 3", &[HOOK])).await;
    let id = &rule["id"].to_string();
    let token = api_token(&server, &ada, "web", &["logs:read", "logs:write"]).await;
    let body = rule_body("sneaky", "error_count >= 1", &[HOOK]);
    let forbidden = StatusCode::FORBIDDEN;
    assert_error(&server.list_rules(&token, "web").await, forbidden, "user_token_required");
    assert_error(&server.post_rule(&token, "web", body.clone()).await, forbidden, "user_token_required");
    assert_error(&server.put_rule(&token, "web", id, body).await, forbidden, "user_token_required");
    assert_error(&server.delete_rule(&token, "web", id).await, forbidden, "user_token_required");
    assert_error(&server.test_rule(&token, "web", id).await, forbidden, "user_token_required");
    assert_error(&server.list_alert_events(&token, "web", "").await, forbidden, "user_token_required");
    assert_eq!(server.rules(&ada, "web").await, vec![rule]);
}

#[tokio::test]
async fn alerts_need_a_token() {
    let (server, _) = with_project().await;
    for (method, path) in [
        (reqwest::Method::GET, "/api/projects/web/alerts/rules"),
        (reqwest::Method::POST, "/api/projects/web/alerts/rules"),
        (reqwest::Method::GET, "/api/projects/web/alerts/events"),
    ] {
        let answer = server.request(method, path, None, Some(json!({}))).await;
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

/// The `kind`s of a history listing, newest first.
fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().expect("a kind")).collect()
}

#[tokio::test]
async fn the_history_is_newest_first_and_honours_its_limit() {
    let t = with_logs().await;
    let (server, ada) = (&t.server, &t.ada);
    server.create_rule(ada, "web", json!({"name": "any log", "condition": "log_count > 0", "channels": [HOOK], "windowMinutes": 1, "repeatMinutes": 1})).await;
    server.ingest_ok(&t.writer, json!({"message": "one"}), 1).await;
    server.clock.advance(Duration::seconds(30));
    server.evaluate().await; // firing at 12:00:30
    server.ingest_ok(&t.writer, json!({"message": "two"}), 1).await;
    server.clock.advance(Duration::seconds(60));
    server.evaluate().await; // repeat at 12:01:30
    server.clock.advance(Duration::seconds(60));
    server.evaluate().await; // resolved at 12:02:30

    let events = server.alert_events(ada, "web").await;
    assert_eq!(kinds(&events), ["resolved", "repeat", "firing"]);
    let at: Vec<_> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert_eq!(at, ["2024-03-01T12:02:30.000Z", "2024-03-01T12:01:30.000Z", "2024-03-01T12:00:30.000Z"]);
    let values: Vec<_> = events.iter().map(|e| e["value"].as_f64().unwrap()).collect();
    assert_eq!(values, [0.0, 1.0, 1.0]);

    let (status, limited) = server.list_alert_events(ada, "web", "limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kinds(limited.as_array().unwrap()), ["resolved", "repeat"]);
    for bad in ["limit=0", "limit=1001", "limit=many"] {
        let answer = server.list_alert_events(ada, "web", bad).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["limit"], "{bad}");
    }
}

#[tokio::test]
async fn an_event_shows_the_rule_as_it_was_and_each_delivery() {
    // No notifier configured: every delivery fails, with the reason.
    let t = with_logs().await;
    let (server, ada) = (&t.server, &t.ada);
    let rule = server.create_rule(ada, "web", json!({"name": "errors", "condition": "error_rate > 0.1", "channels": [HOOK, "email"], "windowMinutes": 10})).await;
    server
        .ingest_ok(
            &t.writer,
            json!([{"message": "a", "level": "error"}, {"message": "b", "level": "error"}]),
            2,
        )
        .await;
    server.clock.advance(Duration::minutes(1));
    server.evaluate().await;
    let id = &rule["id"].to_string();
    server.put_rule(ada, "web", id, rule_body("renamed", "error_count > 100", &[HOOK])).await;

    let events = server.alert_events(ada, "web").await;
    let event = &events[0];
    assert!(event["id"].as_i64().is_some_and(|id| id > 0), "{event}");
    let reason = "no notifier is configured on this server";
    assert_eq!(
        event,
        &json!({
            "id": event["id"],
            "ruleId": rule["id"],
            "ruleName": "errors",
            "condition": "error_rate > 0.1",
            "kind": "firing",
            "value": 0.2,
            "windowMinutes": 10,
            "at": "2024-03-01T12:01:00.000Z",
            "deliveries": [
                {"channel": HOOK, "ok": false, "error": reason},
                {"channel": "email", "ok": false, "error": reason},
            ],
            "silenced": false,
            "actions": [],
        })
    );
}

#[tokio::test]
async fn actions_round_trip_and_bad_ones_are_a_400_naming_each() {
    let (server, ada) = with_project().await;
    let agent = server.agent_token(&ada, "web", "web-1").await;
    let restart = json!({"type": "restart", "serverId": "web-1", "scriptName": "api"});
    let mut body = rule_body("errors", "log_count >= 0", &[HOOK]);
    body["actions"] = json!([restart, {"type": "stop", "serverId": "web-1", "scriptName": " worker "}]);
    let rule = server.create_rule(&ada, "web", body).await;
    assert_eq!(
        rule["actions"],
        json!([restart, {"type": "stop", "serverId": "web-1", "scriptName": "worker"}])
    );
    let plain = server.create_rule(&ada, "web", rule_body("plain", "log_count > 99", &[HOOK])).await;
    assert_eq!(plain["actions"], json!([]));

    let six: Vec<_> = (0..6).map(|_| restart.clone()).collect();
    let cases: &[(Value, &[&str])] = &[
        (json!([{"type": "reboot", "serverId": "web-1", "scriptName": "api"}]), &["actions[0].type"]),
        (
            json!([restart, {"type": "stop", "serverId": "web-9", "scriptName": "api"}]),
            &["actions[1].serverId"],
        ),
        (json!([{"type": "start", "serverId": "web-1", "scriptName": ""}]), &["actions[0].scriptName"]),
        (json!(six), &["actions"]),
        (json!([{"type": 3, "serverId": "web-1", "scriptName": "api"}]), &["actions[0].type"]),
        (json!({"type": "restart"}), &["actions"]),
    ];
    for (actions, fields) in cases {
        let mut body = rule_body("bad", "log_count > 1", &[HOOK]);
        body["actions"] = actions.clone();
        let answer = server.post_rule(&ada, "web", body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), *fields, "{actions}: {}", answer.1);
    }
    assert_eq!(server.rules(&ada, "web").await.len(), 2, "a refused rule was stored");

    // It fires: the history shows the queued command, then the agent's outcome.
    server.evaluate().await;
    let (_, pending) = server.get("/api/agent/commands", &agent).await;
    let pending = pending.as_array().expect("an array").clone();
    assert_eq!(pending.len(), 2, "{pending:?}");
    let events = server.alert_events(&ada, "web").await;
    let event = events.iter().find(|e| e["ruleId"] == rule["id"]).unwrap();
    assert_eq!(
        event["actions"],
        json!([
            {"commandId": pending[0]["id"], "type": "restart", "serverId": "web-1", "scriptName": "api", "status": "pending", "output": null},
            {"commandId": pending[1]["id"], "type": "stop", "serverId": "web-1", "scriptName": "worker", "status": "pending", "output": null},
        ])
    );
    let ack = format!("/api/agent/commands/{}/ack", pending[0]["id"]);
    let (status, reply) = server.post(&ack, &agent, json!({"status": "ok", "output": "restarted"})).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let events = server.alert_events(&ada, "web").await;
    let event = events.iter().find(|e| e["ruleId"] == rule["id"]).unwrap();
    assert_eq!(
        (&event["actions"][0]["status"], &event["actions"][0]["output"]),
        (&json!("ok"), &json!("restarted"))
    );
    assert_eq!(event["actions"][1]["status"], "pending");
}
