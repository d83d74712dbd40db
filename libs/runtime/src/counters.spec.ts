import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { Counters } from './counters';

test('reject counts every case and logs each reason once', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const logger = pino({ level: 'warn' }, sink);
  const c = new Counters();
  for (let i = 0; i < 5; i++) c.reject(logger, 'invalid_payloads', 'mcpspy.mcp.v1.message: type: bad', { subject: 's' });
  c.reject(logger, 'invalid_payloads', 'invalid JSON: Unexpected token');
  assert.equal(c.get('invalid_payloads'), 6);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /invalid_payloads: mcpspy.mcp.v1.message: type: bad \(logged once/);
  assert.match(lines[1], /invalid JSON/);
  assert.deepEqual(c.snapshot(), { invalid_payloads: 6 });
});

test('a counter cell counts with inc, and the counter shows only once asked for or counted', () => {
  const c = new Counters();
  assert.deepEqual(c.snapshot(), {});
  c.inc('a', 2);
  const a = c.cell('a');
  a.n++;
  c.inc('a');
  assert.equal(c.get('a'), 4);
  const b = c.cell('b');
  assert.deepEqual(c.snapshot(), { a: 4, b: 0 });
  b.n += 5;
  c.set('b', b.n + 1);
  assert.equal(b.n, 6);
  assert.deepEqual(c.snapshot(), { a: 4, b: 6 });
});
