import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRoute, pathFor } from '../assets/lib/routes.js';
import { keyAction, isTextEntry } from '../assets/lib/keys.js';
import { normalizeHeartbeat, heartbeatSeries } from '../assets/lib/heartbeat.js';
import { histogramSeries, sparkPath, metricPoints, fillSteps } from '../assets/lib/series.js';
import { searchParams, exportFilename, fieldError } from '../assets/lib/search.js';

test('routes match and build', () => {
  assert.deepEqual(matchRoute('/'), { name: 'home', params: {} });
  assert.deepEqual(matchRoute('/login'), { name: 'login', params: {} });
  assert.deepEqual(matchRoute('/projects/'), { name: 'projects', params: {} });
  assert.deepEqual(matchRoute('/p/shop/logs'), { name: 'logs', params: { project: 'shop' } });
  assert.deepEqual(matchRoute('/p/shop/servers/web%3A1'), { name: 'server', params: { project: 'shop', serverId: 'web:1' } });
  assert.deepEqual(matchRoute('/account/2fa'), { name: 'twofa', params: {} });
  assert.equal(matchRoute('/p/shop/nope').name, 'notFound');
  assert.equal(matchRoute('/p/%E0%A4%A/logs').name, 'notFound');
  assert.equal(pathFor('server', { project: 'shop', serverId: 'web:1' }), '/p/shop/servers/web%3A1');
  for (const p of ['/p/a/live', '/p/a/servers', '/p/a/incidents', '/p/a/alerts', '/p/a/settings']) {
    const m = matchRoute(p);
    assert.equal(pathFor(m.name, m.params), p);
  }
  assert.throws(() => pathFor('logs', {}));
});

test('keyboard shortcuts', () => {
  assert.equal(keyAction({ key: '/' }), 'focus-query');
  assert.equal(keyAction({ key: 'j' }), 'next');
  assert.equal(keyAction({ key: 'k' }), 'prev');
  assert.equal(keyAction({ key: 'Escape', inField: true }), 'close');
  assert.equal(keyAction({ key: 'j', inField: true }), null);
  assert.equal(keyAction({ key: '/', ctrlKey: true }), null);
  assert.equal(keyAction({ key: 'x' }), null);
  assert.ok(isTextEntry('INPUT', 'search'));
  assert.ok(!isTextEntry('INPUT', 'checkbox'));
  assert.ok(isTextEntry('DIV', null, true));
  assert.ok(!isTextEntry('BUTTON'));
});

test('heartbeats in the documented shape', () => {
  const h = normalizeHeartbeat({
    timestamp: '2024-01-15T10:30:00.000Z', uptime: 86400, cpu: { percent: 12.5 },
    ram: { usedMb: 1024, totalMb: 4096 }, disk: { usedGb: 20, totalGb: 100, percent: 20 },
    network: { rxBytesPerSec: 1024, txBytesPerSec: 512 }, scripts: [{ name: 'api', status: 'running' }],
    receivedAt: '2024-01-15T10:30:00.100Z',
  });
  assert.equal(h.cpu, 12.5);
  assert.equal(h.ram, 25, 'derived from used/total');
  assert.equal(h.ramTotalBytes, 4096 * 1024 * 1024);
  assert.equal(h.disk, 20);
  assert.equal(h.rx, 1024);
  assert.equal(h.uptime, 86400);
  assert.deepEqual(h.scripts.map((s) => [s.name, s.status]), [['api', 'running']]);
  const empty = normalizeHeartbeat({});
  assert.equal(empty.cpu, null);
  assert.deepEqual(empty.scripts, []);
  assert.equal(normalizeHeartbeat(null), null);
});

test('heartbeats in the older flat shape', () => {
  const h = normalizeHeartbeat({ cpuPercent: 50, ramUsedBytes: 1, ramTotalBytes: 4, diskUsedBytes: 1, diskTotalBytes: 2, netRxBytesPerSec: 3, uptimeSeconds: 9, scripts: [{ name: 'w', state: 'crashed' }] });
  assert.deepEqual([h.cpu, h.ram, h.disk, h.rx, h.uptime, h.scripts[0].status], [50, 25, 50, 3, 9, 'crashed']);
});

test('heartbeat series are sorted oldest first', () => {
  const s = heartbeatSeries([
    { timestamp: '2024-01-15T10:31:00.000Z', cpu: { percent: 2 } },
    { timestamp: '2024-01-15T10:30:00.000Z', cpu: { percent: 1 } },
    { timestamp: 'nope' },
  ]);
  assert.deepEqual(s.cpu, [1, 2]);
  assert.equal(s.t[1] - s.t[0], 60);
});

test('histogram zero-fills and stacks by level', () => {
  const fromMs = Date.parse('2026-11-27T12:00:00Z');
  const s = histogramSeries(
    [{ start: '2026-11-27T12:01:00.000Z', total: 4, counts: { info: 3, error: 1 } }],
    { fromMs, toMs: fromMs + 3 * 60_000, intervalMs: 60_000 },
  );
  assert.equal(s.x.length, 3);
  assert.deepEqual(s.counts.info, [0, 3, 0]);
  assert.deepEqual(s.stacked.info, [0, 3, 0]);
  assert.deepEqual(s.stacked.warn, [0, 3, 0]);
  assert.deepEqual(s.stacked.error, [0, 4, 0]);
  assert.deepEqual(s.stacked.fatal, [0, 4, 0]);
});

test('sparkline paths', () => {
  const d = sparkPath([{ t: 0, value: 0 }, { t: 50, value: 50 }, { t: 75, value: null }, { t: 100, value: 100 }], { width: 100, height: 20, fromMs: 0, toMs: 100 });
  assert.equal(d, 'M0,20L50,10M98,0h2', 'a lone point is a dash, kept inside the box');
  assert.equal(sparkPath([{ t: 50, value: 50 }], { width: 100, height: 20, fromMs: 0, toMs: 100 }), 'M50,10h2');
  assert.equal(sparkPath([], { width: 10, height: 10, fromMs: 0, toMs: 1 }), '');
  assert.deepEqual(metricPoints([{ t: '1970-01-01T00:00:01.000Z', cpu: 5 }, { t: 0, cpu: null }], 'cpu'), [{ t: 0, value: null }, { t: 1000, value: 5 }]);
});

test('sparklines break where the server left out empty steps', () => {
  // /servers/metrics with a 1-minute step: 12:00 and 12:01, nothing at 12:02-12:04, then 12:05 and 12:06.
  const m = (minute, cpu) => ({ t: `2026-11-27T12:0${minute}:00.000Z`, cpu, samples: 1 });
  const list = [m(0, 10), m(1, 20), m(5, 30), m(6, 40)];
  const at = (minute) => Date.parse(`2026-11-27T12:0${minute}:00.000Z`);
  const filled = metricPoints(list, 'cpu', { stepMs: 60_000 });
  assert.deepEqual(
    filled.map((p) => [p.t, p.value]),
    [[at(0), 10], [at(1), 20], [at(2), null], [at(3), null], [at(4), null], [at(5), 30], [at(6), 40]],
  );
  // Without the step (an older server) nothing is added: the line joins 12:01 to 12:05.
  assert.equal(metricPoints(list, 'cpu').length, 4);
  const box = { width: 60, height: 10, fromMs: at(0), toMs: at(6) };
  assert.equal(sparkPath(metricPoints(list, 'cpu'), box), 'M0,9L10,8L50,7L60,6');
  assert.equal(sparkPath(filled, box), 'M0,9L10,8M50,7L60,6', 'two stretches, no line across the gap');
  // A lone point between gaps is a dash of its own.
  assert.equal(sparkPath(metricPoints([m(0, 10), m(3, 50), m(6, 40)], 'cpu', { stepMs: 60_000 }), box), 'M0,9h2M30,5h2M58,6h2');
  // Consecutive steps, one point, no points, a bounded fill.
  assert.equal(fillSteps([{ t: 0, value: 1 }, { t: 60, value: 2 }], 60).length, 2);
  assert.deepEqual(fillSteps([{ t: 0, value: 1 }], 60), [{ t: 0, value: 1 }]);
  assert.deepEqual(fillSteps([], 60), []);
  assert.equal(fillSteps([{ t: 0, value: 1 }, { t: 1e12, value: 2 }], 1, 5).length, 7);
});

test('search params resolve the range and keep q', () => {
  const now = Date.parse('2026-11-27T12:00:00.000Z');
  const r = searchParams({ q: ' level:error ', from: 'now-15m', to: 'now' }, now);
  assert.deepEqual(r.params, { from: '2026-11-27T11:45:00.000Z', to: '2026-11-27T12:00:00.000Z', q: 'level:error' });
  assert.ok(searchParams({ q: '', from: 'x', to: 'now' }, now).error);
  assert.equal(exportFilename('shop', 'csv'), 'shop-logs.csv');
  assert.equal(fieldError({ message: 'bad', details: [{ field: 'condition', message: 'unknown metric' }] }, 'condition'), 'unknown metric');
  assert.equal(fieldError({ message: 'bad', details: [] }, 'q'), 'bad');
});
