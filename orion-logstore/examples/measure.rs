//! Prints the block format's figures on two generated workloads:
//!
//! - **peer**: ~85-character app-log messages, one tag, one source, no
//!   metadata (like the VictoriaLogs comparison);
//! - **bench**: ~150-byte messages with a random 64-bit trace id, three
//!   tags, metadata `{"region", "requestId": random hex 16, "status",
//!   "userId"}` (like `orion-bench`).
//!
//! Run: `cargo run -j 1 --release --example measure` (optionally
//! `-- ENTRIES`, default 1,048,576).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use orion_core::model::ProjectId;
use orion_core::model::log::{Level, LogEntry, LogFilter, NewLogEntry, TOTAL_COUNT_CAP};
use orion_logstore::{
    BlockScan, EncodeOptions, EncodedBlock, Prune, Query, decode_filter, decode_frame, decode_head,
    encode_block_with, merge_with, prune,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

const RARE: &str = "quasar-overflow";
const RARE_EVERY: usize = 20_000;
const INGEST_BLOCK: usize = 1_024;
const MERGED_BLOCK: usize = 4_096;

fn level(rng: &mut StdRng) -> Level {
    match rng.random_range(0..100) {
        0..15 => Level::Debug,
        15..85 => Level::Info,
        85..95 => Level::Warn,
        95..99 => Level::Error,
        _ => Level::Fatal,
    }
}

fn base_entry(project: ProjectId, id: i64, ts: DateTime<Utc>, level: Level, message: String) -> LogEntry {
    LogEntry {
        id,
        entry: NewLogEntry {
            project_id: project,
            timestamp: ts,
            received_at: ts,
            level,
            message,
            metadata: serde_json::Map::new(),
            tags: Vec::new(),
            source: None,
            server_id: None,
        },
    }
}

/// ~85-character generated application logs: one source, one tag,
/// timestamps advancing by 0–2 ms, ingested in batches of 1,000.
fn peer(n: usize, rng: &mut StdRng, project: ProjectId) -> Vec<LogEntry> {
    const SERVICES: [&str; 6] = ["auth", "billing", "catalog", "checkout", "search", "gateway"];
    const VERBS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
    const PATHS: [&str; 8] =
        ["/v1/users", "/v1/orders", "/v1/items", "/v1/cart", "/v1/login", "/v1/pay", "/v1/search", "/health"];
    const STATUS: [u16; 6] = [200, 200, 200, 201, 404, 500];
    let mut ts = DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    let mut received = ts;
    (0..n)
        .map(|i| {
            ts += TimeDelta::milliseconds(rng.random_range(0..3));
            if i % 1_000 == 0 {
                received = ts + TimeDelta::milliseconds(5);
            }
            let rare = if i % RARE_EVERY == RARE_EVERY / 2 { format!(" {RARE}") } else { String::new() };
            let message = format!(
                "{} {}/{} status={} duration={}ms service={} user={} bytes={}{rare}",
                VERBS[rng.random_range(0..VERBS.len())],
                PATHS[rng.random_range(0..PATHS.len())],
                rng.random_range(0..100_000),
                STATUS[rng.random_range(0..STATUS.len())],
                rng.random_range(1..1_500),
                SERVICES[rng.random_range(0..SERVICES.len())],
                rng.random_range(1..10_000),
                rng.random_range(100..20_000),
            );
            let mut e = base_entry(project, i as i64 + 1, ts, level(rng), message);
            e.entry.received_at = received;
            e.entry.tags = vec!["app".to_owned()];
            e.entry.source = Some("peer-app".to_owned());
            e
        })
        .collect()
}

/// ~150-byte messages with a trace id, three tags, metadata; timestamps
/// spread over the hour before "now" (as `orion-bench` sends them).
fn bench(n: usize, rng: &mut StdRng, project: ProjectId) -> Vec<LogEntry> {
    const PATHS: [&str; 6] =
        ["/api/orders", "/api/cart/items", "/api/users/me", "/api/payments/intent", "/health", "/api/search"];
    const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"];
    const TAGS: [&str; 5] = ["api", "web", "v2", "canary", "batch"];
    let now = DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    (0..n)
        .map(|i| {
            let path = PATHS[rng.random_range(0..PATHS.len())];
            let region = REGIONS[rng.random_range(0..REGIONS.len())];
            let latency: u32 = rng.random_range(1..900);
            let user: u32 = rng.random_range(1..100_000);
            let status = [200, 200, 200, 201, 304, 404, 500][rng.random_range(0..7)];
            let rare = if i % RARE_EVERY == RARE_EVERY / 2 { format!(" {RARE}") } else { String::new() };
            let message = format!(
                "{} {path}/{user} request completed with status {status} in {latency}ms for user {user} \
                 (region={region}, cache={}) trace={:016x}{rare}",
                ["GET", "POST", "PUT"][rng.random_range(0..3)],
                if rng.random_bool(0.7) { "hit" } else { "miss" },
                rng.random::<u64>(),
            );
            let ts = now - TimeDelta::milliseconds(rng.random_range(0..3_600_000));
            let mut e = base_entry(project, i as i64 + 1, ts, level(rng), message);
            e.entry.received_at = now + TimeDelta::milliseconds((i / 1_000) as i64);
            e.entry.tags = vec![
                TAGS[rng.random_range(0..TAGS.len())].to_owned(),
                if i % 4 == 0 { "checkout" } else { "main" }.to_owned(),
                region.to_owned(),
            ];
            e.entry.metadata = json!({
                "region": region,
                "requestId": format!("{:016x}", rng.random::<u64>()),
                "status": status,
                "userId": user,
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
            e.entry.source = Some("bench".to_owned());
            e
        })
        .collect()
}

fn encode_all(entries: &[LogEntry], options: &EncodeOptions) -> (Vec<EncodedBlock>, Duration) {
    let start = Instant::now();
    let blocks: Vec<EncodedBlock> = entries
        .chunks(INGEST_BLOCK)
        .map(|c| encode_block_with(c, options).unwrap_or_else(|e| panic!("encode: {e}")))
        .collect();
    (blocks, start.elapsed())
}

#[derive(Default)]
struct Sizes {
    filter: usize,
    head: usize,
    metadata: usize,
    frames: usize,
}

fn sizes(blocks: &[EncodedBlock]) -> Sizes {
    let mut s = Sizes::default();
    for b in blocks {
        s.filter += b.filter.len();
        s.head += b.head.len();
        s.metadata += b.metadata.len();
        s.frames += b.frames.iter().map(Vec::len).sum::<usize>();
    }
    s
}

fn print_sizes(label: &str, blocks: &[EncodedBlock], n: usize) {
    let s = sizes(blocks);
    let per = |b: usize| b as f64 / n as f64;
    let total = s.filter + s.head + s.metadata + s.frames;
    println!(
        "  {label:<26} {:>6.2} B/entry  (filter {:.2}, head {:.2}, metadata {:.2}, frames {:.2}); filter {:.1} KiB/block",
        per(total),
        per(s.filter),
        per(s.head),
        per(s.metadata),
        per(s.frames),
        s.filter as f64 / blocks.len() as f64 / 1024.0,
    );
}

/// Share of blocks and of frames a needle query skips.
fn prune_rate(blocks: &[EncodedBlock], needle: &str) -> (f64, f64, usize) {
    let query = Query::new(&LogFilter { search: Some(needle.to_owned()), ..LogFilter::default() });
    let (mut skipped_blocks, mut frames_total, mut frames_read) = (0usize, 0usize, 0usize);
    let mut hits = 0usize;
    for b in blocks {
        let filter = decode_filter(&b.filter).unwrap_or_else(|e| panic!("{e}"));
        frames_total += b.frames.len();
        match prune(&b.summary, &filter, &query).unwrap_or_else(|e| panic!("{e}")) {
            Prune::Skip => skipped_blocks += 1,
            Prune::Scan { frames } => {
                frames_read += frames.len();
                let head = decode_head(&b.head).unwrap_or_else(|e| panic!("{e}"));
                let decoded: Vec<_> = frames
                    .iter()
                    .map(|&f| decode_frame(&b.frames[f as usize]).unwrap_or_else(|e| panic!("{e}")))
                    .collect();
                let scan =
                    BlockScan::new(&query, &head, None, &decoded, &frames).unwrap_or_else(|e| panic!("{e}"));
                hits += scan.count(TOTAL_COUNT_CAP + 1).unwrap_or(0) as usize;
            }
        }
    }
    (skipped_blocks as f64 / blocks.len() as f64, 1.0 - frames_read as f64 / frames_total as f64, hits)
}

/// Decompress + lower-case + memmem over every frame of a block, and the
/// capped count: µs per block and MB/s of message text.
fn scan_speed(blocks: &[EncodedBlock], needle: &str) -> (f64, f64) {
    let query = Query::new(&LogFilter { search: Some(needle.to_owned()), ..LogFilter::default() });
    let sample = &blocks[..blocks.len().min(200)];
    let heads: Vec<_> =
        sample.iter().map(|b| decode_head(&b.head).unwrap_or_else(|e| panic!("{e}"))).collect();
    let rounds = 5;
    let mut bytes = 0u64;
    let start = Instant::now();
    for _ in 0..rounds {
        for (b, head) in sample.iter().zip(&heads) {
            let frames: Vec<_> =
                b.frames.iter().map(|f| decode_frame(f).unwrap_or_else(|e| panic!("{e}"))).collect();
            let all: Vec<u32> = (0..frames.len() as u32).collect();
            let scan = BlockScan::new(&query, head, None, &frames, &all).unwrap_or_else(|e| panic!("{e}"));
            black_box(scan.count(TOTAL_COUNT_CAP + 1).unwrap_or(0));
            bytes += b.summary.message_bytes;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let blocks_scanned = (sample.len() * rounds) as f64;
    (elapsed * 1e6 / blocks_scanned, bytes as f64 / elapsed / 1e6)
}

fn head_decode_us(blocks: &[EncodedBlock]) -> f64 {
    let sample = &blocks[..blocks.len().min(200)];
    let start = Instant::now();
    for b in sample {
        black_box(decode_head(&b.head).unwrap_or_else(|e| panic!("{e}")));
    }
    start.elapsed().as_secs_f64() * 1e6 / sample.len() as f64
}

fn hex_fragment(entries: &[LogEntry], rng: &mut StdRng) -> Option<String> {
    let e = &entries[rng.random_range(0..entries.len())];
    let at = e.entry.message.find("trace=")? + 6;
    e.entry.message.get(at + 3..at + 11).map(str::to_owned)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1 << 20);
    let project = ProjectId(1);
    let mut rng = StdRng::seed_from_u64(42);
    if let Some(only) = std::env::args().nth(2) {
        // Profiling aid: `measure N encode-peer|encode-bench|scan-peer|scan-bench`.
        let entries =
            if only.ends_with("peer") { peer(n, &mut rng, project) } else { bench(n, &mut rng, project) };
        let start = Instant::now();
        let mut runs = if only.starts_with("encode") { 5 } else { 1 };
        let (mut blocks, mut took) = encode_all(&entries, &EncodeOptions::ingest());
        while runs > 1 {
            (blocks, took) = encode_all(&entries, &EncodeOptions::ingest());
            runs -= 1;
        }
        if only.starts_with("scan") {
            let (us, mbs) = scan_speed(&blocks, "request");
            println!("scan {us:.1} µs/block {mbs:.0} MB/s");
            for _ in 0..20 {
                black_box(head_decode_us(&blocks));
            }
            println!("head {:.1} µs/block", head_decode_us(&blocks));
        }
        println!(
            "{only}: encode {:.2} M/s, {:?} total",
            n as f64 / took.as_secs_f64() / 1e6,
            start.elapsed()
        );
        return;
    }
    println!(
        "orion-logstore measure: {n} entries per workload, blocks of {INGEST_BLOCK} (merged {MERGED_BLOCK})\n"
    );
    for (name, entries, common) in [
        ("peer", peer(n, &mut rng, project), "status=200"),
        ("bench", bench(n, &mut rng, project), "request"),
    ] {
        let raw: usize = entries.iter().map(|e| e.entry.message.len()).sum();
        println!("== {name}: {:.1} bytes of message per entry", raw as f64 / n as f64);
        let hex = hex_fragment(&entries, &mut rng);
        let digits =
            entries[n / 3].entry.message.split('/').nth(2).and_then(|s| s.get(..5)).map(str::to_owned);
        for gram in [3u8, 4] {
            let options = EncodeOptions { gram_len: gram, ..EncodeOptions::ingest() };
            // Warm up, then time one pass on one core.
            let _ = encode_all(&entries[..entries.len().min(50_000)], &options);
            let (blocks, took) = encode_all(&entries, &options);
            println!(
                " {gram}-grams: encode {:.2} M entries/s ({:.0} µs per {INGEST_BLOCK}-entry block)",
                n as f64 / took.as_secs_f64() / 1e6,
                took.as_secs_f64() * 1e6 / blocks.len() as f64,
            );
            print_sizes("ingest blocks (zstd 1)", &blocks, n);
            let mut needles = vec![("rare needle", RARE.to_owned()), ("common word", common.to_owned())];
            if let Some(h) = &hex {
                needles.insert(1, ("hex fragment (8)", h.clone()));
            }
            if let Some(d) = &digits {
                needles.insert(1, ("5-digit number", d.clone()));
            }
            for (label, needle) in &needles {
                let (blocks_skipped, frames_skipped, hits) = prune_rate(&blocks, needle);
                println!(
                    "  prune {label:<17} {needle:<18} blocks skipped {:>5.1}%, frames skipped {:>5.1}%, hits (capped) {hits}",
                    blocks_skipped * 100.0,
                    frames_skipped * 100.0,
                );
            }
            if gram == 4 {
                let (us, mbs) = scan_speed(&blocks, common);
                println!(
                    "  scan (decompress+lower+memmem+count) {us:.1} µs per {INGEST_BLOCK}-entry block, {mbs:.0} MB/s of text"
                );
                println!("  head decode {:.1} µs per block", head_decode_us(&blocks));
                let start = Instant::now();
                let merged = merge_with(
                    entries.chunks(INGEST_BLOCK).map(<[LogEntry]>::to_vec).collect(),
                    MERGED_BLOCK,
                    &EncodeOptions { gram_len: gram, ..EncodeOptions::merged() },
                )
                .unwrap_or_else(|e| panic!("merge: {e}"));
                let took = start.elapsed();
                print_sizes("merged blocks (zstd 9)", &merged, n);
                println!("  merge (sort + encode) {:.2} M entries/s", n as f64 / took.as_secs_f64() / 1e6);
                let (blocks_skipped, frames_skipped, _) = prune_rate(&merged, hex.as_deref().unwrap_or(RARE));
                println!(
                    "  merged prune hex/rare: blocks skipped {:.1}%, frames skipped {:.1}%",
                    blocks_skipped * 100.0,
                    frames_skipped * 100.0
                );
            }
        }
        println!();
    }
}
