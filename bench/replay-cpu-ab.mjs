#!/usr/bin/env node
// CPU time of two builds replaying one capture: `mcpspy replay CAP -q -o FILE` of tree A and tree B, interleaved
// A B, B A, ... each pinned to CPU 1; user + system time of the whole process (start-up included) from
// /usr/bin/time, divided by the lines it wrote; max RSS. No root and no BPF (the probe's records come from the
// capture), and no real-time pacing: the replay runs as fast as its CPU lets it, so the figure is CPU work per
// message without the live monitor's waits. Record a capture with `--record FILE` on a live monitor, e.g.
//   flock /tmp/mcpspy-e2e.lock node bench/cpu-ab.mjs --a . --b . --b-extra=--record=/tmp/cap.mcpspy --rounds 1
//   node bench/replay-cpu-ab.mjs /tmp/cap.mcpspy --a /work/base [--b .] [--rounds 6]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAvg, parseArgs } from './pipeline-common.mjs';

const cap = process.argv[2];
if (!cap || cap.startsWith('--')) throw new Error('usage: replay-cpu-ab.mjs CAPTURE --a TREE [--b TREE] [--rounds 6]');
const opt = parseArgs({ a: '', b: '.', rounds: 6 });
if (!opt.a) throw new Error('--a TREE is required');
const dir = mkdtempSync(join(tmpdir(), 'mcpspy-replay-ab-'));
const out = join(dir, 'out.jsonl');

function run(tree) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', 'taskset', '-c', '1', process.execPath, join(resolve(tree), 'bin/mcpspy.js'), 'replay', cap, '-q', '-o', out, '--log-level', 'error'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`replay failed (${r.status}): ${r.stderr.slice(-1000)}`);
  const [user, sys, maxKb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  const lines = readFileSync(out, 'latin1').split('\n').length - 1;
  return { cpu: user + sys, lines, rssMb: maxKb / 1024 };
}

console.log(`replay-cpu-ab: ${cap}; A ${resolve(opt.a)}, B ${resolve(opt.b)}, ${opt.rounds} rounds interleaved; load ${loadAvg()}`);
const per = { A: [], B: [] };
for (let i = 0; i < Number(opt.rounds); i++) {
  for (const w of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const r = run(w === 'A' ? opt.a : opt.b);
    const us = (r.cpu * 1e6) / r.lines;
    per[w].push(us);
    console.log(`  ${w} round ${i + 1}: ${r.cpu.toFixed(2)} CPU-s for ${r.lines} lines = ${us.toFixed(1)} µs per line, max RSS ${r.rssMb.toFixed(0)} MB, load ${loadAvg()}`);
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const [ma, mb] = [median(per.A), median(per.B)];
console.log(`median µs per line: A ${ma.toFixed(1)}, B ${mb.toFixed(1)}, B/A ${(mb / ma).toFixed(2)}; load ${loadAvg()}`);
