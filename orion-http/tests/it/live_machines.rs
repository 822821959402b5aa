//! Heartbeats and incidents on the live WebSocket: every session whose
//! scope covers the project gets them, whatever its log filters; nobody
//! else ever does.

use orion_testkit::server::{LiveClient, alert_body, heartbeat_body};
use serde_json::json;

use crate::{Fleet, api_token, with_agent};

async fn connect(fleet: &Fleet, token: &str, query: &str) -> LiveClient {
    fleet.server.live(Some(token), query).await.expect("the WebSocket opens")
}

/// Proves that nothing else was on its way to `live`: a heartbeat of
/// `server_id` (sent with `agent`, in the session's scope) must be the next
/// message. A session's messages keep publication order, so anything
/// published before would have come first; no wait needed.
async fn nothing_before_heartbeat(fleet: &Fleet, agent: &str, server_id: &str, live: &mut LiveClient) {
    fleet.server.heartbeat_ok(agent, heartbeat_body()).await;
    let next = live.next().await;
    assert_eq!((&next["type"], &next["serverId"]), (&json!("heartbeat"), &json!(server_id)), "{next}");
}

#[tokio::test]
async fn the_owner_gets_heartbeats_and_incidents_whatever_the_log_filters() {
    let fleet = with_agent().await;
    let mut live = connect(&fleet, &fleet.ada, "minLevel=fatal&source=nothing&search=zzz").await;
    fleet.server.heartbeat_ok(&fleet.agent, heartbeat_body()).await;

    let message = live.next().await;
    assert_eq!(
        (&message["type"], &message["project"], &message["serverId"]),
        (&json!("heartbeat"), &json!("web"), &json!("web-1"))
    );
    // The same view as the REST listing.
    let latest = fleet.server.servers(&fleet.ada, "web").await[0]["latest"].clone();
    assert_eq!(message["heartbeat"], latest);
    assert_eq!(message.as_object().unwrap().len(), 4, "{message}");

    fleet.server.alert(&fleet.agent, alert_body("api")).await;
    let message = live.next().await;
    assert_eq!((&message["type"], &message["project"]), (&json!("incident"), &json!("web")));
    assert_eq!(message["change"], "opened");
    let listed = fleet.server.incidents(&fleet.ada, "web", "").await.1;
    assert_eq!(message["incident"], listed[0]);
    // A second crash of the script adds to it; resolving it says so.
    fleet.server.alert(&fleet.agent, alert_body("api")).await;
    let message = live.next().await;
    assert_eq!((&message["change"], &message["incident"]["count"]), (&json!("repeated"), &json!(2)));
    let id = &listed[0]["id"];
    let path = format!("/api/projects/web/incidents/{id}/resolve");
    fleet.server.request(reqwest::Method::POST, &path, Some(&fleet.ada), None).await;
    let message = live.next().await;
    assert_eq!(
        (&message["change"], &message["incident"]["status"]),
        (&json!("resolved"), &json!("resolved"))
    );
    nothing_before_heartbeat(&fleet, &fleet.agent, "web-1", &mut live).await;
}

#[tokio::test]
async fn a_project_scoped_session_gets_its_projects_machines_only() {
    let fleet = with_agent().await;
    let Fleet { server, ada, agent } = &fleet;
    server.create_project(ada, "shop").await;
    let shop_agent = server.agent_token(ada, "shop", "shop-1").await;
    let reader = api_token(server, ada, "web", &["logs:read"]).await;
    let mut by_token = connect(&fleet, &reader, "").await;
    let mut by_project = connect(&fleet, ada, "project=shop").await;

    server.heartbeat_ok(&shop_agent, heartbeat_body()).await;
    server.heartbeat_ok(agent, heartbeat_body()).await;
    assert_eq!(by_token.next().await["serverId"], "web-1");
    assert_eq!(by_project.next().await["serverId"], "shop-1");
    // Each marker is in one session's scope only: the other's, had it been
    // forwarded, would arrive first.
    nothing_before_heartbeat(&fleet, &shop_agent, "shop-1", &mut by_project).await;
    nothing_before_heartbeat(&fleet, agent, "web-1", &mut by_token).await;
}

#[tokio::test]
async fn another_user_never_sees_them() {
    let fleet = with_agent().await;
    let bob = fleet.server.signup("bob").await;
    fleet.server.create_project(&bob, "web").await;
    let mut bobs = connect(&fleet, &bob, "").await;
    let mut adas = connect(&fleet, &fleet.ada, "").await;

    fleet.server.heartbeat_ok(&fleet.agent, heartbeat_body()).await;
    fleet.server.alert(&fleet.agent, alert_body("api")).await;
    assert_eq!(adas.next().await["type"], "heartbeat");
    assert_eq!(adas.next().await["type"], "incident");
    let bobs_agent = fleet.server.agent_token(&bob, "web", "bob-1").await;
    nothing_before_heartbeat(&fleet, &bobs_agent, "bob-1", &mut bobs).await;
}
