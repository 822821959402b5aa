//! (b) The raw storage limit: the same entries written straight through
//! orion-storage's `LogRepository::append` into a fresh SQLite file — the
//! same schema, indexes and insert statements the server uses — one
//! transaction per batch, one batch at a time, no HTTP, no JSON.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use orion_core::Orion;
use orion_core::service::{LoginOutcome, Registration};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::workload;

/// Result of the raw run.
pub struct RawRun {
    /// Entries stored.
    pub entries: u64,
    /// Time spent in the inserts only.
    pub elapsed: Duration,
}

/// Inserts `total` entries in batches of `batch`.
pub async fn run(url: &str, total: u64, batch: u64) -> anyhow::Result<RawRun> {
    let repos = orion_storage::connect(url).await?;
    let orion = Orion::builder(repos.clone()).bcrypt_cost(4).build();
    orion
        .accounts()
        .register(Registration {
            first_name: "Raw".into(),
            last_name: "Limit".into(),
            pseudo: "raw".into(),
            email: "raw@example.com".into(),
            password: "raw-limit-password".into(),
        })
        .await?;
    let LoginOutcome::Session(jwt) = orion.accounts().login("raw@example.com", "raw-limit-password").await?
    else {
        anyhow::bail!("2FA is off for a new account");
    };
    let me = orion.accounts().authenticate(&jwt).await?;
    let project = orion.projects().create(&me, "bench", None).await?;

    // Build every batch before the clock starts.
    let mut rng = StdRng::seed_from_u64(7);
    let now = Utc::now();
    let batches: Vec<Vec<_>> = (0..total.div_ceil(batch))
        .map(|b| {
            (b * batch..((b + 1) * batch).min(total))
                .map(|n| workload::entry(&mut rng, n, now).into_new_entry(project.id, "app", now))
                .collect()
        })
        .collect();

    let started = Instant::now();
    let mut entries = 0u64;
    for batch in batches {
        entries += repos.logs.append(batch).await.context("raw append")?.len() as u64;
    }
    Ok(RawRun { entries, elapsed: started.elapsed() })
}
