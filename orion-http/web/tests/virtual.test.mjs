import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeWindow, rowTop, indexAt, totalHeight, scrollToReveal, isAtBottom, moveIndex } from '../assets/lib/virtual.js';

test('renders only the rows in view plus overscan', () => {
  const w = computeWindow({ scrollTop: 0, viewportHeight: 480, rowHeight: 24, count: 100_000, overscan: 5 });
  assert.deepEqual(w, { start: 0, end: 25, top: 0, total: 2_400_000 });
  const mid = computeWindow({ scrollTop: 24 * 50_000 + 10, viewportHeight: 480, rowHeight: 24, count: 100_000, overscan: 5 });
  assert.equal(mid.start, 49_995);
  assert.equal(mid.end, 50_026);
  assert.equal(mid.top, 49_995 * 24);
});

test('clamps at the end and for empty lists', () => {
  const end = computeWindow({ scrollTop: 24 * 99_990, viewportHeight: 480, rowHeight: 24, count: 100_000, overscan: 5 });
  assert.equal(end.end, 100_000);
  assert.deepEqual(computeWindow({ scrollTop: 0, viewportHeight: 480, rowHeight: 24, count: 0 }), { start: 0, end: 0, top: 0, total: 0 });
  const beyond = computeWindow({ scrollTop: 1e9, viewportHeight: 480, rowHeight: 24, count: 10, overscan: 0 });
  assert.equal(beyond.end, 10);
});

test('one expanded row shifts the rows after it', () => {
  const extra = { index: 10, height: 200 };
  assert.equal(rowTop(10, 24, extra), 240);
  assert.equal(rowTop(11, 24, extra), 264 + 200);
  assert.equal(totalHeight(100, 24, extra), 2600);
  assert.equal(indexAt(264 + 100, 24, 100, extra), 10, 'inside the details of row 10');
  assert.equal(indexAt(264 + 200, 24, 100, extra), 11);
  const w = computeWindow({ scrollTop: 264 + 200, viewportHeight: 48, rowHeight: 24, count: 100, overscan: 0, extra });
  assert.deepEqual(w, { start: 11, end: 13, top: 464, total: 2600 });
});

test('revealing a row scrolls as little as possible', () => {
  assert.equal(scrollToReveal({ scrollTop: 0, viewportHeight: 240, rowHeight: 24, index: 5 }), 0);
  assert.equal(scrollToReveal({ scrollTop: 0, viewportHeight: 240, rowHeight: 24, index: 10 }), 24);
  assert.equal(scrollToReveal({ scrollTop: 480, viewportHeight: 240, rowHeight: 24, index: 3 }), 72);
});

test('bottom detection and j/k movement', () => {
  assert.ok(isAtBottom(760, 240, 1000));
  assert.ok(isAtBottom(757, 240, 1000));
  assert.ok(!isAtBottom(700, 240, 1000));
  assert.equal(moveIndex(-1, 1, 10), 0);
  assert.equal(moveIndex(-1, -1, 10), 9);
  assert.equal(moveIndex(9, 1, 10), 9);
  assert.equal(moveIndex(0, -1, 10), 0);
  assert.equal(moveIndex(3, 1, 0), -1);
});
