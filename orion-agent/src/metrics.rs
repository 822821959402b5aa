//! Real system figures from `sysinfo`: CPU %, memory, disk, network rates,
//! uptime and load average.
//!
//! CPU use and network rates are differences between two readings, so the
//! [`Sampler`] keeps the previous reading: each [`Sampler::sample`] reports
//! what happened since the one before (the first one, since the sampler was
//! created — [`Sampler::new`] waits sysinfo's minimum CPU interval so even
//! that first figure is real). Reading `/proc` is blocking I/O: call it from
//! `spawn_blocking`.

use std::collections::HashSet;
use std::time::Instant;

use orion_client::{Cpu, Disk, Heartbeat, Network, Ram, ScriptStatus};
use sysinfo::{CpuRefreshKind, Disks, MemoryRefreshKind, Networks, RefreshKind, System};

/// One reading.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample {
    /// CPU use since the previous reading, 0–100.
    pub cpu_percent: f64,
    /// Memory in use, bytes.
    pub ram_used_bytes: u64,
    /// Memory installed, bytes.
    pub ram_total_bytes: u64,
    /// Space in use on local disks, bytes.
    pub disk_used_bytes: u64,
    /// Space of local disks, bytes.
    pub disk_total_bytes: u64,
    /// Bytes received per second since the previous reading.
    pub net_rx_bytes_per_sec: f64,
    /// Bytes sent per second since the previous reading.
    pub net_tx_bytes_per_sec: f64,
    /// Seconds since boot.
    pub uptime_seconds: u64,
    /// 1/5/15-minute load averages (absent where the platform has none).
    pub load_average: Option<[f64; 3]>,
    /// Logical CPUs.
    pub cores: u32,
}

const MB: f64 = 1_048_576.0;
const GB: f64 = 1_073_741_824.0;

impl Sample {
    /// The heartbeat in the documented shape: RAM in megabytes and disk in
    /// gigabytes (binary: 2^20 and 2^30 bytes), each with its percent.
    pub fn to_heartbeat(&self, at: chrono::DateTime<chrono::Utc>, scripts: Vec<ScriptStatus>) -> Heartbeat {
        let percent = |used: u64, total: u64| (total > 0).then(|| used as f64 * 100.0 / total as f64);
        Heartbeat {
            server_id: None,
            timestamp: Some(at),
            uptime: Some(self.uptime_seconds as f64),
            cpu: Some(Cpu { percent: Some(self.cpu_percent), cores: Some(self.cores) }),
            ram: Some(Ram {
                used_mb: Some(self.ram_used_bytes as f64 / MB),
                total_mb: Some(self.ram_total_bytes as f64 / MB),
                percent: percent(self.ram_used_bytes, self.ram_total_bytes),
            }),
            disk: Some(Disk {
                used_gb: Some(self.disk_used_bytes as f64 / GB),
                total_gb: Some(self.disk_total_bytes as f64 / GB),
                percent: percent(self.disk_used_bytes, self.disk_total_bytes),
            }),
            network: Some(Network {
                rx_bytes_per_sec: Some(self.net_rx_bytes_per_sec),
                tx_bytes_per_sec: Some(self.net_tx_bytes_per_sec),
            }),
            load_average: self.load_average,
            scripts,
        }
    }
}

/// Keeps the previous reading to turn counters into rates.
#[derive(Debug)]
pub struct Sampler {
    system: System,
    disks: Disks,
    networks: Networks,
    last_net: (u64, u64),
    last_at: Instant,
}

impl Default for Sampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Sampler {
    /// Takes the first reading (blocks for sysinfo's minimum CPU interval,
    /// about 200 ms).
    pub fn new() -> Self {
        let system = System::new_with_specifics(
            RefreshKind::nothing()
                .with_cpu(CpuRefreshKind::nothing().with_cpu_usage())
                .with_memory(MemoryRefreshKind::nothing().with_ram()),
        );
        let networks = Networks::new_with_refreshed_list();
        let mut sampler = Self {
            system,
            disks: Disks::new_with_refreshed_list(),
            last_net: net_totals(&networks),
            networks,
            last_at: Instant::now(),
        };
        std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
        sampler.system.refresh_cpu_usage();
        sampler
    }

    /// The figures now; rates are over the time since the previous call.
    pub fn sample(&mut self) -> Sample {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        // `true`: forget disks and interfaces that went away, pick up new ones.
        self.disks.refresh(true);
        self.networks.refresh(true);

        let now = Instant::now();
        let elapsed = now.duration_since(self.last_at).as_secs_f64().max(0.001);
        let (rx, tx) = net_totals(&self.networks);
        // Counters restart when an interface is re-created: a drop is "no
        // traffic", never a negative rate.
        let rx_rate = rx.saturating_sub(self.last_net.0) as f64 / elapsed;
        let tx_rate = tx.saturating_sub(self.last_net.1) as f64 / elapsed;
        self.last_net = (rx, tx);
        self.last_at = now;

        let (disk_used, disk_total) = local_disk_space(&self.disks);
        let total_ram = self.system.total_memory();
        let load = System::load_average();
        let load = [load.one, load.five, load.fifteen];
        Sample {
            cpu_percent: f64::from(self.system.global_cpu_usage()).clamp(0.0, 100.0),
            ram_used_bytes: self.system.used_memory().min(total_ram),
            ram_total_bytes: total_ram,
            disk_used_bytes: disk_used,
            disk_total_bytes: disk_total,
            net_rx_bytes_per_sec: rx_rate,
            net_tx_bytes_per_sec: tx_rate,
            uptime_seconds: System::uptime(),
            load_average: load.iter().all(|v| v.is_finite() && *v >= 0.0).then_some(load),
            cores: u32::try_from(self.system.cpus().len()).unwrap_or(u32::MAX).max(1),
        }
    }
}

/// Received and sent byte totals over every interface but loopback (local
/// traffic is not the machine's network load).
fn net_totals(networks: &Networks) -> (u64, u64) {
    networks
        .iter()
        .filter(|(name, _)| name.as_str() != "lo")
        .fold((0, 0), |(rx, tx), (_, data)| (rx + data.total_received(), tx + data.total_transmitted()))
}

/// Used and total space summed over local, non-removable disks, each device
/// counted once (bind mounts and btrfs subvolumes list a device many times).
fn local_disk_space(disks: &Disks) -> (u64, u64) {
    let mut seen = HashSet::new();
    let (mut used, mut total) = (0u64, 0u64);
    for disk in disks.list() {
        if disk.is_removable() || disk.total_space() == 0 || !seen.insert(disk.name().to_owned()) {
            continue;
        }
        total = total.saturating_add(disk.total_space());
        used = used.saturating_add(disk.total_space().saturating_sub(disk.available_space()));
    }
    (used, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_holds_plausible_figures_of_this_machine() {
        let mut sampler = Sampler::new();
        let sample = sampler.sample();
        assert!((0.0..=100.0).contains(&sample.cpu_percent));
        assert!(sample.ram_total_bytes > 0 && sample.ram_used_bytes <= sample.ram_total_bytes);
        assert!(sample.disk_used_bytes <= sample.disk_total_bytes);
        assert!(sample.net_rx_bytes_per_sec >= 0.0 && sample.net_tx_bytes_per_sec >= 0.0);
        assert!(sample.uptime_seconds > 0);
        if cfg!(target_os = "linux") {
            assert!(sample.load_average.is_some());
        }
    }
}
