import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusParam, describeExit, describeCount, describeStatus, contextView, sortIncidents } from '../assets/lib/incident.js';

test('the status filter maps to the API parameter', () => {
  assert.equal(statusParam('open'), 'open');
  assert.equal(statusParam('resolved'), 'resolved');
  assert.equal(statusParam('all'), undefined);
  assert.equal(statusParam('bogus'), undefined);
});

test('exit code, signal, count and status read as words', () => {
  assert.equal(describeExit({ exitCode: 2, signal: null }), 'exit code 2');
  assert.equal(describeExit({ exitCode: 0 }), 'exit code 0');
  assert.equal(describeExit({ exitCode: null, signal: 9 }), 'signal 9 (SIGKILL)');
  assert.equal(describeExit({ signal: 42 }), 'signal 42');
  assert.equal(describeExit({ exitCode: 1, signal: 15 }), 'exit code 1, signal 15 (SIGTERM)');
  assert.equal(describeExit({}), null);
  assert.equal(describeExit(null), null);
  assert.equal(describeCount(1), '1 report');
  assert.equal(describeCount(3), '3 reports');
  assert.equal(describeCount(undefined), '1 report');
  assert.equal(describeStatus({ status: 'resolved' }), 'Resolved');
  assert.equal(describeStatus({ status: 'open' }), 'Open');
  assert.equal(describeStatus({}), 'Open');
});

test('a crash context as the screen shows it', () => {
  const v = contextView({
    lines: [
      { timestamp: '2026-11-27T12:00:00.120Z', stream: 'stderr', line: 'panic: disk full' },
      { timestamp: '2026-11-27T12:00:00.121Z', stream: 'stdout', line: '<img src=x onerror=alert(1)>' },
      null,
    ],
    metrics: { timestamp: '2026-11-27T11:59:55.000Z', cpu: { percent: 97.5 }, ram: { usedMb: 3072, totalMb: 4096 } },
    exitCode: 2,
    signal: null,
    restarts: 3,
  });
  assert.equal(v.lines.length, 2);
  assert.deepEqual(v.lines[1], { timestamp: '2026-11-27T12:00:00.121Z', stream: 'stdout', line: '<img src=x onerror=alert(1)>' });
  assert.equal(v.exit, 'exit code 2');
  assert.equal(v.restarts, 3);
  assert.equal(v.metrics.cpu, 97.5);
  assert.equal(v.metrics.ram, 75);
  assert.equal(v.metrics.timestamp, '2026-11-27T11:59:55.000Z');
  assert.equal(contextView(null), null);
  assert.deepEqual(contextView({}), { lines: [], exit: null, restarts: null, metrics: null });
});

test('incidents sort by their last report, newest first', () => {
  const list = [
    { id: 1, lastAt: '2026-11-27T12:00:00Z' },
    { id: 2, timestamp: '2026-11-27T13:00:00Z' },
    { id: 3, lastAt: '2026-11-27T12:00:00Z' },
  ];
  assert.deepEqual(sortIncidents(list).map((i) => i.id), [2, 3, 1]);
});
