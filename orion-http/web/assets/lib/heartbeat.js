// Heartbeats in the documented shape
//   {timestamp, uptime, cpu:{percent}, ram:{usedMb,totalMb,percent},
//    disk:{usedGb,totalGb,percent}, network:{rxBytesPerSec,txBytesPerSec},
//    scripts:[{name,status}], receivedAt}      (every group optional)
// normalized into one flat record the views use. The older flat shape
// (`cpuPercent`, `ramUsedBytes`, … `scripts[].state`) is read too, so the
// dashboard works against either server. Pure.

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function percentOf(used, total) {
  if (used === null || total === null || total <= 0) return null;
  return (used / total) * 100;
}

/**
 * @returns {{timestamp, receivedAt, uptime, cpu, ram, ramUsedBytes, ramTotalBytes,
 *   disk, diskUsedBytes, diskTotalBytes, rx, tx, loadAverage, scripts}|null}
 *   `cpu`, `ram`, `disk` are percents (0–100) or null.
 */
export function normalizeHeartbeat(hb) {
  if (!hb || typeof hb !== 'object') return null;
  const out = {
    timestamp: hb.timestamp ?? null,
    receivedAt: hb.receivedAt ?? null,
    uptime: num(hb.uptime) ?? num(hb.uptimeSeconds),
    cpu: null,
    ram: null,
    ramUsedBytes: null,
    ramTotalBytes: null,
    disk: null,
    diskUsedBytes: null,
    diskTotalBytes: null,
    rx: null,
    tx: null,
    loadAverage: Array.isArray(hb.loadAverage) ? hb.loadAverage : null,
    scripts: [],
  };
  if (hb.cpu && typeof hb.cpu === 'object') out.cpu = num(hb.cpu.percent);
  else out.cpu = num(hb.cpuPercent);

  if (hb.ram && typeof hb.ram === 'object') {
    const used = num(hb.ram.usedMb);
    const total = num(hb.ram.totalMb);
    out.ramUsedBytes = used === null ? null : used * MIB;
    out.ramTotalBytes = total === null ? null : total * MIB;
    out.ram = num(hb.ram.percent) ?? percentOf(used, total);
  } else {
    out.ramUsedBytes = num(hb.ramUsedBytes);
    out.ramTotalBytes = num(hb.ramTotalBytes);
    out.ram = num(hb.ramPercent) ?? percentOf(out.ramUsedBytes, out.ramTotalBytes);
  }

  if (hb.disk && typeof hb.disk === 'object') {
    const used = num(hb.disk.usedGb);
    const total = num(hb.disk.totalGb);
    out.diskUsedBytes = used === null ? null : used * GIB;
    out.diskTotalBytes = total === null ? null : total * GIB;
    out.disk = num(hb.disk.percent) ?? percentOf(used, total);
  } else {
    out.diskUsedBytes = num(hb.diskUsedBytes);
    out.diskTotalBytes = num(hb.diskTotalBytes);
    out.disk = num(hb.diskPercent) ?? percentOf(out.diskUsedBytes, out.diskTotalBytes);
  }

  if (hb.network && typeof hb.network === 'object') {
    out.rx = num(hb.network.rxBytesPerSec);
    out.tx = num(hb.network.txBytesPerSec);
  } else {
    out.rx = num(hb.netRxBytesPerSec);
    out.tx = num(hb.netTxBytesPerSec);
  }

  if (Array.isArray(hb.scripts)) {
    out.scripts = hb.scripts
      .filter((s) => s && typeof s.name === 'string')
      .map((s) => ({
        name: s.name,
        status: s.status ?? s.state ?? 'unknown',
        pid: num(s.pid),
        restarts: num(s.restarts),
        lastExitCode: num(s.lastExitCode),
        uptime: num(s.uptime),
      }));
  }
  return out;
}

/**
 * Heartbeats (any order) → uPlot columns, oldest first:
 * `{t: [seconds], cpu: [], ram: [], disk: [], rx: [], tx: []}`.
 */
export function heartbeatSeries(list) {
  const rows = (list || [])
    .map(normalizeHeartbeat)
    .filter((h) => h && Number.isFinite(Date.parse(h.timestamp ?? h.receivedAt)))
    .map((h) => ({ ...h, ms: Date.parse(h.timestamp ?? h.receivedAt) }))
    .sort((a, b) => a.ms - b.ms);
  const out = { t: [], cpu: [], ram: [], disk: [], rx: [], tx: [] };
  for (const h of rows) {
    out.t.push(h.ms / 1000);
    out.cpu.push(h.cpu);
    out.ram.push(h.ram);
    out.disk.push(h.disk);
    out.rx.push(h.rx);
    out.tx.push(h.tx);
  }
  return out;
}
