//! (b) The raw storage limit: the same entries written with
//! `orion_storage::bench::raw_insert` into a fresh SQLite file — the same
//! schema, indexes and insert statements the server uses, but no writer
//! queue, no HTTP, no JSON — one transaction per batch, one at a time.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use orion_core::Orion;
use orion_core::model::SourceName;
use orion_core::service::{LoginOutcome, Registration};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::workload::Workload;

/// Result of the raw run: the store stays open for (c)'s in-process
/// queries.
pub struct RawRun {
    /// Entries stored.
    pub entries: u64,
    /// Time spent in the inserts only.
    pub elapsed: Duration,
    /// The store.
    pub storage: orion_storage::Storage,
    /// The project holding the entries.
    pub project: orion_core::model::ProjectId,
}

/// Inserts `total` entries in batches of `batch`.
pub async fn run(
    url: &str,
    workload: Workload,
    total: u64,
    batch: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<RawRun> {
    let storage = orion_storage::Storage::open(url).await?;
    let orion = Orion::builder(storage.repos()).bcrypt_cost(4).build();
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
    let app = SourceName::parse("app").map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let batches: Vec<Vec<_>> = (0..total.div_ceil(batch))
        .map(|b| {
            (b * batch..((b + 1) * batch).min(total))
                .map(|n| workload.entry(&mut rng, n, now).into_new_entry(project.id, &app, now))
                .collect()
        })
        .collect();

    let started = Instant::now();
    let mut entries = 0u64;
    for batch in batches {
        entries +=
            orion_storage::bench::raw_insert(&storage, &batch).await.context("raw insert")?.len() as u64;
    }
    let elapsed = started.elapsed();
    Ok(RawRun { entries, elapsed, storage, project: project.id })
}
