import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeMethod,
  describeResultType,
  isKnownMethod,
  MCP_METHODS,
  MCP_TASKS_EXTENSION,
  methodInfo,
  methodInRevision,
  resultTypeOf,
} from './mcp-methods';

describe('the MCP method table, both eras', () => {
  test('2026-07-28 methods are known, described, and dated', () => {
    for (const m of ['server/discover', 'subscriptions/listen', 'notifications/subscriptions/acknowledged', 'tasks/update', 'notifications/tasks']) {
      assert.ok(isKnownMethod(m), m);
      assert.ok(describeMethod(m), m);
      assert.equal(methodInRevision(m, '2026-07-28'), true, m);
      assert.equal(methodInRevision(m, '2025-11-25'), false, m);
    }
    assert.equal(methodInfo('notifications/subscriptions/acknowledged')?.kind, 'notification');
    assert.equal(methodInfo('tasks/update')?.extension, MCP_TASKS_EXTENSION);
  });

  test('what 2026-07-28 removed stays known for the 2025-11-25 era', () => {
    for (const m of ['initialize', 'notifications/initialized', 'ping', 'logging/setLevel', 'resources/subscribe', 'notifications/roots/list_changed', 'notifications/elicitation/complete', 'tasks/result', 'tasks/list']) {
      assert.ok(isKnownMethod(m), m);
      assert.equal(methodInRevision(m, '2025-11-25'), true, m);
      assert.equal(methodInRevision(m, '2026-07-28'), false, m);
    }
  });

  test('one row per method; kind follows the notifications/ prefix', () => {
    const names = MCP_METHODS.map((m) => m.method);
    assert.equal(new Set(names).size, names.length);
    for (const m of MCP_METHODS) assert.equal(m.kind, m.method.startsWith('notifications/') ? 'notification' : 'request');
  });

  test('result kinds', () => {
    assert.equal(resultTypeOf({ resultType: 'input_required', inputRequests: {} }), 'input_required');
    assert.equal(resultTypeOf({ content: [] }), undefined);
    assert.equal(resultTypeOf(null), undefined);
    assert.equal(describeResultType('complete'), undefined);
    assert.match(describeResultType('input_required') ?? '', /Input required/);
    assert.equal(describeResultType('x-new'), 'Result type x-new');
  });
});
