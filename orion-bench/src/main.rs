//! # orion-bench
//!
//! Measures Orion's hot paths on this machine, in one run, and prints each
//! figure next to the raw storage limit measured in the same run:
//!
//! - (b) raw limit: the workload's encoded blocks inserted straight into a
//!   fresh SQLite database with Orion's schema, one transaction per batch,
//!   no HTTP; then merged, timed, and its disk bytes per entry;
//! - (a) HTTP ingest: `--clients` concurrent clients posting batches to a
//!   real `orion serve` (the release binary) on a fresh SQLite file, and the
//!   ratio a/b; the server's peak and steady RSS during it; the wait for
//!   its background merges, and its disk bytes per entry after them;
//! - (c) each query's p50/p95 over HTTP against (a)'s data beside the same
//!   query in process against (b)'s store, and the ratio;
//! - (e) ingest at 4 and 16 clients on both workloads (`--matrix-entries`
//!   each, fresh servers), each beside its workload's raw limit;
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
//! - `settle`: waiting for a server's merges, and disk per entry.
//! - `search`: (c).
//! - `matrix`: (e).
//! - `protocols`: (d).
//! - `stats`: percentiles.

#![forbid(unsafe_code)]

mod ingest;
mod matrix;
mod protocols;
mod raw;
mod search;
mod server;
mod settle;
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
    /// Concurrent HTTP clients of (a) and (d).
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// The entries of (a), (b) and (c): `bench` (~150-byte messages, 2–3
    /// tags, metadata) or `peer` (~85-character lines, one tag, as in the
    /// comparison with VictoriaLogs).
    #[arg(long, value_enum, default_value_t = workload::Workload::Bench)]
    workload: workload::Workload,
    /// Timed runs of each search query.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Entries of each ingest in (e) (4 and 16 clients, both workloads);
    /// 0 skips (e).
    #[arg(long, default_value_t = 500_000)]
    matrix_entries: u64,
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
    workload::set_rare_hits(args.entries, 20);
    let now = chrono::Utc::now();

    println!(
        "\n(b) raw limit: encoded blocks inserted straight into SQLite, one transaction per batch, no HTTP"
    );
    let raw_url = format!("sqlite://{}/raw.db", dir.path().display());
    let raw = raw::run(&raw_url, args.workload, args.entries, args.batch, now).await?;
    let raw_rate = raw.entries as f64 / raw.elapsed.as_secs_f64();
    println!("    {} entries in {:.2} s = {:.0} entries/s", raw.entries, raw.elapsed.as_secs_f64(), raw_rate);
    let before = orion_storage::bench::block_stats(&raw_url).await?;
    let started = std::time::Instant::now();
    let merged = raw.storage.merge_logs().await?;
    let merge_time = started.elapsed();
    let after = orion_storage::bench::block_stats(&raw_url).await?;
    println!(
        "    merged {merged} blocks in {:.1} s ({:.0} entries/s of input): {} blocks in {} runs → {} blocks in {} runs",
        merge_time.as_secs_f64(),
        raw.entries as f64 / merge_time.as_secs_f64(),
        before.blocks,
        before.runs,
        after.blocks,
        after.runs
    );
    println!(
        "    disk: {:.1} bytes/entry as ingested, {:.1} after merging",
        settle::per_entry(&before),
        settle::per_entry(&after)
    );

    println!("\n(a) HTTP ingest: {} clients → orion serve (SQLite)", args.clients);
    let url = format!("sqlite://{}/server.db", dir.path().display());
    let server = server::Server::start(&orion_bin, &url).await?;
    let creds = ingest::setup(&server.base_url).await?;
    let bodies = ingest::bodies(args.workload, args.entries, args.batch, 7, now);
    let idle_rss = server.rss_mib();
    server.reset_peak();
    server.record_rss(true);
    let run = ingest::run(&server.base_url, &creds.source_token, bodies, args.clients).await?;
    server.record_rss(false);
    let rate = run.accepted as f64 / run.elapsed.as_secs_f64();
    println!(
        "    {} entries in {:.2} s = {:.0} entries/s ({} answers were 429 and retried)",
        run.accepted,
        run.elapsed.as_secs_f64(),
        rate,
        run.throttled
    );
    println!("    ratio a/b = {:.2} ({:.0}% of the raw limit)", rate / raw_rate, 100.0 * rate / raw_rate);
    let rss = server.rss_summary();
    let (anon, file) = server.rss_split_mib();
    println!(
        "    server RSS: {idle_rss:.1} MiB idle, {:.1} MiB peak; steady (second half of the ingest) median {:.1} MiB, \
         first to last quarter {:+.1} MiB; at the end {anon:.1} MiB private + {file:.1} MiB of mapped database file",
        server.peak_rss_mib(),
        rss.steady_median,
        rss.drift
    );
    let settled = settle::wait(&url).await?;
    let (anon, file) = server.rss_split_mib();
    println!(
        "    background merges settled {:.0} s after the ingest: {} blocks in {} runs, {:.1} bytes/entry; \
         RSS {:.1} MiB = {anon:.1} private + {file:.1} mapped database file",
        settled.waited.as_secs_f64(),
        settled.stats.blocks,
        settled.stats.runs,
        settle::per_entry(&settled.stats),
        server.rss_mib()
    );

    println!(
        "\n(c) queries over {} entries: HTTP (server of a) beside in process (store of b)",
        run.accepted
    );
    println!(
        "    {:<32} {:>10} {:>10} {:>10} {:>10} {:>6} {:>9} {:>8}",
        "query", "http p50", "http p95", "raw p50", "raw p95", "raw/http", "answer", "total"
    );
    for query in search::queries(now) {
        let http = search::over_http(&server.base_url, &creds.jwt, &query, args.runs).await?;
        let local =
            search::in_process(raw.storage.repos().logs.as_ref(), raw.project, &query, args.runs).await?;
        let ratio = local.p50.as_secs_f64() / http.p50.as_secs_f64().max(1e-9);
        println!(
            "    {:<32} {:>10} {:>10} {:>10} {:>10} {:>6.2} {:>9} {:>8}   q={}",
            query.name,
            ms(http.p50),
            ms(http.p95),
            ms(local.p50),
            ms(local.p95),
            ratio,
            http.answer,
            http.total,
            query.q
        );
        if let search::Shape::Export = query.shape {
            println!(
                "    {:<32} {:>10.0} entries/s over HTTP, {:.0} in process",
                "  export throughput (p50)",
                http.answer as f64 / http.p50.as_secs_f64(),
                local.answer as f64 / local.p50.as_secs_f64()
            );
        }
    }
    server.stop().await?;
    raw.storage.close().await;

    if args.matrix_entries > 0 {
        println!(
            "\n(e) ingest matrix: {} entries per run, batches of {}, fresh servers (SQLite)",
            args.matrix_entries, args.batch
        );
        matrix::run(&orion_bin, dir.path(), args.matrix_entries, args.batch).await?;
    }

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
