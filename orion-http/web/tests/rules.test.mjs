import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toForm, toBody, previewBody, emptyAction, detailFor, detailsUnder, describeAction, describeEventAction,
  untilAfter, silenceBody, silenceScope, MAX_ACTIONS,
} from '../assets/lib/rules.js';

const RULE = {
  id: 7, name: 'No invoices', condition: 'log_count < 1', windowMinutes: 60, repeatMinutes: 30,
  channels: ['email', 'webhook:https://example.com/h'], enabled: true, source: null, serverId: 'web-1',
  filter: 'source:billing "invoice sent"', actions: [{ type: 'restart', serverId: 'web-1', scriptName: 'billing' }],
};

test('a rule round-trips through the form', () => {
  const f = toForm(RULE);
  assert.equal(f.channels, 'email\nwebhook:https://example.com/h');
  assert.equal(f.filter, 'source:billing "invoice sent"');
  assert.deepEqual(f.actions, [{ type: 'restart', serverId: 'web-1', scriptName: 'billing' }]);
  const b = toBody(f);
  assert.deepEqual(b, {
    name: 'No invoices', condition: 'log_count < 1', windowMinutes: 60, repeatMinutes: 30,
    channels: ['email', 'webhook:https://example.com/h'], enabled: true, serverId: 'web-1',
    filter: 'source:billing "invoice sent"', actions: [{ type: 'restart', serverId: 'web-1', scriptName: 'billing' }],
  });
  assert.deepEqual(previewBody(f), { condition: 'log_count < 1', windowMinutes: 60, serverId: 'web-1', filter: 'source:billing "invoice sent"' });
});

test('the empty form, blanks and a rule from a server without actions', () => {
  const f = toForm(null);
  assert.deepEqual(f.actions, []);
  f.name = '  cpu ';
  f.condition = 'cpu_percent > 90';
  f.filter = '   ';
  f.actions.push({ ...emptyAction('web-2'), scriptName: ' api ' });
  const b = toBody(f);
  assert.equal(b.name, 'cpu');
  assert.equal('filter' in b, false);
  assert.equal('source' in b, false);
  assert.deepEqual(b.actions, [{ type: 'restart', serverId: 'web-2', scriptName: 'api' }]);
  assert.equal(toForm(null).actions.length, 0, 'each empty form has its own actions list');
  const { actions, ...older } = RULE;
  assert.deepEqual(toForm(older).actions, []);
  assert.deepEqual(toBody(toForm(older)).actions, [], 'a PUT sends actions: [] (a full replace)');
  assert.equal(MAX_ACTIONS, 5);
});

test('server problems by field', () => {
  const err = { details: [
    { field: 'condition', message: 'unknown metric (at character 1)' },
    { field: 'actions[1].serverId', message: 'no server nope in this project' },
    { field: 'actions', message: 'at most 5 actions' },
    { field: 'filter', message: 'unclosed quote (at character 3)' },
  ] };
  assert.equal(detailFor(err, 'condition'), 'unknown metric (at character 1)');
  assert.equal(detailFor(err, 'actions[1].serverId'), 'no server nope in this project');
  assert.equal(detailFor(err, 'name'), null);
  assert.equal(detailFor(null, 'name'), null);
  assert.deepEqual(detailsUnder(err, 'actions').map((d) => d.field), ['actions[1].serverId', 'actions']);
  assert.deepEqual(detailsUnder(err, 'actions', (f) => f.includes('].')).map((d) => d.field), ['actions']);
});

test('actions in words', () => {
  assert.equal(describeAction({ type: 'restart', serverId: 'web-1', scriptName: 'api' }), 'Restart api on web-1');
  assert.equal(describeAction({ type: 'stop', serverId: 'db', scriptName: 'pg' }), 'Stop pg on db');
  assert.equal(describeEventAction({ commandId: 12, status: 'ok', output: 'restarted in 0.4 s' }), 'command 12: ok — restarted in 0.4 s');
  assert.equal(describeEventAction({ commandId: 13, status: null, output: null }), 'command 13: pending');
  assert.equal(
    describeEventAction({ commandId: 14, type: 'restart', serverId: 'web-1', scriptName: 'billing', status: 'failed', output: 'no such script' }),
    'Restart billing on web-1, command 14: failed — no such script',
  );
});

test('silences: until, body and scope', () => {
  const now = Date.parse('2026-12-02T10:00:00.000Z');
  assert.equal(untilAfter(now, '1h'), '2026-12-02T11:00:00.000Z');
  assert.equal(untilAfter(now, '7d'), '2026-12-09T10:00:00.000Z');
  assert.throws(() => untilAfter(now, 'soon'));
  assert.deepEqual(silenceBody({ ruleId: '', serverId: ' ', duration: '30m', reason: ' deploy ' }, now), { until: '2026-12-02T10:30:00.000Z', reason: 'deploy' });
  assert.deepEqual(silenceBody({ ruleId: '7', serverId: 'web-1', duration: '4h', reason: 'maintenance' }, now), {
    until: '2026-12-02T14:00:00.000Z', reason: 'maintenance', ruleId: 7, serverId: 'web-1',
  });
  const rules = [RULE];
  assert.equal(silenceScope({ ruleId: null, serverId: null }, rules), 'every rule');
  assert.equal(silenceScope({ ruleId: 7, serverId: null }, rules), 'rule No invoices');
  assert.equal(silenceScope({ ruleId: 7, serverId: 'web-1' }, rules), 'rule No invoices, server web-1');
  assert.equal(silenceScope({ ruleId: 9, serverId: null }, rules), 'rule 9 (deleted)');
  assert.equal(silenceScope({ serverId: 'db' }, rules), 'server db');
});
