import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ConfigError } from './errors';
import { lowerPriority, securityNice } from './priority';

test('securityNice: default 10, 0–19 taken as given, anything else a ConfigError naming the variable', () => {
  assert.equal(securityNice({}), 10);
  assert.equal(securityNice({ MCPSPY_SECURITY_NICE: '' }), 10);
  assert.equal(securityNice({ MCPSPY_SECURITY_NICE: '0' }), 0);
  assert.equal(securityNice({ MCPSPY_SECURITY_NICE: ' 19 ' }), 19);
  for (const bad of ['20', '-1', '5.5', 'lots']) {
    assert.throws(() => securityNice({ MCPSPY_SECURITY_NICE: bad }), (e: unknown) => e instanceof ConfigError && /MCPSPY_SECURITY_NICE/.test((e as Error).message), bad);
  }
});

test('lowerPriority(0) changes nothing', () => {
  assert.equal(lowerPriority(0), undefined);
});

test('lowerPriority raises the nice value of every thread of its process, capped at 19', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  // In a child: a niced test runner would slow the tests after it.
  const script = `
    const { lowerPriority } = require(${JSON.stringify(require.resolve('./priority'))});
    const { readdirSync, readFileSync } = require('node:fs');
    const r = lowerPriority(25);
    const nice = readdirSync('/proc/self/task').map((t) => { const s = readFileSync('/proc/self/task/' + t + '/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); });
    console.log(JSON.stringify({ r, nice }));`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const { r, nice } = JSON.parse(out.stdout) as { r: { from: number; to: number; threads: number; failed: number }; nice: number[] };
  assert.equal(r.to, 19);
  assert.equal(r.failed, 0);
  // Threads made after the call inherit the value: all of them are at 19 either way.
  assert.ok(r.threads > 1 && r.threads <= nice.length, `every thread: ${r.threads} of ${nice.length}`);
  assert.deepEqual([...new Set(nice)], [19]);
});
