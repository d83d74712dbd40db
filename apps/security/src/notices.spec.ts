import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NoticeEvent } from '@mcpspy/events';
import { NoticeThrottle } from './notices';
import { toolResult } from './test-builders';

test('one notice per (reason, pid, stream), later ones only as a count at most every interval', () => {
  let now = 1_000;
  const out: NoticeEvent[] = [];
  const t = new NoticeThrottle((n) => out.push(n), 5000, () => now);
  const a = toolResult('x');
  const b = { ...toolResult('y'), session: 'other' };
  t.raise('analysis_budget_exceeded', a, 'slow');
  t.raise('analysis_budget_exceeded', a, 'slow');
  t.raise('analysis_budget_exceeded', b, 'slow');
  now += 5000;
  t.raise('analysis_budget_exceeded', a, 'slow');
  assert.deepEqual(
    out.map((n) => [n.pid, n.comm, n.stream, n.count]),
    [
      [20, 'server', 's1', 1],
      [20, 'server', 'other', 1],
      [20, 'server', 's1', 3],
    ],
  );
});
