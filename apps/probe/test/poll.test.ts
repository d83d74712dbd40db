/**
 * The adaptive drain period: the probe polls its rings every pollIntervalMs
 * while records flow, backs off to pollIdleMs after a quiet spell (an idle
 * monitor wakes less often), and returns to the short period with the first
 * records, which are captured whole.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Direction } from '@mcpspy/events';
import { Captured, NamedBinaries, run, startProbe, waitFor } from './helpers';

const bins = new NamedBinaries();
let cap: Captured | undefined;
after(async () => {
  await cap?.stop();
  bins.cleanup();
});

test('the drain backs off when the rings stay empty and comes back with the first records', async () => {
  cap = await startProbe({ comms: ['mcpt-poll'], pollIntervalMs: 10, pollIdleMs: 40 });
  // 50 empty polls at 10 ms: the period becomes the idle one.
  await waitFor(() => cap!.probe.pollPeriodMs === 40, 10_000, 'the idle period');
  const py = bins.path('mcpt-poll', '/usr/bin/python3');
  // Writes for ~1 s, 20 lines at 20-ms steps: while they flow the period is the active one.
  const script = `import os,sys,time
for i in range(50):
    os.write(1, b'{"jsonrpc":"2.0","id":%d,"method":"ping"}\\n' % i)
    time.sleep(0.02)
sys.stderr.write(f"P {os.getpid()}\\n")`;
  const periods: number[] = [];
  const sampler = setInterval(() => periods.push(cap!.probe.pollPeriodMs), 5);
  const res = await run('/bin/sh', ['-c', `"$0" -c "$1" | cat >/dev/null`, py, script], { timeoutMs: 20_000 });
  clearInterval(sampler);
  assert.equal(res.code, 0, res.stderr);
  const pid = Number(/P (\d+)/.exec(res.stderr)![1]);
  const text = () => Buffer.concat(cap!.events.filter((e) => e.pid === pid && e.direction === Direction.write).map((e) => Buffer.from(e.data))).toString();
  await waitFor(() => (text().match(/"method":"ping"/g) ?? []).length === 50, 5000, 'the 50 lines');
  for (let i = 0; i < 50; i++) assert.ok(text().includes(`"id":${i},`), `line ${i}`);
  assert.ok(periods.includes(10), 'the period came back to 10 ms while lines flowed');
  // And it backs off again once they stop.
  await waitFor(() => cap!.probe.pollPeriodMs === 40, 10_000, 'the idle period after the traffic');
});

test('an exec wakes the reader: its process event arrives long before the next timed drain', async () => {
  await cap?.stop();
  // A drain period of 2 s: without the wake-up each exec would wait for it (0–2 s; three under 500 ms by chance: ~2%).
  cap = await startProbe({ comms: ['mcpt-wake'], pollIntervalMs: 2000 });
  // Exec filenames of several lengths (not all multiples of 8: each record needs its padding to decode).
  for (const name of ['mcpt-wake', 'mcpt-wakex', 'mcpt-wakexxx']) {
    const bin = bins.path(name, '/bin/true');
    const wakes = cap.probe.processWakes;
    const t0 = performance.now();
    const res = await run(bin, []);
    assert.equal(res.code, 0, res.stderr);
    await waitFor(() => cap!.procs.some((p) => p.kind === 'exec' && p.filename === bin), 3000, `the exec of ${name}`);
    const ms = performance.now() - t0;
    assert.ok(ms < 500, `exec reported after ${ms.toFixed(0)} ms`);
    assert.ok(cap.probe.processWakes > wakes, 'counted as a wake-up');
  }
});
