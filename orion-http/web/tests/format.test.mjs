import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatTime, formatAgo, formatBytes, formatRate, formatPercent, formatCount, formatTotal, formatUptime, formatValue,
} from '../assets/lib/format.js';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');

test('timestamps', () => {
  assert.equal(formatTime('2026-11-27T12:00:00.123Z', { utc: true }), '2026-11-27 12:00:00.123');
  assert.equal(formatTime('2026-01-02T03:04:05.006Z', { utc: true, ms: false }), '2026-01-02 03:04:05');
  assert.equal(formatTime(NOW, { utc: true }), '2026-11-27 12:00:00.000');
  assert.equal(formatTime('not a time'), '—');
  assert.match(formatTime('2026-11-27T12:00:00.123Z'), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.123$/);
});

test('relative times', () => {
  assert.equal(formatAgo(NOW - 2000, NOW), 'just now');
  assert.equal(formatAgo(NOW - 42_000, NOW), '42 s ago');
  assert.equal(formatAgo(NOW - 5 * 60_000, NOW), '5 min ago');
  assert.equal(formatAgo(NOW - 3 * 3_600_000, NOW), '3 h ago');
  assert.equal(formatAgo(NOW - 2 * 86_400_000, NOW), '2 d ago');
  assert.equal(formatAgo(null, NOW), 'never');
  assert.equal(formatAgo(NOW + 60_000, NOW), 'in the future');
});

test('bytes and rates', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(1073741824), '1.0 GiB');
  assert.equal(formatBytes(null), '—');
  assert.equal(formatRate(2048), '2.0 KiB/s');
});

test('percents, counts, totals, uptime', () => {
  assert.equal(formatPercent(12.345), '12.3%');
  assert.equal(formatPercent(100, 0), '100%');
  assert.equal(formatPercent(undefined), '—');
  assert.equal(formatCount(12873), '12,873');
  assert.equal(formatCount(1234567.5), '1,234,567.5');
  assert.equal(formatCount(999), '999');
  assert.equal(formatTotal(10000, true), '10,000+');
  assert.equal(formatTotal(12, false), '12');
  assert.equal(formatUptime(45), '45s');
  assert.equal(formatUptime(86400 + 7200 + 180), '1d 2h 3m');
  assert.equal(formatUptime(3600), '1h');
  assert.equal(formatValue(null), 'null');
  assert.equal(formatValue({ a: 1 }), '{"a":1}');
  assert.equal(formatValue('x'), 'x');
});
