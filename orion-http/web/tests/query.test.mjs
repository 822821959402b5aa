import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tokenize, formatTerm, quoteValue, addTerm, hasTerm, removeTermAt, metaTerm, facetTerm,
  selectedLevels, toggleLevel, suggest, applySuggestion, normalizeLevel,
} from '../assets/lib/query.js';

const pick = (t) => ({ kind: t.kind, negated: t.negated, field: t.field, op: t.op, value: t.value, start: t.start, end: t.end });

test('tokenizes the example of the brief with positions', () => {
  const q = 'level:error "connection refused" -tag:health meta.status>=500';
  const { terms, errors } = tokenize(q);
  assert.deepEqual(errors, []);
  assert.deepEqual(terms.map(pick), [
    { kind: 'level', negated: false, field: 'level', op: ':', value: 'error', start: 0, end: 11 },
    { kind: 'text', negated: false, field: null, op: null, value: 'connection refused', start: 12, end: 32 },
    { kind: 'tag', negated: true, field: 'tag', op: ':', value: 'health', start: 33, end: 44 },
    { kind: 'meta', negated: false, field: 'meta.status', op: '>=', value: '500', start: 45, end: 61 },
  ]);
  for (const t of terms) assert.equal(q.slice(t.start, t.end), t.raw);
});

test('levels: lists, >=, aliases and any case', () => {
  const { terms, errors } = tokenize('level:ERROR,Fatal level>=warning level:crit');
  assert.deepEqual(errors, []);
  assert.deepEqual(terms.map((t) => [t.op, t.values]), [
    [':', ['error', 'fatal']],
    ['>=', ['warn']],
    [':', ['fatal']],
  ]);
  assert.equal(normalizeLevel('err'), 'error');
  assert.equal(normalizeLevel('nope'), null);
});

test('unknown level is an error at its position', () => {
  const { terms, errors } = tokenize('timeout level:info,eror');
  assert.equal(terms.length, 1);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].start, 19);
  assert.equal(errors[0].end, 23);
  assert.match(errors[0].message, /unknown level `eror`/);
  assert.match(errors[0].message, /at character 20/);
});

test('quoted strings: escapes, negation, unterminated', () => {
  const { terms } = tokenize('-"GET /healthz" "say \\"hi\\" \\\\ ok"');
  assert.equal(terms[0].negated, true);
  assert.equal(terms[0].value, 'GET /healthz');
  assert.equal(terms[1].value, 'say "hi" \\ ok');
  assert.equal(terms[1].quoted, true);

  const bad = tokenize('ok "never closed');
  assert.equal(bad.terms.length, 1);
  assert.equal(bad.errors[0].start, 3);
  assert.match(bad.errors[0].message, /unterminated quote \(at character 4\)/);
});

test('field values may be quoted', () => {
  const { terms, errors } = tokenize('source:"my-app" meta.city="New York"');
  assert.deepEqual(errors, []);
  assert.equal(terms[0].value, 'my-app');
  assert.equal(terms[1].value, 'New York');
  assert.equal(terms[1].key, 'city');
});

test('meta operators and nested keys', () => {
  const ops = ['=', '!=', '>', '>=', '<', '<='];
  for (const op of ops) {
    const { terms, errors } = tokenize(`meta.user.id${op}42`);
    assert.deepEqual(errors, [], op);
    assert.equal(terms[0].op, op);
    assert.equal(terms[0].field, 'meta.user.id');
    assert.equal(terms[0].value, '42');
  }
});

test('errors name the problem and the position', () => {
  const cases = [
    ['meta.status', 11, /expected an operator/],
    ['meta.=1', 5, /expected a metadata key/],
    ['level:', 6, /expected a value/],
    ['a - b', 2, /must be followed by a term/],
    ['"" x', 0, /empty phrase/],
    ['source:api"x"', 10, /unexpected/],
    ['meta.a=', 7, /expected a value/],
    ['level>=warn,error', 7, /takes one level/],
  ];
  for (const [q, pos, re] of cases) {
    const { errors } = tokenize(q);
    assert.equal(errors.length, 1, q);
    assert.equal(errors[0].start, pos, q);
    assert.match(errors[0].message, re, q);
    assert.match(errors[0].message, new RegExp(`at character ${pos + 1}\\)`), q);
  }
});

test('parsing continues after an error', () => {
  const { terms, errors } = tokenize('level:nope timeout tag:x');
  assert.equal(errors.length, 1);
  assert.deepEqual(terms.map((t) => t.kind), ['text', 'tag']);
});

test('unknown field prefixes are plain words', () => {
  const { terms, errors } = tokenize('http://x foo:bar');
  assert.deepEqual(errors, []);
  assert.deepEqual(terms.map((t) => [t.kind, t.value]), [['text', 'http://x'], ['text', 'foo:bar']]);
});

test('formatTerm reads back as the same term', () => {
  const q = 'level:error,fatal -"a \\"b\\"" -tag:health meta.k!="x y" source:api server:web-1 plain';
  const { terms } = tokenize(q);
  const again = terms.map(formatTerm).join(' ');
  assert.deepEqual(tokenize(again).terms.map((t) => [t.kind, t.negated, t.op, t.value]), terms.map((t) => [t.kind, t.negated, t.op, t.value]));
  assert.equal(quoteValue('-x', { asText: true }), '"-x"');
  assert.equal(quoteValue('level:x', { asText: true }), '"level:x"');
  assert.equal(quoteValue('plain'), 'plain');
});

test('filter for / filter out replace each other', () => {
  let q = 'timeout';
  q = addTerm(q, metaTerm(['user', 'id'], 42));
  assert.equal(q, 'timeout meta.user.id=42');
  q = addTerm(q, metaTerm(['user', 'id'], 42, true));
  assert.equal(q, 'timeout -meta.user.id=42');
  assert.ok(hasTerm(q, '-meta.user.id=42'));
  assert.ok(!hasTerm(q, 'meta.user.id=42'));
  assert.equal(metaTerm(['a b'], 1), null);
  assert.equal(metaTerm(['obj'], { x: 1 }), null);
  assert.equal(metaTerm(['msg'], 'two words'), 'meta.msg="two words"');
  assert.equal(removeTermAt('a b c', 1), 'a c');
});

test('facet values become terms', () => {
  assert.equal(facetTerm('level', 'error'), 'level:error');
  assert.equal(facetTerm('source', 'api', true), '-source:api');
  assert.equal(facetTerm('tags', 'eu'), 'tag:eu');
  assert.equal(facetTerm('serverId', 'web-1'), 'server:web-1');
  assert.equal(facetTerm('meta.region', 'eu west'), 'meta.region="eu west"');
});

test('level chips toggle within the level: term', () => {
  let q = 'timeout';
  q = toggleLevel(q, 'error');
  assert.equal(q, 'timeout level:error');
  q = toggleLevel(q, 'warn');
  assert.equal(q, 'timeout level:warn,error');
  assert.deepEqual(selectedLevels(q), ['warn', 'error']);
  q = toggleLevel(q, 'error');
  q = toggleLevel(q, 'warn');
  assert.equal(q, 'timeout');
});

test('suggestions complete fields, levels and known values', () => {
  assert.deepEqual(suggest('lev').map((s) => s.text), ['level:', 'level>=']);
  assert.deepEqual(suggest('-ta').map((s) => s.text), ['-tag:']);
  assert.deepEqual(suggest('level:error,f').map((s) => s.text), ['level:error,fatal']);
  const s = suggest('x source:ap y', 11, { sources: ['api', 'apex', 'billing'] });
  assert.deepEqual(s.map((v) => v.text), ['source:api', 'source:apex']);
  assert.deepEqual(applySuggestion('x source:ap y', s[0]), { q: 'x source:api y', cursor: 12 });
  assert.deepEqual(suggest('meta.re', 7, { metaKeys: ['region', 'status'] }).map((v) => v.text), ['meta.region=']);
  assert.deepEqual(suggest(''), []);
});
