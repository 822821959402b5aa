//! # orion-bench
//!
//! Measures Orion's hot paths on this machine, in one run, and prints each
//! figure next to the raw storage limit measured in the same run:
//!
//! - (b) raw limit: the workload inserted straight into a fresh SQLite
//!   database with Orion's schema and indexes, one transaction per batch,
//!   no HTTP;
//! - (a) HTTP ingest: `--clients` concurrent clients posting batches to a
//!   real `orion serve` (the release binary) on a fresh SQLite file, and the
//!   ratio a/b;
//! - the server's peak RSS during (a);
//! - (c) search latency p50/p95 over everything (a) stored.
//!
//! ```sh
//! cargo build --release -p orion-cli -p orion-bench
//! target/release/orion-bench            # 1,000,000 entries, 8 clients
//! ```
//!
//! # Layout
//!
//! - `workload`: the realistic entries.
//! - `raw`: (b).
//! - `server`: the `orion serve` child process and its RSS sampler.
//! - `ingest`: account setup and (a).
//! - `search`: (c).
//! - `stats`: percentiles.

#![forbid(unsafe_code)]

mod ingest;
mod raw;
mod search;
mod server;
mod stats;
mod workload;

use std::path::PathBuf;

use clap::Parser;

use crate::stats::ms;

/// Benchmark Orion's ingest and search against the raw SQLite limit.
#[derive(Debug, Parser)]
struct Args {
    /// Entries to ingest (and to search over).
    #[arg(long, default_value_t = 1_000_000)]
    entries: u64,
    /// Entries per request / per raw transaction.
    #[arg(long, default_value_t = 1_000)]
    batch: u64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Timed runs of each search query.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// The `orion` binary [default: next to this one].
    #[arg(long)]
    orion_bin: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let orion_bin = match args.orion_bin {
        Some(path) => path,
        None => server::default_orion_binary()?,
    };
    let dir = tempfile::tempdir()?;
    println!(
        "orion-bench: {} entries, batches of {}, {} clients, {} cores",
        args.entries,
        args.batch,
        args.clients,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    println!("\n(b) raw limit: same schema and indexes, one transaction per batch, no HTTP");
    let raw_url = format!("sqlite://{}/raw.db", dir.path().display());
    let raw = raw::run(&raw_url, args.entries, args.batch).await?;
    let raw_rate = raw.entries as f64 / raw.elapsed.as_secs_f64();
    println!("    {} entries in {:.2} s = {:.0} entries/s", raw.entries, raw.elapsed.as_secs_f64(), raw_rate);

    println!("\n(a) HTTP ingest: {} clients → orion serve (SQLite)", args.clients);
    let url = format!("sqlite://{}/server.db", dir.path().display());
    let server = server::Server::start(&orion_bin, &url).await?;
    let creds = ingest::setup(&server.base_url).await?;
    let bodies = ingest::bodies(args.entries, args.batch, 7);
    let idle_rss = server.rss_mib();
    server.reset_peak();
    let run = ingest::run(&server.base_url, &creds.source_token, bodies, args.clients).await?;
    let rate = run.accepted as f64 / run.elapsed.as_secs_f64();
    let peak = server.peak_rss_mib();
    println!(
        "    {} entries in {:.2} s = {:.0} entries/s ({} answers were 429 and retried)",
        run.accepted,
        run.elapsed.as_secs_f64(),
        rate,
        run.throttled
    );
    println!("    ratio a/b = {:.2} ({:.0}% of the raw limit)", rate / raw_rate, 100.0 * rate / raw_rate);
    println!("    server RSS: {idle_rss:.1} MiB idle, {peak:.1} MiB peak during ingest");

    println!("\n(c) search latency over {} stored entries ({} runs each)", run.accepted, args.runs);
    println!("    {:<30} {:>10} {:>10} {:>9} {:>8}", "query", "p50", "p95", "returned", "total");
    for q in search::run(&server.base_url, &creds.jwt, args.runs).await? {
        println!(
            "    {:<30} {:>10} {:>10} {:>9} {:>8}   ?{}",
            q.name,
            ms(q.p50),
            ms(q.p95),
            q.returned,
            q.total,
            q.query
        );
    }
    server.stop().await?;
    Ok(())
}
