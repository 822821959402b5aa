//! Incidents over HTTP: crash context in `POST /api/agent/alert`,
//! grouping, `GET …/incidents?status=`, `GET …/incidents/{id}`, `POST
//! …/incidents/{id}/resolve`, and refusals (bad context → 400 naming the
//! field with nothing stored; another user's incident → 404).

use orion_testkit::server::alert_body;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{Fleet, assert_error, detail_fields, with_agent};

fn context(lines: usize) -> Value {
    let lines: Vec<Value> = (0..lines)
        .map(|i| {
            json!({"timestamp": "2026-01-01T00:00:00.250Z", "stream": if i % 2 == 0 { "stdout" } else { "stderr" },
                   "line": format!("line {i} <b>&\u{1b}[0m")})
        })
        .collect();
    json!({
        "lines": lines,
        "metrics": {"timestamp": "2026-01-01T00:00:00.000Z", "cpu": {"percent": 99.5, "cores": 4},
                    "ram": {"usedMb": 1024, "totalMb": 4096}, "loadAverage": [1, 2, 3]},
        "exitCode": 2,
        "restarts": 3
    })
}

fn crash(context: Value) -> Value {
    let mut body = alert_body("api");
    body["context"] = context;
    body
}

async fn get(fleet: &Fleet, path: &str, session: &str) -> (StatusCode, Value) {
    fleet
        .server
        .request(Method::GET, &format!("/api/projects/web/incidents{path}"), Some(session), None)
        .await
}

async fn resolve(fleet: &Fleet, id: &Value, session: &str) -> (StatusCode, Value) {
    let path = format!("/api/projects/web/incidents/{id}/resolve");
    fleet.server.request(Method::POST, &path, Some(session), None).await
}

#[tokio::test]
async fn a_crash_context_is_shown_with_the_incident() {
    let fleet = with_agent().await;
    assert_eq!(fleet.server.alert(&fleet.agent, crash(context(50))).await.0, StatusCode::CREATED);
    let (_, list) = get(&fleet, "", &fleet.ada).await;
    let id = &list[0]["id"];
    let (status, incident) = get(&fleet, &format!("/{id}"), &fleet.ada).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(incident, list[0], "the listing and the incident agree");
    assert_eq!((&incident["status"], &incident["count"]), (&json!("open"), &json!(1)));
    assert_eq!((&incident["firstAt"], &incident["lastAt"]), (&incident["timestamp"], &incident["timestamp"]));
    assert_eq!(incident["resolvedAt"], Value::Null);
    let context = &incident["context"];
    assert_eq!(context["lines"].as_array().unwrap().len(), 50);
    assert_eq!(
        context["lines"][1],
        json!({"timestamp": "2026-01-01T00:00:00.250Z", "stream": "stderr", "line": "line 1 <b>&\u{1b}[0m"})
    );
    assert_eq!(
        (&context["exitCode"], &context["signal"], &context["restarts"]),
        (&json!(2), &Value::Null, &json!(3))
    );
    assert_eq!(
        context["metrics"],
        json!({"timestamp": "2026-01-01T00:00:00.000Z", "cpu": {"percent": 99.5, "cores": 4},
               "ram": {"usedMb": 1024.0, "totalMb": 4096.0, "percent": 25.0}, "loadAverage": [1.0, 2.0, 3.0]})
    );
}

#[tokio::test]
async fn three_crashes_group_into_one_incident_and_resolving_it_by_hand_ends_it() {
    let fleet = with_agent().await;
    for lines in [1, 2, 3] {
        fleet.server.alert(&fleet.agent, crash(context(lines))).await;
    }
    let (_, open) = get(&fleet, "?status=open", &fleet.ada).await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["count"], 3);
    assert_eq!(open[0]["context"]["lines"].as_array().unwrap().len(), 3, "the newest report's context");
    let id = open[0]["id"].clone();

    let (status, resolved) = resolve(&fleet, &id, &fleet.ada).await;
    assert_eq!((status, &resolved["status"]), (StatusCode::OK, &json!("resolved")));
    assert!(resolved["resolvedAt"].is_string(), "{resolved}");
    fleet.server.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(resolve(&fleet, &id, &fleet.ada).await, (StatusCode::OK, resolved.clone()), "unchanged");
    assert_eq!(get(&fleet, "?status=open", &fleet.ada).await.1, json!([]));
    assert_eq!(get(&fleet, "?status=resolved", &fleet.ada).await.1, json!([resolved]));

    fleet.server.alert(&fleet.agent, crash(context(1))).await;
    let (_, all) = get(&fleet, "", &fleet.ada).await;
    assert_eq!(all.as_array().unwrap().len(), 2, "the next crash opens a new incident");
    assert_ne!(all[0]["id"], id);
}

#[tokio::test]
async fn a_bad_context_is_a_400_naming_the_field_and_nothing_is_stored() {
    let fleet = with_agent().await;
    let mut bad_stream = context(2);
    bad_stream["lines"][1]["stream"] = json!("stdin");
    let mut bad_metrics = context(1);
    bad_metrics["metrics"]["ram"]["percent"] = json!(150);
    let mut oversized = context(2);
    for i in 0..2 {
        oversized["lines"][i]["line"] = json!("x".repeat(33 * 1024));
    }
    let cases = [
        (context(201), "context.lines"),
        (oversized, "context.lines"),
        (bad_stream, "context.lines[1].stream"),
        (bad_metrics, "context.metrics.ram.percent"),
        (json!({"signal": 0}), "context.signal"),
        (json!({"lines": "many"}), "context.lines"),
        (json!({"lines": [{"timestamp": 5, "stream": "stdout", "line": "x"}]}), "context.lines[0].timestamp"),
        (json!("crashed"), "context"),
        (
            json!({"lines": [{"timestamp": "2026-01-01T00:00:00Z", "stream": "stdout"}]}),
            "context.lines[0].line",
        ),
        (
            json!({"lines": [{"timestamp": "2026-01-01T00:00:00Z", "stream": "stdout", "line": null}]}),
            "context.lines[0].line",
        ),
    ];
    for (bad, field) in cases {
        let answer = fleet.server.alert(&fleet.agent, crash(bad)).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), [field], "{}", answer.1);
    }
    assert_eq!(get(&fleet, "", &fleet.ada).await.1, json!([]));
}

#[tokio::test]
async fn a_bad_status_is_a_400_and_another_users_incident_is_not_found() {
    let fleet = with_agent().await;
    fleet.server.alert(&fleet.agent, crash(context(1))).await;
    let id = get(&fleet, "", &fleet.ada).await.1[0]["id"].clone();
    for status in ["closed", "", "OPEN"] {
        let answer = get(&fleet, &format!("?status={status}"), &fleet.ada).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["status"]);
    }
    let bob = fleet.server.signup("bob").await;
    fleet.server.create_project(&bob, "shop").await;
    assert_error(&get(&fleet, &format!("/{id}"), &bob).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&resolve(&fleet, &id, &bob).await, StatusCode::NOT_FOUND, "not_found");
    // Ada's other project does not have it either.
    fleet.server.create_project(&fleet.ada, "other").await;
    let elsewhere = format!("/api/projects/other/incidents/{id}");
    let answer = fleet.server.request(Method::GET, &elsewhere, Some(&fleet.ada), None).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    for id in ["abc", "0", "999999999"] {
        assert_error(&get(&fleet, &format!("/{id}"), &fleet.ada).await, StatusCode::NOT_FOUND, "not_found");
    }
    assert_eq!(get(&fleet, &format!("/{id}"), &fleet.ada).await.1["status"], "open", "untouched");
}
