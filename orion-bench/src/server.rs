//! The server under test: the real `orion serve` binary on a fresh SQLite
//! file, and a sampler of its resident memory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `orion serve`.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub base_url: String,
    peak_rss_kib: Arc<AtomicU64>,
    recording: Arc<AtomicBool>,
    recorded_kib: Arc<Mutex<Vec<u64>>>,
}

/// Resident memory over a recorded stretch.
pub struct RssSummary {
    /// Median of the second half's samples, MiB.
    pub steady_median: f64,
    /// Mean of the last quarter minus mean of the first, MiB: how far
    /// memory moved while the load stayed the same.
    pub drift: f64,
}

/// The `orion` binary next to this one (both built by the same cargo run).
pub fn default_orion_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name("orion");
    if !path.exists() {
        bail!("{} not found: build it with `cargo build --release -p orion-cli`", path.display());
    }
    Ok(path)
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

impl Server {
    /// Starts `orion serve` on `database_url`, waiting until it listens.
    pub async fn start(binary: &Path, database_url: &str) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .args(["serve", "--bind", "127.0.0.1:0", "--bcrypt-cost", "4", "--log-format", "json"])
            .args(["--log-level", "warn,orion=info", "--retention-days", "0", "--database-url", database_url])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let mut base_url = None;
        while let Some(line) = lines.next_line().await? {
            let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if let Some(addr) = value["addr"]
                .as_str()
                .filter(|_| value["message"].as_str().is_some_and(|m| m.starts_with("orion is listening")))
            {
                base_url = Some(format!("http://{addr}"));
                break;
            }
        }
        let base_url = base_url.context("orion exited before listening")?;
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let peak_rss_kib = Arc::new(AtomicU64::new(0));
        let pid = child.id().context("pid")?;
        let peak = peak_rss_kib.clone();
        let recording = Arc::new(AtomicBool::new(false));
        let recorded_kib = Arc::new(Mutex::new(Vec::new()));
        let (on, kept) = (recording.clone(), recorded_kib.clone());
        tokio::spawn(async move {
            let mut tick = 0u64;
            while let Some(kib) = rss_kib(pid) {
                peak.fetch_max(kib, Ordering::Relaxed);
                tick += 1;
                if on.load(Ordering::Relaxed) && tick.is_multiple_of(10) {
                    kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(kib);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        Ok(Self { child, base_url, peak_rss_kib, recording, recorded_kib })
    }

    /// Highest resident set size sampled since the last reset, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }

    /// Current resident set size in MiB.
    pub fn rss_mib(&self) -> f64 {
        self.child.id().and_then(rss_kib).unwrap_or(0) as f64 / 1024.0
    }

    /// Current resident memory split into private (heap, stacks) and
    /// file-backed (SQLite's memory-mapped database file, shared with the
    /// page cache and reclaimable) MiB.
    pub fn rss_split_mib(&self) -> (f64, f64) {
        let kib = |field| self.child.id().and_then(|pid| status_kib(pid, field)).unwrap_or(0) as f64 / 1024.0;
        (kib("RssAnon:"), kib("RssFile:") + kib("RssShmem:"))
    }

    /// Starts (or stops) keeping an RSS sample every 500 ms.
    pub fn record_rss(&self, on: bool) {
        self.recording.store(on, Ordering::Relaxed);
    }

    /// The recorded samples summed up.
    pub fn rss_summary(&self) -> RssSummary {
        let samples = self.recorded_kib.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let mib = |kib: &[u64]| -> f64 {
            if kib.is_empty() { 0.0 } else { kib.iter().sum::<u64>() as f64 / kib.len() as f64 / 1024.0 }
        };
        let n = samples.len();
        let mut second: Vec<u64> = samples[n / 2..].to_vec();
        second.sort_unstable();
        let steady_median = second.get(second.len() / 2).map_or(0.0, |&k| k as f64 / 1024.0);
        let quarter = (n / 4).max(1).min(n);
        let drift = if n < 4 { 0.0 } else { mib(&samples[n - quarter..]) - mib(&samples[..quarter]) };
        RssSummary { steady_median, drift }
    }

    /// Forgets the peak so far.
    pub fn reset_peak(&self) {
        self.peak_rss_kib.store(0, Ordering::Relaxed);
    }

    /// SIGTERM and wait.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            Command::new("kill").args(["-TERM", &pid.to_string()]).status().await?;
        }
        self.child.wait().await?;
        Ok(())
    }
}
