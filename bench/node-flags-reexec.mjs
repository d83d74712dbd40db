#!/usr/bin/env node
// What the launcher's re-exec costs at start (apps/cli/src/node-flags.ts): `node bin/mcpspy.js serve sink` with
// MCPSPY_PRINT_NODE_FLAGS=1 (the launcher applies the role's flags, prints them and exits before the command's
// code) started without the flag (one re-exec) and with it on node's command line (none), interleaved; wall ms
// from spawn to exit, medians and the difference (what a re-exec adds to a stage's start).
//   node bench/node-flags-reexec.mjs [--rounds 20] [--stage sink]
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAvg, parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ rounds: 20, stage: 'sink' });
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'mcpspy.js');
const env = { ...process.env, MCPSPY_PRINT_NODE_FLAGS: '1' };
delete env.NODE_OPTIONS;
const first = spawnSync(process.execPath, [bin, 'serve', opt.stage], { env, encoding: 'utf8' });
const flags = JSON.parse(first.stdout).execArgv;
const kinds = { reexec: [], direct: flags };
const runs = { reexec: [], direct: [] };
console.log(`node-flags-reexec: serve ${opt.stage}, table flags ${flags.join(' ') || '(none)'}; ${opt.rounds} rounds; load ${loadAvg()}`);
for (let r = 0; r < opt.rounds; r++) {
  for (const k of r % 2 ? ['direct', 'reexec'] : ['reexec', 'direct']) {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [...kinds[k], bin, 'serve', opt.stage], { env, encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 0 || JSON.parse(res.stdout).execArgv.join(' ') !== flags.join(' ')) throw new Error(`${k}: ${res.stdout} ${res.stderr}`);
    runs[k].push(wall);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`wall ms to the launcher's report: re-exec median ${med(runs.reexec).toFixed(1)} (min ${Math.min(...runs.reexec).toFixed(1)}), direct median ${med(runs.direct).toFixed(1)} (min ${Math.min(...runs.direct).toFixed(1)}); re-exec costs ${(med(runs.reexec) - med(runs.direct)).toFixed(1)} ms at start; load ${loadAvg()}`);
