//! (e) Ingest at 4 and 16 clients on both workloads, each into a fresh
//! server, beside the workload's raw limit measured in the same run.

use std::path::Path;

use crate::workload::Workload;
use crate::{ingest, raw, server};

/// Runs the four ingests of `entries` each and prints them.
pub async fn run(orion_bin: &Path, dir: &Path, entries: u64, batch: u64) -> anyhow::Result<()> {
    println!(
        "    {:<8} {:>8} {:>14} {:>14} {:>6} {:>10}",
        "workload", "clients", "raw entries/s", "HTTP entries/s", "a/b", "peak RSS"
    );
    for (n, workload) in [Workload::Bench, Workload::Peer].into_iter().enumerate() {
        let now = chrono::Utc::now();
        let raw_url = format!("sqlite://{}/matrix-raw-{n}.db", dir.display());
        let raw = raw::run(&raw_url, workload, entries, batch, now).await?;
        let raw_rate = raw.entries as f64 / raw.elapsed.as_secs_f64();
        raw.storage.close().await;
        for clients in [4, 16] {
            let url = format!("sqlite://{}/matrix-{n}-{clients}.db", dir.display());
            let server = server::Server::start(orion_bin, &url).await?;
            let creds = ingest::setup(&server.base_url).await?;
            let bodies = ingest::bodies(workload, entries, batch, 7, now);
            server.reset_peak();
            let run = ingest::run(&server.base_url, &creds.source_token, bodies, clients).await?;
            let rate = run.accepted as f64 / run.elapsed.as_secs_f64();
            println!(
                "    {:<8} {:>8} {:>14.0} {:>14.0} {:>6.2} {:>7.1} MiB",
                format!("{workload:?}").to_lowercase(),
                clients,
                raw_rate,
                rate,
                rate / raw_rate,
                server.peak_rss_mib()
            );
            server.stop().await?;
        }
    }
    Ok(())
}
