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
//! - (c) search latency p50/p95 over everything (a) stored;
//! - (d) ingest through each shipper protocol (OTLP/HTTP, Loki, Elasticsearch
//!   bulk) beside the native JSON endpoint, the same workload and clients
//!   (`--protocol-entries` each, into a second fresh server).
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
//! - `protocols`: (d).
//! - `stats`: percentiles.

#![forbid(unsafe_code)]

mod ingest;
mod protocols;
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
    /// The entries of (a), (b) and (c): `bench` (~150-byte messages, 2–3
    /// tags, metadata) or `peer` (~85-character lines, one tag, as in the
    /// comparison with VictoriaLogs).
    #[arg(long, value_enum, default_value_t = workload::Workload::Bench)]
    workload: workload::Workload,
    /// Timed runs of each search query.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Entries sent through each protocol in (d); 0 skips (d).
    #[arg(long, default_value_t = 200_000)]
    protocol_entries: u64,
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
        "orion-bench: {} entries of the {:?} workload, batches of {}, {} clients, {} cores",
        args.entries,
        args.workload,
        args.batch,
        args.clients,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    println!("\n(b) raw limit: same schema and indexes, one transaction per batch, no HTTP");
    let raw_url = format!("sqlite://{}/raw.db", dir.path().display());
    let raw = raw::run(&raw_url, args.workload, args.entries, args.batch).await?;
    let raw_rate = raw.entries as f64 / raw.elapsed.as_secs_f64();
    println!("    {} entries in {:.2} s = {:.0} entries/s", raw.entries, raw.elapsed.as_secs_f64(), raw_rate);

    println!("\n(a) HTTP ingest: {} clients → orion serve (SQLite)", args.clients);
    let url = format!("sqlite://{}/server.db", dir.path().display());
    let server = server::Server::start(&orion_bin, &url).await?;
    let creds = ingest::setup(&server.base_url).await?;
    let bodies = ingest::bodies(args.workload, args.entries, args.batch, 7);
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

    if args.protocol_entries > 0 {
        println!(
            "\n(d) ingest per protocol: {} entries each, batches of {}, {} clients → a fresh orion serve (SQLite)",
            args.protocol_entries, args.batch, args.clients
        );
        let url = format!("sqlite://{}/protocols.db", dir.path().display());
        let server = server::Server::start(&orion_bin, &url).await?;
        let creds = ingest::setup(&server.base_url).await?;
        for encoded in protocols::encode(args.protocol_entries, args.batch, 11) {
            let (name, bytes) = (encoded.name, encoded.bodies.iter().map(|b| b.len()).sum::<usize>());
            let (elapsed, throttled) =
                protocols::run(&server.base_url, &creds.source_token, encoded, args.clients).await?;
            println!(
                "    {name:<22} {:>9.0} entries/s  ({:.2} s, {:.1} MiB sent, {throttled} × 429 retried)",
                args.protocol_entries as f64 / elapsed.as_secs_f64(),
                elapsed.as_secs_f64(),
                bytes as f64 / (1024.0 * 1024.0)
            );
        }
        server.stop().await?;
    }
    Ok(())
}
