import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TailBuffer } from '../assets/lib/tailbuffer.js';

const fill = (b, n, from = 0) => {
  for (let i = 0; i < n; i += 1) b.enqueue({ n: from + i });
};

test('lines show after a flush, in order, with increasing seq', () => {
  const b = new TailBuffer({ cap: 10 });
  fill(b, 3);
  assert.equal(b.lines.length, 0, 'nothing until the frame flushes');
  assert.equal(b.flush(), true);
  assert.deepEqual(b.lines.map((l) => l.item.n), [0, 1, 2]);
  assert.deepEqual(b.lines.map((l) => l.seq), [1, 2, 3]);
  assert.equal(b.flush(), false, 'an empty flush changes nothing');
});

test('the cap keeps the newest lines', () => {
  const b = new TailBuffer({ cap: 5 });
  fill(b, 3);
  b.flush();
  fill(b, 4, 3);
  b.flush();
  assert.deepEqual(b.lines.map((l) => l.item.n), [2, 3, 4, 5, 6]);
  assert.equal(b.trimmed, 2);
  fill(b, 12, 100);
  b.flush();
  assert.equal(b.lines.length, 5);
  assert.equal(b.lines.at(-1).item.n, 111);
});

test('pausing freezes the view and counts new lines; resume shows them', () => {
  const b = new TailBuffer({ cap: 100 });
  fill(b, 5);
  b.flush();
  b.pause();
  fill(b, 7, 5);
  b.flush();
  assert.equal(b.lines.length, 5, 'the visible lines do not move');
  assert.equal(b.newCount, 7);
  fill(b, 2, 12); // not flushed yet
  b.resume();
  assert.equal(b.newCount, 0);
  assert.equal(b.paused, false);
  assert.deepEqual(b.lines.map((l) => l.item.n), [...Array(14).keys()]);
});

test('pending lines are capped too but still counted', () => {
  const b = new TailBuffer({ cap: 4 });
  b.pause();
  fill(b, 10);
  b.flush();
  assert.equal(b.newCount, 10);
  assert.equal(b.pending.length, 4);
  b.resume();
  assert.deepEqual(b.lines.map((l) => l.item.n), [6, 7, 8, 9]);
});

test('an inbox flooded between frames stays within the cap', () => {
  const b = new TailBuffer({ cap: 3 });
  fill(b, 1000);
  assert.equal(b.inbox.length, 3);
  b.flush();
  assert.deepEqual(b.lines.map((l) => l.item.n), [997, 998, 999]);
});

test('lagged counts add up; clear forgets everything', () => {
  const b = new TailBuffer();
  assert.equal(b.noteLagged(10), 10);
  assert.equal(b.noteLagged(5), 15);
  fill(b, 3);
  b.flush();
  b.clear();
  assert.equal(b.lines.length, 0);
  assert.equal(b.lagged, 0);
  assert.equal(b.cap, 5000, 'default cap');
});
