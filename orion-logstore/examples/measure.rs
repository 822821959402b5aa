//! Prints the block format's figures on two generated workloads:
//!
//! - **peer**: ~85-character app-log messages, one tag, one source, no
//!   metadata (like the VictoriaLogs comparison);
//! - **bench**: ~135-byte messages with a random 64-bit trace id (as
//!   `orion-bench` writes them), three tags, metadata `{"region",
//!   "requestId": random hex 16, "status", "userId"}`.
//!
//! Each block's entries are generated just before it is encoded (as at
//! ingest, where they were just parsed), and only the encoding is timed.
//!
//! Run: `cargo run -j 1 --release --example measure` (optionally
//! `-- ENTRIES`, default 1,048,576 per workload).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use orion_core::model::ProjectId;
use orion_core::model::log::{Level, LogEntry, LogFilter, NewLogEntry, TOTAL_COUNT_CAP};
use orion_logstore::{
    BlockFilter, BlockScan, EncodeOptions, EncodedBlock, Prune, Query, decode_filter, decode_frame,
    decode_head, encode_block_with, merge_with, prune,
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

#[derive(Clone, Copy, PartialEq)]
enum Workload {
    Peer,
    Bench,
}

/// Entry `i` of a workload (`rng` carries the state between entries).
fn entry(w: Workload, i: usize, rng: &mut StdRng, project: ProjectId) -> LogEntry {
    let epoch = DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    let rare = if i % RARE_EVERY == RARE_EVERY / 2 { format!(" {RARE}") } else { String::new() };
    match w {
        Workload::Peer => {
            const SERVICES: [&str; 6] = ["auth", "billing", "catalog", "checkout", "search", "gateway"];
            const VERBS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
            const PATHS: [&str; 8] = [
                "/v1/users",
                "/v1/orders",
                "/v1/items",
                "/v1/cart",
                "/v1/login",
                "/v1/pay",
                "/v1/search",
                "/health",
            ];
            const STATUS: [u16; 6] = [200, 200, 200, 201, 404, 500];
            // About one entry per millisecond, arriving in batches of 1,000.
            let ts = epoch + TimeDelta::microseconds(i as i64 * 1_000 + rng.random_range(0..3) * 1_000);
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
            e.entry.received_at = epoch + TimeDelta::milliseconds((i / 1_000 * 1_000 + 1_005) as i64);
            e.entry.tags = vec!["app".to_owned()];
            e.entry.source = orion_core::model::SourceName::parse("peer-app").ok();
            e
        }
        Workload::Bench => {
            const PATHS: [&str; 6] = [
                "/api/orders",
                "/api/cart/items",
                "/api/users/me",
                "/api/payments/intent",
                "/health",
                "/api/search",
            ];
            const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"];
            const TAGS: [&str; 5] = ["api", "web", "v2", "canary", "batch"];
            let path = PATHS[rng.random_range(0..PATHS.len())];
            let region = REGIONS[rng.random_range(0..REGIONS.len())];
            let latency: u32 = rng.random_range(1..900);
            let user: u32 = rng.random_range(1..100_000);
            let status = [200, 200, 200, 201, 304, 404, 500][rng.random_range(0..7)];
            let message = format!(
                "{} {path}/{user} request completed with status {status} in {latency}ms for user {user} \
                 (region={region}, cache={}) trace={:016x}{rare}",
                ["GET", "POST", "PUT"][rng.random_range(0..3)],
                if rng.random_bool(0.7) { "hit" } else { "miss" },
                rng.random::<u64>(),
            );
            // Spread over the hour before "now", as orion-bench sends them.
            let now = epoch + TimeDelta::milliseconds((i / 1_000) as i64);
            let ts = now - TimeDelta::milliseconds(rng.random_range(0..3_600_000));
            let mut e = base_entry(project, i as i64 + 1, ts, level(rng), message);
            e.entry.received_at = now;
            e.entry.tags = vec![
                TAGS[rng.random_range(0..TAGS.len())].to_owned(),
                if i.is_multiple_of(4) { "checkout" } else { "main" }.to_owned(),
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
            e.entry.source = orion_core::model::SourceName::parse("bench").ok();
            e
        }
    }
}

/// CPU time of this thread in seconds (`CLOCK_THREAD_CPUTIME_ID`). The
/// machine is shared, so wall time includes other people's work; CPU time
/// does not.
fn cpu_seconds() -> f64 {
    cpu_time::ThreadTime::now().as_duration().as_secs_f64()
}

/// Time spent encoding: wall clock, and CPU seconds.
#[derive(Clone, Copy)]
struct Spent {
    wall: Duration,
    cpu: f64,
}

/// Encodes `n` entries of a workload in blocks of [`INGEST_BLOCK`],
/// generating each block just before encoding it (cache-warm, as at
/// ingest); returns the blocks, the time spent encoding, and the entries.
fn ingest(w: Workload, n: usize, options: &EncodeOptions) -> (Vec<EncodedBlock>, Spent, Vec<Vec<LogEntry>>) {
    let project = ProjectId(1);
    let generate = |rng: &mut StdRng, i: usize, end: usize| -> Vec<LogEntry> {
        (i..end).map(|j| entry(w, j, rng, project)).collect()
    };
    let mut rng = StdRng::seed_from_u64(42);
    let (mut wall, mut cpu) = (Duration::ZERO, 0.0);
    let (mut blocks, mut kept) = (Vec::new(), Vec::new());
    for i in (0..n).step_by(INGEST_BLOCK) {
        let entries = generate(&mut rng, i, (i + INGEST_BLOCK).min(n));
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        let block = encode_block_with(&entries, options).unwrap_or_else(|e| panic!("encode: {e}"));
        cpu += cpu_seconds() - cpu_start;
        wall += start.elapsed();
        blocks.push(block);
        kept.push(entries);
    }
    (blocks, Spent { wall, cpu }, kept)
}

fn print_sizes(label: &str, blocks: &[EncodedBlock]) {
    let n: usize = blocks.iter().map(|b| b.summary.count as usize).sum();
    let (mut filter, mut head, mut metadata, mut frames) = (0usize, 0usize, 0usize, 0usize);
    for b in blocks {
        filter += b.filter.len();
        head += b.head.len();
        metadata += b.metadata.len();
        frames += b.frames.iter().map(Vec::len).sum::<usize>();
    }
    let per = |b: usize| b as f64 / n as f64;
    println!(
        "  {label:<30} {:>6.2} B/entry (filter {:.2}, head {:.2}, metadata {:.2}, frames {:.2}); filter {:.1} KiB/block",
        per(filter + head + metadata + frames),
        per(filter),
        per(head),
        per(metadata),
        per(frames),
        filter as f64 / blocks.len() as f64 / 1024.0,
    );
}

/// Shares of blocks and frames a needle skips, and the (capped) hits.
fn prune_rate(blocks: &[EncodedBlock], filters: &[BlockFilter], needle: &str) -> (f64, f64, u64) {
    let query = Query::new(&LogFilter { search: Some(needle.to_owned()), ..LogFilter::default() });
    let (mut skipped, mut frames_total, mut frames_read, mut hits) = (0usize, 0usize, 0usize, 0u64);
    for (b, filter) in blocks.iter().zip(filters) {
        frames_total += b.frames.len();
        match prune(&b.summary, filter, &query).unwrap_or_else(|e| panic!("{e}")) {
            Prune::Skip => skipped += 1,
            Prune::Scan { frames } => {
                frames_read += frames.len();
                let head = decode_head(&b.head).unwrap_or_else(|e| panic!("{e}"));
                let decoded: Vec<_> = frames
                    .iter()
                    .map(|&f| decode_frame(&b.frames[f as usize]).unwrap_or_else(|e| panic!("{e}")))
                    .collect();
                let scan =
                    BlockScan::new(&query, &head, None, &decoded, &frames).unwrap_or_else(|e| panic!("{e}"));
                hits += scan.count(TOTAL_COUNT_CAP + 1).unwrap_or(0);
            }
        }
    }
    (skipped as f64 / blocks.len() as f64, 1.0 - frames_read as f64 / frames_total as f64, hits)
}

/// A needle to measure: one string, or the average over several.
struct Needle {
    label: &'static str,
    samples: Vec<String>,
}

fn print_prunes(blocks: &[EncodedBlock], needles: &[Needle]) {
    let filters: Vec<BlockFilter> =
        blocks.iter().map(|b| decode_filter(&b.filter).unwrap_or_else(|e| panic!("{e}"))).collect();
    for needle in needles {
        let (mut b, mut f, mut hits) = (0.0, 0.0, 0u64);
        for s in &needle.samples {
            let (sb, sf, sh) = prune_rate(blocks, &filters, s);
            (b, f, hits) = (b + sb, f + sf, hits + sh);
        }
        let k = needle.samples.len() as f64;
        let shown = if needle.samples.len() == 1 {
            format!("{:?}", needle.samples[0])
        } else {
            format!("{} samples, e.g. {:?}", needle.samples.len(), needle.samples[0])
        };
        println!(
            "    {:<15} {shown:<34} blocks skipped {:>5.1}%  frames skipped {:>5.1}%  hits/needle {:.1}",
            needle.label,
            b / k * 100.0,
            f / k * 100.0,
            hits as f64 / k,
        );
    }
}

/// Per block: decompress every frame, lower-case, memmem, count (capped);
/// and decompression alone. µs per block (wall, and total CPU per block)
/// and MB/s of message text.
fn scan_speed(blocks: &[EncodedBlock], needle: &str) -> (f64, f64, f64, f64) {
    let query = Query::new(&LogFilter { search: Some(needle.to_owned()), ..LogFilter::default() });
    let sample = &blocks[..blocks.len().min(256)];
    let heads: Vec<_> =
        sample.iter().map(|b| decode_head(&b.head).unwrap_or_else(|e| panic!("{e}"))).collect();
    let rounds = 8;
    let (mut bytes, mut full, mut unzip) = (0u64, Duration::ZERO, Duration::ZERO);
    let cpu = cpu_seconds();
    for _ in 0..rounds {
        for (b, head) in sample.iter().zip(&heads) {
            let start = Instant::now();
            let frames: Vec<_> =
                b.frames.iter().map(|f| decode_frame(f).unwrap_or_else(|e| panic!("{e}"))).collect();
            unzip += start.elapsed();
            let all: Vec<u32> = (0..frames.len() as u32).collect();
            let scan = BlockScan::new(&query, head, None, &frames, &all).unwrap_or_else(|e| panic!("{e}"));
            black_box(scan.count(TOTAL_COUNT_CAP + 1).unwrap_or(0));
            full += start.elapsed();
            bytes += b.summary.message_bytes;
        }
    }
    let cpu = cpu_seconds() - cpu;
    let count = (sample.len() * rounds) as f64;
    (
        full.as_secs_f64() * 1e6 / count,
        unzip.as_secs_f64() * 1e6 / count,
        cpu * 1e6 / count,
        bytes as f64 / full.as_secs_f64() / 1e6,
    )
}

/// zstd alone (level 1, the same library) on the same blocks' frame
/// texts: compress and decompress µs per block and MB/s, as a yardstick
/// for this machine at this moment.
fn zstd_yardstick(entries: &[Vec<LogEntry>]) -> (f64, f64, f64, f64) {
    let sample = &entries[..entries.len().min(256)];
    let texts: Vec<Vec<Vec<u8>>> = sample
        .iter()
        .map(|block| {
            block
                .chunks(256)
                .map(|frame| {
                    let mut raw = Vec::new();
                    for (i, e) in frame.iter().enumerate() {
                        if i > 0 {
                            raw.push(0xff);
                        }
                        raw.extend_from_slice(e.entry.message.as_bytes());
                    }
                    raw
                })
                .collect()
        })
        .collect();
    let bytes: usize = texts.iter().flatten().map(Vec::len).sum();
    let mut compressor = zstd::bulk::Compressor::new(1).unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let packed: Vec<Vec<Vec<u8>>> = texts
        .iter()
        .map(|b| b.iter().map(|t| compressor.compress(t).unwrap_or_else(|e| panic!("{e}"))).collect())
        .collect();
    let compress = start.elapsed().as_secs_f64();
    let mut decompressor = zstd::bulk::Decompressor::new().unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    for (b, t) in packed.iter().zip(&texts) {
        for (p, raw) in b.iter().zip(t) {
            black_box(decompressor.decompress(p, raw.len()).unwrap_or_else(|e| panic!("{e}")));
        }
    }
    let decompress = start.elapsed().as_secs_f64();
    let blocks = sample.len() as f64;
    (
        compress * 1e6 / blocks,
        bytes as f64 / compress / 1e6,
        decompress * 1e6 / blocks,
        bytes as f64 / decompress / 1e6,
    )
}

fn head_decode_us(blocks: &[EncodedBlock]) -> f64 {
    let sample = &blocks[..blocks.len().min(256)];
    let start = Instant::now();
    for _ in 0..4 {
        for b in sample {
            black_box(decode_head(&b.head).unwrap_or_else(|e| panic!("{e}")));
        }
    }
    start.elapsed().as_secs_f64() * 1e6 / (sample.len() * 4) as f64
}

/// Substrings of `count` random entries' messages: 8 hex digits of the
/// trace id, or the 5-digit number after the path.
fn fragments(entries: &[Vec<LogEntry>], hex: bool, count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(7);
    let mut out = Vec::new();
    for _ in 0..count * 4 {
        if out.len() == count {
            break;
        }
        let block = &entries[rng.random_range(0..entries.len())];
        let m = &block[rng.random_range(0..block.len())].entry.message;
        let found = if hex {
            m.find("trace=").and_then(|at| m.get(at + 9..at + 17))
        } else {
            let rest = m.get(m.find(' ').map_or(0, |i| i + 1)..).unwrap_or("");
            rest.split(' ').next().and_then(|p| p.rsplit('/').next()).filter(|d| d.len() == 5)
        };
        if let Some(f) = found {
            out.push(f.to_owned());
        }
    }
    out
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1 << 20);
    println!(
        "orion-logstore measure: {n} entries per workload, ingest blocks of {INGEST_BLOCK}, merged {MERGED_BLOCK}"
    );
    println!("(encode and scan timed on one thread; the machine has 2 cores)\n");
    for (name, w, common) in [("peer", Workload::Peer, "status=200"), ("bench", Workload::Bench, "request")] {
        println!("== {name}");
        for gram in [3u8, 4] {
            let options = EncodeOptions { gram_len: gram, ..EncodeOptions::ingest() };
            let _ = ingest(w, n.min(64 * INGEST_BLOCK), &options);
            let (blocks, spent, entries) = ingest(w, n, &options);
            let raw: u64 = blocks.iter().map(|b| b.summary.message_bytes).sum();
            println!(
                "  {gram}-grams: encode {:.2} M entries/s per CPU second ({:.2} M/s wall), {:.0} µs CPU per {INGEST_BLOCK}-entry block; {:.1} B of message per entry",
                n as f64 / spent.cpu / 1e6,
                n as f64 / spent.wall.as_secs_f64() / 1e6,
                spent.cpu * 1e6 / blocks.len() as f64,
                raw as f64 / n as f64,
            );
            print_sizes("ingest blocks (zstd 1)", &blocks);
            let mut needles = vec![
                Needle { label: "rare needle", samples: vec![RARE.to_owned()] },
                Needle { label: "5-digit number", samples: fragments(&entries, false, 16) },
            ];
            if w == Workload::Bench {
                needles.push(Needle { label: "hex fragment", samples: fragments(&entries, true, 16) });
            }
            needles.push(Needle { label: "common word", samples: vec![common.to_owned()] });
            print_prunes(&blocks, &needles);
            if gram == 4 {
                let (c_us, c_mbs, d_us, d_mbs) = zstd_yardstick(&entries);
                println!(
                    "  zstd alone, level 1, same frames: compress {c_us:.0} µs/block ({c_mbs:.0} MB/s), decompress {d_us:.0} µs/block ({d_mbs:.0} MB/s)"
                );
                let (us, unzip, cpu, mbs) = scan_speed(&blocks, common);
                println!(
                    "  scan of a block, all frames ({common:?}): {us:.0} µs ({unzip:.0} µs of it zstd), {mbs:.0} MB/s of text; {cpu:.0} µs CPU per block"
                );
                println!("  head decode: {:.1} µs per block", head_decode_us(&blocks));
                let start = Instant::now();
                let merged = merge_with(entries, MERGED_BLOCK, &EncodeOptions::merged())
                    .unwrap_or_else(|e| panic!("merge: {e}"));
                let took = start.elapsed();
                print_sizes("merged blocks (zstd 9)", &merged);
                println!("  merge (sort + encode): {:.2} M entries/s", n as f64 / took.as_secs_f64() / 1e6);
                print_prunes(&merged, &needles[..needles.len() - 1]);
            }
        }
        if w == Workload::Bench {
            println!(
                "  filter budget (share of the block), 4-grams, ingest blocks of {} entries:",
                INGEST_BLOCK
            );
            let sample = n.min(256 * INGEST_BLOCK);
            for budget in [0.1, 0.2, 0.3] {
                let options = EncodeOptions { filter_budget: budget, ..EncodeOptions::ingest() };
                let (blocks, _, entries) = ingest(w, sample, &options);
                print_sizes(&format!("budget {budget}"), &blocks);
                let needles = [
                    Needle { label: "5-digit number", samples: fragments(&entries, false, 16) },
                    Needle { label: "hex fragment", samples: fragments(&entries, true, 16) },
                ];
                print_prunes(&blocks, &needles);
            }
        }
        println!();
    }
}
