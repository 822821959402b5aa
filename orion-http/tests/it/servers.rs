//! The owner's listings: servers (online state from the last heartbeat,
//! against the fake clock), a server's heartbeats and the project's
//! incidents, with their `from`/`to`/`limit` parameters and refusals.
//! (Another user's project and API tokens on these routes are covered for
//! every project route in `authorization.rs`.)

use chrono::Duration;
use orion_testkit::server::{alert_body, heartbeat_body};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Fleet, assert_error, detail_fields, with_agent};

fn timestamps(list: &Value) -> Vec<&str> {
    list.as_array().expect("an array").iter().map(|e| e["timestamp"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_server_is_online_until_three_minutes_pass_without_a_heartbeat() {
    let Fleet { server, ada, agent } = with_agent().await;
    assert_eq!(server.servers(&ada, "web").await[0]["online"], false, "never heard from");

    server.heartbeat_ok(&agent, heartbeat_body()).await;
    let seen = server.servers(&ada, "web").await[0]["lastSeenAt"].clone();
    server.clock.advance(Duration::seconds(179));
    assert_eq!(server.servers(&ada, "web").await[0]["online"], true);

    server.clock.advance(Duration::seconds(2));
    let listed = &server.servers(&ada, "web").await[0];
    assert_eq!((&listed["online"], &listed["lastSeenAt"]), (&json!(false), &seen));
    assert!(listed["latest"].is_object(), "the last heartbeat is still shown: {listed}");

    server.heartbeat_ok(&agent, heartbeat_body()).await;
    let listed = &server.servers(&ada, "web").await[0];
    assert_eq!(listed["online"], true);
    assert_ne!(listed["lastSeenAt"], seen);
}

#[tokio::test]
async fn servers_are_listed_by_id_each_with_its_own_latest_heartbeat() {
    let Fleet { server, ada, agent } = with_agent().await;
    let other = server.agent_token(&ada, "web", "db-1").await;
    let mut body = heartbeat_body();
    body["cpu"]["percent"] = json!(99);
    server.heartbeat_ok(&other, body).await;
    server.heartbeat_ok(&agent, heartbeat_body()).await;
    let servers = server.servers(&ada, "web").await;
    let summary: Vec<(&Value, &Value)> =
        servers.iter().map(|s| (&s["serverId"], &s["latest"]["cpu"]["percent"])).collect();
    assert_eq!(summary, [(&json!("db-1"), &json!(99.0)), (&json!("web-1"), &json!(12.5))]);
}

#[tokio::test]
async fn the_latest_heartbeat_is_the_newest_by_timestamp() {
    let Fleet { server, ada, agent } = with_agent().await;
    for (at, cpu) in [("2026-01-01T00:02:00Z", 2), ("2026-01-01T00:01:00Z", 1)] {
        let mut body = heartbeat_body();
        body["timestamp"] = json!(at);
        body["cpu"]["percent"] = json!(cpu);
        server.heartbeat_ok(&agent, body).await;
    }
    assert_eq!(server.servers(&ada, "web").await[0]["latest"]["cpu"]["percent"], 2.0);
}

async fn three_heartbeats(fleet: &Fleet) {
    for minute in 1..=3 {
        let mut body = heartbeat_body();
        body["timestamp"] = json!(format!("2026-01-01T00:0{minute}:00Z"));
        fleet.server.heartbeat_ok(&fleet.agent, body).await;
    }
}

#[tokio::test]
async fn heartbeats_are_listed_newest_first_within_a_window() {
    let fleet = with_agent().await;
    three_heartbeats(&fleet).await;
    let Fleet { server, ada, .. } = &fleet;
    let list = |query: &'static str| async move {
        let (status, body) = server.heartbeats(ada, "web", "web-1", query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        body
    };
    assert_eq!(
        timestamps(&list("").await),
        ["2026-01-01T00:03:00.000Z", "2026-01-01T00:02:00.000Z", "2026-01-01T00:01:00.000Z"]
    );
    let window = list("from=2026-01-01T00:02:00Z&to=2026-01-01T00:03:00Z").await;
    assert_eq!(timestamps(&window), ["2026-01-01T00:02:00.000Z"], "from inclusive, to exclusive");
    assert_eq!(timestamps(&list("limit=2").await), ["2026-01-01T00:03:00.000Z", "2026-01-01T00:02:00.000Z"]);
    let first = &list("limit=1").await[0];
    assert!(first["receivedAt"].is_string() && first["scripts"].is_array(), "{first}");
}

#[tokio::test]
async fn bad_heartbeat_parameters_are_refused_by_name() {
    let fleet = with_agent().await;
    three_heartbeats(&fleet).await;
    let answer = fleet.server.heartbeats(&fleet.ada, "web", "web-1", "from=yesterday&to=x&limit=0").await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["from", "to", "limit"]);
    let over = fleet.server.heartbeats(&fleet.ada, "web", "web-1", "limit=1001").await;
    assert_eq!(detail_fields(&over.1), ["limit"]);
}

#[tokio::test]
async fn heartbeats_of_an_unknown_server_are_not_found() {
    let Fleet { server, ada, .. } = with_agent().await;
    for id in ["ghost", "not%20an%20id"] {
        assert_error(&server.heartbeats(&ada, "web", id, "").await, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn incidents_are_listed_newest_first_within_a_window() {
    let Fleet { server, ada, agent } = with_agent().await;
    for minute in 1..=3 {
        let mut body = alert_body(&format!("job-{minute}"));
        body["timestamp"] = json!(format!("2026-01-01T00:0{minute}:00Z"));
        assert_eq!(server.alert(&agent, body).await.0, StatusCode::CREATED);
    }
    let scripts = |list: &Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|i| i["scriptName"].as_str().unwrap().to_owned()).collect()
    };
    let (status, all) = server.incidents(&ada, "web", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scripts(&all), ["job-3", "job-2", "job-1"]);
    let window = server.incidents(&ada, "web", "from=2026-01-01T00:02:00Z&to=2026-01-01T00:03:00Z").await.1;
    assert_eq!(scripts(&window), ["job-2"]);
    assert_eq!(scripts(&server.incidents(&ada, "web", "limit=1").await.1), ["job-3"]);

    let bad = server.incidents(&ada, "web", "to=tomorrow&limit=-1").await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&bad.1), ["to", "limit"]);
}

#[tokio::test]
async fn incidents_stay_in_their_project() {
    let Fleet { server, ada, agent } = with_agent().await;
    server.create_project(&ada, "shop").await;
    let shop = server.agent_token(&ada, "shop", "shop-1").await;
    server.alert(&shop, alert_body("checkout")).await;
    server.alert(&agent, alert_body("api")).await;
    let web = server.incidents(&ada, "web", "").await.1;
    assert_eq!((web.as_array().unwrap().len(), &web[0]["scriptName"]), (1, &json!("api")));
    let shop = server.incidents(&ada, "shop", "").await.1;
    assert_eq!((shop.as_array().unwrap().len(), &shop[0]["serverId"]), (1, &json!("shop-1")));
}

#[tokio::test]
async fn another_users_servers_and_incidents_are_not_found() {
    let Fleet { server, ada, agent } = with_agent().await;
    server.heartbeat_ok(&agent, heartbeat_body()).await;
    server.alert(&agent, alert_body("api")).await;
    let bob = server.signup("bob").await;
    for path in [
        "/api/projects/web/servers",
        "/api/projects/web/servers/web-1/heartbeats",
        "/api/projects/web/incidents",
    ] {
        assert_error(&server.get(path, &bob).await, StatusCode::NOT_FOUND, "not_found");
    }
    // Bob's own project of the same name is empty.
    server.create_project(&bob, "web").await;
    assert!(server.servers(&bob, "web").await.is_empty());
    assert_eq!(server.incidents(&bob, "web", "").await.1, json!([]));
    assert_eq!(server.servers(&ada, "web").await.len(), 1);
}
