import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeState, encodeState, patchSearch, toQueryString } from '../assets/lib/urlstate.js';

const schema = {
  q: { type: 'string', default: '' },
  from: { type: 'string', default: 'now-1h' },
  to: { type: 'string', default: 'now' },
  sel: { type: 'int', default: null },
  live: { type: 'bool', default: false },
  mf: { type: 'list', default: [] },
};

test('defaults when the URL says nothing', () => {
  assert.deepEqual(decodeState('', schema), { q: '', from: 'now-1h', to: 'now', sel: null, live: false, mf: [] });
  assert.equal(encodeState(decodeState('', schema), schema), '');
});

test('round trips, including characters that need escaping', () => {
  const states = [
    { q: 'level:error "connection refused" -tag:health meta.status>=500', from: 'now-24h', to: 'now', sel: 42, live: true, mf: ['region', 'status'] },
    { q: 'a&b=c #x %20 + ü', from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', sel: null, live: false, mf: [] },
    { q: '', from: 'now-1h', to: 'now', sel: 0, live: false, mf: ['one'] },
  ];
  for (const s of states) {
    const search = encodeState(s, schema);
    assert.deepEqual(decodeState(search, schema), s, search);
    assert.deepEqual(decodeState(`?${search}`, schema), s);
  }
});

test('keys follow the schema order and defaults are left out', () => {
  assert.equal(encodeState({ sel: 7, q: 'x', from: 'now-1h', to: 'now', live: true, mf: [] }, schema), 'q=x&sel=7&live=1');
});

test('bad values fall back to the default', () => {
  assert.deepEqual(decodeState('sel=abc&live=maybe', schema).sel, null);
  assert.equal(decodeState('sel=abc&live=maybe', schema).live, false);
  assert.equal(decodeState('sel=99999999999999999999', schema).sel, null);
});

test('unknown keys are dropped, patches apply', () => {
  assert.equal(patchSearch('?q=x&junk=1', { sel: 3 }, schema), 'q=x&sel=3');
  assert.equal(patchSearch('q=x&sel=3', { sel: undefined }, schema), 'q=x');
  assert.equal(toQueryString({ a: 'x y', b: '', c: null, d: [1, 2] }), '?a=x+y&d=1&d=2');
  assert.equal(toQueryString({}), '');
});
