//! Durability of the log ack: `kill -9` in the middle of a sustained ingest
//! (with the background merger running) loses no acknowledged entry and
//! duplicates none after a restart on the same SQLite file.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use orion_testkit::wait;

use crate::process::Server;

async fn post(url: &str, body: Value, token: &str) -> (u16, Value) {
    let res = reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await;
    match res {
        Ok(res) => (res.status().as_u16(), res.json().await.unwrap_or(Value::Null)),
        // The server died under the request: not acknowledged.
        Err(_) => (0, Value::Null),
    }
}

async fn session(base: &str) -> (String, String) {
    let client = reqwest::Client::new();
    let user = json!({"firstName": "Ada", "lastName": "Lovelace", "pseudo": "ada",
        "email": "ada@example.com", "password": "analytical-engine"});
    client.post(format!("{base}/api/auth/register")).json(&user).send().await.unwrap();
    let login: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": "ada@example.com", "password": "analytical-engine"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwt = login["token"].as_str().unwrap().to_owned();
    let auth = |r: reqwest::RequestBuilder| r.bearer_auth(&jwt);
    auth(client.post(format!("{base}/api/projects"))).json(&json!({"name": "web"})).send().await.unwrap();
    let source: Value = auth(client.post(format!("{base}/api/projects/web/sources")))
        .json(&json!({"name": "app"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (jwt, source["token"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_ingest_loses_no_acknowledged_entry_and_repeats_none() {
    let dir = tempfile::tempdir().unwrap();
    // The merger says when a round merged blocks (at debug).
    let mut server = Server::start(dir.path(), &["--log-level", "info,orion_storage=debug"]).await;
    let base = server.base_url.clone();
    let (jwt, token) = session(&base).await;

    // Four clients send small and large batches of uniquely numbered
    // entries (small ones make small blocks for the merger) until killed.
    let acked: Arc<Mutex<HashSet<u64>>> = Arc::default();
    let mut clients = Vec::new();
    for c in 0..4u64 {
        let (acked, token, url) = (acked.clone(), token.clone(), format!("{base}/api/agent/log"));
        clients.push(tokio::spawn(async move {
            for batch in 0..10_000u64 {
                let size = if batch % 3 == 0 { 300 } else { 3 };
                let first = (c << 40) | (batch << 16);
                let body: Vec<Value> =
                    (0..size).map(|i| json!({"message": format!("n{}", first + i)})).collect();
                let (status, _) = post(&url, Value::Array(body), &token).await;
                match status {
                    201 => acked.lock().unwrap().extend((0..size).map(|i| first + i)),
                    0 => return,
                    _ => {}
                }
            }
        }));
    }
    // Killed once the ingest is sustained (over a thousand entries
    // acknowledged) and the background merger has rewritten blocks at
    // least once, as it goes on doing under the load.
    let merged = async {
        while let Some(line) = server.stdout.next_line().await.expect("stdout readable") {
            let value: Value = serde_json::from_str(&line).expect("JSON log lines");
            if value["message"] == "merged log blocks" {
                return;
            }
        }
        panic!("orion exited before merging");
    };
    tokio::time::timeout(Duration::from_secs(60), merged).await.expect("a merge within 60 s");
    wait::eventually("a thousand entries acknowledged", Duration::from_secs(60), async || {
        (acked.lock().unwrap().len() > 1_000).then_some(())
    })
    .await;
    server.child.start_kill().expect("SIGKILL sent");
    server.child.wait().await.unwrap();
    for client in clients {
        client.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 1_000, "the ingest was sustained: {} acknowledged", acked.len());

    let server = Server::start(dir.path(), &[]).await;
    // Everything stored, in one streamed export.
    let url = format!("{}/api/projects/web/logs/export?format=ndjson", server.base_url);
    let body = reqwest::Client::new().get(&url).bearer_auth(&jwt).send().await.unwrap().text().await.unwrap();
    let seen: Vec<u64> = body
        .lines()
        .map(|line| {
            let entry: Value = serde_json::from_str(line).unwrap();
            entry["message"].as_str().unwrap()[1..].parse().unwrap()
        })
        .collect();
    let unique: HashSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no entry is stored twice");
    let lost: Vec<_> = acked.difference(&unique).take(5).collect();
    assert!(lost.is_empty(), "acknowledged entries lost after kill -9: {lost:?}…");
    assert!(server.terminate().await.success());
}
