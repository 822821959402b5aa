//! Realistic log entries, in two workloads:
//!
//! - [`Workload::Bench`]: ~150-byte messages with a random 16-hex trace id,
//!   a level mix like production (mostly info), two or three tags from a
//!   small set, small metadata, and timestamps spread over the last hour;
//! - [`Workload::Peer`]: the side-by-side comparison with VictoriaLogs
//!   (issue 9): ~85-character access-log messages with exactly one tag and
//!   no metadata, timestamps spread the same way.
//!
//! In both, a few messages carry [`RARE_NEEDLE`] (20 per run by default:
//! a rare-substring search has a known, small answer), most carry
//! [`COMMON_NEEDLE`], and one entry in four carries [`TAG`].

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use orion_core::model::log::{Level, NewLogEntry};
use orion_core::model::{ProjectId, SourceName};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

/// The substring a rare search looks for.
pub const RARE_NEEDLE: &str = "quasar-overflow";
/// One entry in this many carries the rare needle (see [`set_rare_hits`]).
static RARE_EVERY: AtomicU64 = AtomicU64::new(20_000);

/// Makes the rare needle appear in `hits` of a run's `total` entries.
pub fn set_rare_hits(total: u64, hits: u64) {
    RARE_EVERY.store((total / hits.max(1)).max(1), Ordering::Relaxed);
}

fn rare(n: u64) -> String {
    if n.is_multiple_of(RARE_EVERY.load(Ordering::Relaxed)) {
        format!(" {RARE_NEEDLE}")
    } else {
        String::new()
    }
}
/// A substring most messages carry.
pub const COMMON_NEEDLE: &str = "request";
/// A tag one entry in four carries.
pub const TAG: &str = "checkout";

const PATHS: [&str; 6] =
    ["/api/orders", "/api/cart/items", "/api/users/me", "/api/payments/intent", "/health", "/api/search"];
const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"];
const OTHER_TAGS: [&str; 5] = ["api", "web", "v2", "canary", "batch"];

fn level(rng: &mut StdRng) -> Level {
    match rng.random_range(0..100) {
        0..15 => Level::Debug,
        15..85 => Level::Info,
        85..95 => Level::Warn,
        95..99 => Level::Error,
        _ => Level::Fatal,
    }
}

/// Which entries a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// ~150-byte messages, 2–3 tags, metadata.
    Bench,
    /// ~85-character messages, one tag, no metadata.
    Peer,
}

impl Workload {
    /// Builds entry number `n` of this workload.
    pub fn entry(self, rng: &mut StdRng, n: u64, now: DateTime<Utc>) -> Entry {
        match self {
            Self::Bench => entry(rng, n, now),
            Self::Peer => peer_entry(rng, n, now),
        }
    }
}

/// The `n`-th entry of a run: deterministic for a given seed.
pub struct Entry {
    /// Severity.
    pub level: Level,
    /// ~150 bytes.
    pub message: String,
    /// 2–3 tags.
    pub tags: Vec<String>,
    /// Small object.
    pub metadata: Map<String, Value>,
    /// Within the hour before `now`.
    pub timestamp: DateTime<Utc>,
}

/// Builds entry number `n`.
pub fn entry(rng: &mut StdRng, n: u64, now: DateTime<Utc>) -> Entry {
    let path = PATHS[rng.random_range(0..PATHS.len())];
    let region = REGIONS[rng.random_range(0..REGIONS.len())];
    let latency: u32 = rng.random_range(1..900);
    let user: u32 = rng.random_range(1..100_000);
    let status = [200, 200, 200, 201, 304, 404, 500][rng.random_range(0..7)];
    let rare = rare(n);
    let message = format!(
        "{} {path}/{user} request completed with status {status} in {latency}ms for user {user} \
         (region={region}, cache={}) trace={:016x}{rare}",
        ["GET", "POST", "PUT"][rng.random_range(0..3)],
        if rng.random_bool(0.7) { "hit" } else { "miss" },
        rng.random::<u64>(),
    );
    let mut tags = vec![OTHER_TAGS[rng.random_range(0..OTHER_TAGS.len())].to_owned()];
    if n.is_multiple_of(4) {
        tags.push(TAG.to_owned());
    }
    if rng.random_bool(0.5) {
        tags.push(region.to_owned());
    }
    let metadata = json!({"region": region, "status": status, "latencyMs": latency})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let timestamp = now - Duration::milliseconds(rng.random_range(0..3_600_000));
    Entry { level: level(rng), message, tags, metadata, timestamp }
}

/// Builds entry number `n` of the peer workload: one access-log line of
/// about 85 characters, one tag.
pub fn peer_entry(rng: &mut StdRng, n: u64, now: DateTime<Utc>) -> Entry {
    let path = PATHS[rng.random_range(0..PATHS.len())];
    let status = [200, 200, 200, 201, 304, 404, 500][rng.random_range(0..7)];
    let rare = rare(n);
    let message = format!(
        "{} {path}/{} {status} {}ms {COMMON_NEEDLE} done ip=10.{}.{}.{}{rare}",
        ["GET", "POST", "PUT"][rng.random_range(0..3)],
        rng.random_range(1..100_000u32),
        rng.random_range(1..900u32),
        rng.random_range(0..256u32),
        rng.random_range(0..256u32),
        rng.random_range(0..256u32),
    );
    let tag = if n.is_multiple_of(4) { TAG } else { OTHER_TAGS[rng.random_range(0..OTHER_TAGS.len())] };
    let timestamp = now - Duration::milliseconds(rng.random_range(0..3_600_000));
    Entry { level: level(rng), message, tags: vec![tag.to_owned()], metadata: Map::new(), timestamp }
}

impl Entry {
    /// As the JSON an agent posts.
    pub fn to_json(&self) -> Value {
        json!({
            "message": self.message,
            "level": self.level.as_str(),
            "timestamp": orion_core::rfc3339::millis(self.timestamp),
            "tags": self.tags,
            "metadata": self.metadata,
        })
    }

    /// As the domain value the storage layer takes.
    pub fn into_new_entry(
        self,
        project_id: ProjectId,
        source: &SourceName,
        now: DateTime<Utc>,
    ) -> NewLogEntry {
        NewLogEntry {
            project_id,
            timestamp: self.timestamp,
            received_at: now,
            level: self.level,
            message: self.message,
            metadata: self.metadata,
            tags: self.tags,
            source: Some(source.clone()),
            server_id: None,
        }
    }
}
