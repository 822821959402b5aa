import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseDuration, formatDuration, parseTimeExpr, resolveRange, presetRange, matchPreset,
  describeRange, chooseInterval, toLocalInput, fromLocalInput, absoluteRange, PRESETS,
} from '../assets/lib/timerange.js';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');

test('durations', () => {
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('0m'), null);
  assert.equal(parseDuration('1x'), null);
  assert.equal(parseDuration('-1h'), null);
  assert.equal(formatDuration(900_000), '15m');
  assert.equal(formatDuration(86_400_000), '1d');
  assert.equal(formatDuration(5_400_000), '90m');
});

test('time expressions', () => {
  assert.deepEqual(parseTimeExpr('now'), { kind: 'relative', offsetMs: 0 });
  assert.deepEqual(parseTimeExpr('now-1h'), { kind: 'relative', offsetMs: -3_600_000 });
  assert.deepEqual(parseTimeExpr('now+5m'), { kind: 'relative', offsetMs: 300_000 });
  assert.deepEqual(parseTimeExpr('2026-01-31T12:00:00Z'), { kind: 'absolute', ms: Date.parse('2026-01-31T12:00:00Z') });
  assert.deepEqual(parseTimeExpr('2026-01-31T12:00:00.123+02:00'), { kind: 'absolute', ms: Date.parse('2026-01-31T10:00:00.123Z') });
  assert.equal(parseTimeExpr('yesterday'), null);
  assert.equal(parseTimeExpr('2026-01-31'), null, 'a date without a time and zone is ambiguous');
  assert.equal(parseTimeExpr('now-1'), null);
});

test('resolving ranges', () => {
  assert.deepEqual(resolveRange({ from: 'now-1h', to: 'now' }, NOW), { fromMs: NOW - 3_600_000, toMs: NOW });
  assert.deepEqual(resolveRange({ from: '2026-11-27T11:00:00Z', to: 'now' }, NOW), { fromMs: NOW - 3_600_000, toMs: NOW });
  assert.match(resolveRange({ from: 'now', to: 'now-1h' }, NOW).error, /before its end/);
  assert.match(resolveRange({ from: 'bogus', to: 'now' }, NOW).error, /Start time/);
  assert.match(resolveRange({ from: 'now-1h', to: 'later' }, NOW).error, /End time/);
});

test('presets', () => {
  assert.deepEqual(PRESETS, ['15m', '1h', '24h', '7d']);
  for (const p of PRESETS) assert.equal(matchPreset(presetRange(p)), p);
  assert.equal(matchPreset({ from: 'now-2h', to: 'now' }), null);
  assert.equal(matchPreset({ from: 'now-1h', to: '2026-01-01T00:00:00Z' }), null);
  assert.equal(matchPreset({ from: 'now-30d', to: 'now' }, ['1h', '30d']), '30d');
  assert.equal(describeRange(presetRange('24h')), 'Last 24 hours');
  assert.equal(describeRange({ from: 'now-3d', to: 'now' }), 'Last 3d');
  assert.deepEqual(absoluteRange(NOW, NOW - 1000), { from: '2026-11-27T11:59:59.000Z', to: '2026-11-27T12:00:00.000Z' });
});

test('histogram interval keeps the bucket count bounded', () => {
  assert.equal(chooseInterval(15 * 60_000).name, '1m');
  assert.equal(chooseInterval(3_600_000).name, '1m');
  assert.equal(chooseInterval(86_400_000).name, '5m');
  assert.equal(chooseInterval(7 * 86_400_000).name, '1h');
  assert.equal(chooseInterval(365 * 86_400_000).name, '1d');
});

test('datetime-local values round trip for a given zone', () => {
  const ms = Date.parse('2026-11-27T12:34:00Z');
  assert.equal(toLocalInput(ms, 0), '2026-11-27T12:34');
  assert.equal(toLocalInput(ms, -60), '2026-11-27T13:34'); // UTC+1
  assert.equal(toLocalInput(ms, 300), '2026-11-27T07:34'); // UTC-5
  for (const off of [0, -60, 300, -330]) assert.equal(fromLocalInput(toLocalInput(ms, off), off), ms);
  assert.equal(fromLocalInput('garbage', 0), null);
});
