//! Random entries and filters, with the hard cases on purpose: Unicode
//! case folding (`ß`, `İ`, the Kelvin sign, final sigma), empty and many
//! tags, metadata of every JSON type, equal and out-of-order timestamps.

use chrono::{DateTime, Utc};
use orion_core::model::log::{
    Level, LevelFilter, LogCursor, LogEntry, LogFilter, MetaCondition, MetaOp, NewLogEntry, Term, TermKind,
};
use orion_core::model::{ServerId, SourceName};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use serde_json::{Map, Number, Value};

use crate::support::project;

/// Words messages are made of.
pub const WORDS: &[&str] = &[
    "error",
    "Error",
    "ERROR",
    "timeout",
    "request",
    "completed",
    "GET",
    "/api/orders",
    "status=500",
    "ß",
    "STRASSE",
    "straße",
    "SS",
    "İstanbul",
    "istanbul",
    "i̇",
    "İ",
    "ı",
    "I",
    "\u{212A}elvin",
    "kelvin",
    "K",
    "ΣΑΣ",
    "σας",
    "ΌΣΟΣ",
    "ς",
    "ǅemal",
    "ǆ",
    "日本語",
    "🎉",
    "a",
    "ab",
    "x-42",
    "0xdeadbeef",
    "user=42",
    "%",
    "_",
    "ÉCOLE",
    "école",
    "ﬃ",
    "ΐ",
    "Ⅻ",
    "ⓐ",
    "Ａ",
    "\n",
    "\t",
    "\u{0}",
    "quasar-overflow",
    "9f86d081",
];
const TAGS: &[&str] = &["api", "web", "v2", "canary", "Api", "ß", "日本", "", "checkout", "eu-west-1"];
/// Source names entries may hold: only valid ones, since a `SourceName`
/// cannot be anything else.
const SOURCES: &[&str] = &["app", "worker", "app-2", "a", "9f86d081"];
/// Source names filters may ask for: anything, valid or not.
const ASKED_SOURCES: &[&str] = &["nope", "App", "", "ß-source"];
const KEYS: &[&str] =
    &["region", "userId", "status", "requestId", "nested", "list", "flag", "ratio", "big", ""];

fn source(name: &str) -> SourceName {
    SourceName::parse(name).expect("SOURCES holds valid names")
}

fn server(id: &str) -> ServerId {
    ServerId::parse(id).expect("a valid server id")
}

/// A random message of 0 to ~15 words.
pub fn message(rng: &mut StdRng) -> String {
    let words = rng.random_range(0..16);
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push_str([" ", " ", "", "-", ".", ": "].choose(rng).copied().unwrap_or(" "));
        }
        match rng.random_range(0..10) {
            0 => s.push_str(&format!("{:016x}", rng.random::<u64>())),
            1 => s.push_str(&rng.random_range(0..100_000).to_string()),
            _ => s.push_str(WORDS.choose(rng).copied().unwrap_or("a")),
        }
    }
    if s.is_empty() && rng.random_bool(0.8) {
        s.push('x');
    }
    s
}

fn number(rng: &mut StdRng) -> Value {
    match rng.random_range(0..10) {
        0 => Value::from(i64::MIN),
        1 => Value::from(u64::MAX),
        2 => Value::from(i64::MAX as u64 + rng.random_range(1..1_000)),
        3 => Value::from(rng.random_range(-1_000i64..1_000)),
        4 => Number::from_f64([0.1, -0.0, 1e300, 5e-324, 1.5, 2.0, -3.25e-7, 1e21][rng.random_range(0..8)])
            .map_or(Value::Null, Value::Number),
        5 => Number::from_f64(f64::from_bits(rng.random::<u64>() & 0x7FEF_FFFF_FFFF_FFFF))
            .map_or(Value::Null, Value::Number),
        6 => Number::from_f64(rng.random::<f64>() * 1_000.0).map_or(Value::Null, Value::Number),
        _ => Value::from(rng.random_range(0..100_000u64)),
    }
}

fn value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 1 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random_bool(0.5)),
        2 | 3 => number(rng),
        4 => Value::String(WORDS.choose(rng).copied().unwrap_or("").to_owned()),
        5 => Value::Array((0..rng.random_range(0..4)).map(|_| value(rng, depth + 1)).collect()),
        6 => Value::Object(object(rng, depth + 1)),
        _ => Value::String(format!("{:x}", rng.random::<u32>())),
    }
}

fn object(rng: &mut StdRng, depth: u32) -> Map<String, Value> {
    let mut m = Map::new();
    for _ in 0..rng.random_range(0..5) {
        let key = if rng.random_bool(0.1) {
            WORDS.choose(rng).copied().unwrap_or("k").to_owned()
        } else {
            KEYS.choose(rng).copied().unwrap_or("k").to_owned()
        };
        m.insert(key, value(rng, depth));
    }
    m
}

fn tags(rng: &mut StdRng) -> Vec<String> {
    let n = match rng.random_range(0..20) {
        0 => 32,
        1..=6 => 0,
        _ => rng.random_range(1..4),
    };
    (0..n).map(|_| TAGS.choose(rng).copied().unwrap_or("t").to_owned()).collect()
}

fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// How a block's entries are shaped, so some blocks are uniform.
#[derive(Debug, Clone, Copy)]
struct Shape {
    uniform_source: bool,
    no_metadata: bool,
    sequential_ids: bool,
    /// Ids `block << 16 | ordinal` from a few blocks, as the storage
    /// crate draws them (a merged block's head splits such ids in two).
    composite_ids: bool,
    /// `received_at` rising with the id, as arrival does (the head may
    /// store it in id order).
    arrival_by_id: bool,
    sorted: bool,
}

/// `n` random entries with unique ids.
pub fn entries(rng: &mut StdRng, n: usize) -> Vec<LogEntry> {
    let shape = Shape {
        uniform_source: rng.random_bool(0.4),
        no_metadata: rng.random_bool(0.2),
        sequential_ids: rng.random_bool(0.5),
        composite_ids: rng.random_bool(0.2),
        arrival_by_id: rng.random_bool(0.3),
        sorted: rng.random_bool(0.2),
    };
    let base_ts = if rng.random_bool(0.05) { -86_400_000_000 } else { 1_700_000_000_000_000 };
    let spread: i64 = [1, 1_000, 3_600_000_000, 86_400_000_000][rng.random_range(0..4)];
    let ms_only = rng.random_bool(0.5);
    let block_source = SOURCES.choose(rng).copied().map(source);
    let first_id: i64 = rng.random_range(-5..1i64 << 40);
    let first_block = first_id >> 16;
    let mut ids: Vec<i64> = if shape.composite_ids && n < 1 << 16 {
        (0..n as i64).map(|i| ((first_block + rng.random_range(0..8)) << 16) | i).collect()
    } else if shape.sequential_ids {
        (0..n as i64).map(|i| first_id + i).collect()
    } else {
        let mut next = first_id;
        let mut v: Vec<i64> = (0..n)
            .map(|_| {
                next += rng.random_range(1..1_000);
                next
            })
            .collect();
        for i in (1..v.len()).rev() {
            let j = rng.random_range(0..=i);
            v.swap(i, j);
        }
        v
    };
    if rng.random_bool(0.02) && n > 1 {
        ids[0] = i64::MIN;
        ids[n - 1] = i64::MAX;
    }
    let mut out: Vec<LogEntry> = ids
        .into_iter()
        .map(|id| {
            let mut ts = base_ts + rng.random_range(0..spread);
            if ms_only {
                ts -= ts.rem_euclid(1_000);
            }
            let received = if shape.arrival_by_id {
                1_700_000_000_000_000 + id.wrapping_sub(first_id).clamp(0, 1 << 40) / 4 * 1_000
            } else if rng.random_bool(0.5) {
                ts
            } else {
                ts + rng.random_range(0..5_000_000)
            };
            LogEntry {
                id,
                entry: NewLogEntry {
                    project_id: project(),
                    timestamp: at(ts),
                    received_at: at(received),
                    level: Level::ALL[rng.random_range(0..6)],
                    message: message(rng),
                    metadata: if shape.no_metadata { Map::new() } else { object(rng, 0) },
                    tags: tags(rng),
                    source: if shape.uniform_source {
                        block_source.clone()
                    } else if rng.random_bool(0.2) {
                        None
                    } else {
                        SOURCES.choose(rng).copied().map(source)
                    },
                    server_id: match rng.random_range(0..3) {
                        0 => None,
                        1 => Some(server("srv-1")),
                        _ => Some(server(&format!("srv-{}", rng.random_range(0..5)))),
                    },
                },
            }
        })
        .collect();
    if shape.sorted {
        out.sort_by_key(|e| (e.entry.timestamp, e.id));
    }
    out
}

/// A block size: mostly small, sometimes up to 5,000.
pub fn block_size(rng: &mut StdRng) -> usize {
    match rng.random_range(0..100) {
        0 => rng.random_range(1_000..=5_000),
        1..=10 => rng.random_range(200..1_000),
        11..=20 => 1,
        _ => rng.random_range(2..200),
    }
}

/// A substring of `s` on character boundaries, with random case changes.
fn substring(rng: &mut StdRng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let a = rng.random_range(0..chars.len());
    let b = rng.random_range(a..=chars.len().min(a + 12));
    let mut out = String::new();
    for &c in &chars[a..b] {
        match rng.random_range(0..4) {
            0 => out.extend(c.to_uppercase()),
            1 => out.extend(c.to_lowercase()),
            _ => out.push(c),
        }
    }
    out
}

/// The text `metadata_equals` would accept for a stored value (or some
/// text that never matches, for arrays, objects and null).
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A random filter aimed at `entries` (so it often matches something).
pub fn filter(rng: &mut StdRng, entries: &[LogEntry]) -> LogFilter {
    let pick = |rng: &mut StdRng| &entries[rng.random_range(0..entries.len())].entry;
    let levels = match rng.random_range(0..6) {
        0 => LevelFilter::AtLeast(Level::ALL[rng.random_range(0..6)]),
        1 => LevelFilter::OneOf(
            (0..rng.random_range(0..3)).map(|_| Level::ALL[rng.random_range(0..6)]).collect(),
        ),
        _ => LevelFilter::Any,
    };
    let mut f = LogFilter { levels, ..LogFilter::default() };
    f.search = match rng.random_range(0..10) {
        0..=3 => None,
        4..=6 => {
            let m = pick(rng).message.clone();
            Some(substring(rng, &m))
        }
        7 => Some(WORDS.choose(rng).copied().unwrap_or("a").to_owned()),
        8 => Some(format!("{:x}", rng.random::<u32>())),
        _ => Some(substring(rng, "zq").chars().take(rng.random_range(0..3)).collect()),
    };
    if rng.random_bool(0.2) {
        f.source = match rng.random_range(0..4) {
            0 => ASKED_SOURCES.choose(rng).map(|s| (*s).to_owned()),
            _ => pick(rng).source_str().map(str::to_owned).or(Some("app".to_owned())),
        };
    }
    if rng.random_bool(0.25) {
        let e = pick(rng);
        f.tags = e.tags.iter().take(rng.random_range(1..3)).cloned().collect();
        if rng.random_bool(0.2) {
            f.tags.push(TAGS.choose(rng).copied().unwrap_or("api").to_owned());
        }
    }
    if rng.random_bool(0.3) {
        let t = pick(rng).timestamp + chrono::TimeDelta::nanoseconds(rng.random_range(-2_000..2_000));
        f.from = Some(t);
    }
    if rng.random_bool(0.3) {
        let t = pick(rng).timestamp + chrono::TimeDelta::nanoseconds(rng.random_range(-2_000..2_000));
        f.to = Some(t);
    }
    if rng.random_bool(0.25) {
        for _ in 0..rng.random_range(1..3) {
            let e = pick(rng);
            let pair = match e.metadata.iter().nth(rng.random_range(0..e.metadata.len().max(1))) {
                Some((k, v)) if rng.random_bool(0.8) => (k.clone(), value_text(v)),
                _ => (
                    KEYS.choose(rng).copied().unwrap_or("k").to_owned(),
                    format!("{}", rng.random_range(0..3)),
                ),
            };
            f.metadata.push(pair);
        }
    }
    if rng.random_bool(0.5) {
        for _ in 0..rng.random_range(1..4) {
            f.terms.push(term(rng, entries));
        }
    }
    f
}

/// A random query-string term aimed at `entries`, negated half the time:
/// text (pieces of messages), levels, source, tag, server and metadata
/// comparisons of every operator.
pub fn term(rng: &mut StdRng, entries: &[LogEntry]) -> Term {
    let pick = |rng: &mut StdRng| &entries[rng.random_range(0..entries.len())].entry;
    let kind = match rng.random_range(0..7) {
        0 | 1 => {
            let m = pick(rng).message.clone();
            let piece = substring(rng, &m);
            TermKind::Text(if piece.is_empty() { "a".into() } else { piece })
        }
        2 => TermKind::Levels(
            (0..rng.random_range(1..3)).map(|_| Level::ALL[rng.random_range(0..6)]).collect(),
        ),
        3 => TermKind::Source(pick(rng).source_str().unwrap_or("nope").to_owned()),
        4 => {
            let e = pick(rng);
            TermKind::Tag(
                e.tags.first().cloned().unwrap_or_else(|| TAGS.choose(rng).copied().unwrap_or("x").into()),
            )
        }
        5 => TermKind::Server(pick(rng).server_id_str().unwrap_or("srv-none").to_owned()),
        _ => {
            let e = pick(rng);
            let (key, value) = match e.metadata.iter().nth(rng.random_range(0..e.metadata.len().max(1))) {
                Some((k, v)) => (k.clone(), value_text(v)),
                None => (KEYS.choose(rng).copied().unwrap_or("k").to_owned(), "1".to_owned()),
            };
            let op = [MetaOp::Eq, MetaOp::Ne, MetaOp::Gt, MetaOp::Ge, MetaOp::Lt, MetaOp::Le]
                [rng.random_range(0..6)];
            TermKind::Meta(MetaCondition { key, op, value })
        }
    };
    Term { negated: rng.random_bool(0.5), kind }
}

/// A random cursor near the entries.
pub fn cursor(rng: &mut StdRng, entries: &[LogEntry]) -> LogCursor {
    let e = &entries[rng.random_range(0..entries.len())];
    let id = match rng.random_range(0..3) {
        0 => e.id,
        1 => e.id.saturating_add(1),
        _ => e.id.saturating_sub(1),
    };
    let timestamp =
        e.entry.timestamp + chrono::TimeDelta::nanoseconds([0, 0, 1, -1, 500][rng.random_range(0..5)]);
    LogCursor { timestamp, id }
}
