//! (a) HTTP ingest: concurrent clients posting batches to `/api/agent/log`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use crate::workload::Workload;

/// What the account setup produced.
pub struct Credentials {
    /// Owner session (for searches).
    pub jwt: String,
    /// The source's `sk_` token (for ingest).
    pub source_token: String,
}

async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut req = client.post(&url).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or_default();
    if !status.is_success() {
        bail!("POST {url} → {status}: {body}");
    }
    Ok(body)
}

/// Registers a user and creates project `bench` with source `app`.
pub async fn setup(base: &str) -> anyhow::Result<Credentials> {
    let client = reqwest::Client::new();
    let user = json!({"firstName": "Bench", "lastName": "Mark", "pseudo": "bench",
        "email": "bench@example.com", "password": "benchmark-password"});
    post(&client, format!("{base}/api/auth/register"), None, user).await?;
    let login = json!({"email": "bench@example.com", "password": "benchmark-password"});
    let jwt = post(&client, format!("{base}/api/auth/login"), None, login).await?["token"]
        .as_str()
        .context("token")?
        .to_owned();
    post(&client, format!("{base}/api/projects"), Some(&jwt), json!({"name": "bench"})).await?;
    let source =
        post(&client, format!("{base}/api/projects/bench/sources"), Some(&jwt), json!({"name": "app"}))
            .await?;
    let source_token = source["token"].as_str().context("source token")?.to_owned();
    Ok(Credentials { jwt, source_token })
}

/// Serialised request bodies, made before the clock starts so the load
/// generator's JSON work is not counted against the server.
pub fn bodies(
    workload: Workload,
    total: u64,
    batch: u64,
    seed: u64,
    now: DateTime<Utc>,
) -> Vec<bytes::Bytes> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..total.div_ceil(batch))
        .map(|b| {
            let entries: Vec<Value> = (b * batch..((b + 1) * batch).min(total))
                .map(|n| workload.entry(&mut rng, n, now).to_json())
                .collect();
            bytes::Bytes::from(serde_json::to_vec(&entries).expect("serialisable"))
        })
        .collect()
}

/// Result of the ingest run.
pub struct IngestRun {
    /// Entries the server acknowledged.
    pub accepted: u64,
    /// Wall time from first request to last acknowledgement.
    pub elapsed: Duration,
    /// 429 answers (retried after `Retry-After`).
    pub throttled: u64,
}

/// Posts every body, `clients` requests at a time; retries a 429.
pub async fn run(
    base: &str,
    token: &str,
    bodies: Vec<bytes::Bytes>,
    clients: usize,
) -> anyhow::Result<IngestRun> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let queue = Arc::new(tokio::sync::Mutex::new(bodies));
    let url = format!("{base}/api/agent/log");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, queue, url, token) = (client.clone(), queue.clone(), url.clone(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut accepted, mut throttled) = (0u64, 0u64);
            loop {
                let Some(body) = queue.lock().await.pop() else { break };
                loop {
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await?;
                    match res.status().as_u16() {
                        201 => {
                            let answer: Value = res.json().await?;
                            accepted += answer["accepted"].as_u64().unwrap_or(0);
                            break;
                        }
                        429 => {
                            throttled += 1;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        status => bail!("ingest answered {status}: {}", res.text().await.unwrap_or_default()),
                    }
                }
            }
            anyhow::Ok((accepted, throttled))
        }));
    }
    let (mut accepted, mut throttled) = (0, 0);
    for task in tasks {
        let (a, t) = task.await??;
        accepted += a;
        throttled += t;
    }
    Ok(IngestRun { accepted, elapsed: started.elapsed(), throttled })
}
