import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingNodeFlags, ROLE_NODE_FLAGS, roleOf } from './node-flags';

test('the role of a command line: the monitor, a replay, each served stage; none for help, version, scan, coverage', () => {
  assert.equal(roleOf([]), 'monitor');
  assert.equal(roleOf(['--tui=false', '-o', 'x.jsonl', '--comm', 'node']), 'monitor');
  assert.equal(roleOf(['replay', 'cap.mcpspy']), 'replay');
  for (const s of ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web']) assert.equal(roleOf(['serve', s, '--nats', 'nats://x']), s);
  assert.equal(roleOf(['serve', '--log-level', 'warn', 'sink']), 'sink', 'options before the stage');
  assert.equal(roleOf(['--log-level', 'warn', 'serve', 'security']), 'security', 'options before serve');
  assert.equal(roleOf(['serve', 'nosuch']), undefined);
  for (const args of [['scan', 'f.jsonl'], ['coverage'], ['version'], ['help'], ['--help'], ['serve', 'sink', '-h'], ['-V']]) assert.equal(roleOf(args), undefined, args.join(' '));
});

test('the table: sink and security at 8 MB semispaces, the embedded monitor and replay at 16 from the start, the rest V8 defaults', () => {
  assert.deepEqual(ROLE_NODE_FLAGS.sink, ['--max-semi-space-size=8']);
  assert.deepEqual(ROLE_NODE_FLAGS.security, ['--max-semi-space-size=8']);
  assert.deepEqual(ROLE_NODE_FLAGS.monitor, ['--max-semi-space-size=16', '--min-semi-space-size=16']);
  assert.deepEqual(ROLE_NODE_FLAGS.replay, ['--max-semi-space-size=16', '--min-semi-space-size=16']);
  for (const r of ['probe', 'http-session', 'mcp-parser', 'web'] as const) assert.deepEqual(ROLE_NODE_FLAGS[r], [], r);
});

test('a flag of the same name on node\'s command line or in NODE_OPTIONS wins over the table', () => {
  assert.deepEqual(missingNodeFlags('sink', [], undefined), ['--max-semi-space-size=8']);
  assert.deepEqual(missingNodeFlags('sink', ['--trace-gc'], ''), ['--max-semi-space-size=8'], 'other flags do not count');
  assert.deepEqual(missingNodeFlags('sink', ['--max-semi-space-size=16'], undefined), []);
  assert.deepEqual(missingNodeFlags('sink', ['--max_semi_space_size=32'], undefined), [], 'underscores name the same flag');
  assert.deepEqual(missingNodeFlags('sink', [], '--trace-gc --max-semi-space-size=4'), []);
  assert.deepEqual(missingNodeFlags('sink', [], '"--max-semi-space-size=4"'), [], 'quoted in NODE_OPTIONS');
  assert.deepEqual(missingNodeFlags('mcp-parser', [], undefined), []);
  // The monitor's two flags are looked at one by one: a user's maximum alone still gets the table's minimum.
  assert.deepEqual(missingNodeFlags('monitor', ['--max-semi-space-size=32'], undefined), ['--min-semi-space-size=16']);
  assert.deepEqual(missingNodeFlags('monitor', ['--min-semi-space-size=8', '--max-semi-space-size=16'], undefined), []);
  assert.deepEqual(missingNodeFlags(undefined, [], undefined), []);
});
