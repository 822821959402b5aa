//! Waiting for a server's background merges to finish, watching its
//! SQLite file through a connection of the benchmark's own; and disk per
//! entry.

use std::time::{Duration, Instant};

use orion_storage::bench::{BlockStats, block_stats};

/// What the wait saw.
pub struct Settled {
    /// How long after the call the store stopped changing.
    pub waited: Duration,
    /// The store then.
    pub stats: BlockStats,
}

/// Bytes of used pages per stored entry.
pub fn per_entry(stats: &BlockStats) -> f64 {
    stats.used_bytes as f64 / stats.entries.max(1) as f64
}

/// Polls `url` every 2 s until its block count has not moved for three
/// polls in a row (the merger runs every second, so a still store is a
/// settled one), or 20 minutes passed.
pub async fn wait(url: &str) -> anyhow::Result<Settled> {
    let started = Instant::now();
    let mut last = block_stats(url).await?;
    let mut still = 0;
    let mut settled_at = started.elapsed();
    while still < 3 && started.elapsed() < Duration::from_secs(1_200) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let now = block_stats(url).await?;
        if (now.blocks, now.runs) == (last.blocks, last.runs) {
            still += 1;
        } else {
            still = 0;
            settled_at = started.elapsed();
        }
        last = now;
    }
    Ok(Settled { waited: settled_at, stats: last })
}
