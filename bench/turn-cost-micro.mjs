#!/usr/bin/env node
// What a turn of the event loop costs on this machine, apart from the monitor: a plain Node process wakes on a
// timer every 10 ms (as the probe's drain does) and handles k small JSON-RPC messages (parse, keep, one line
// out), for k in --ks. Prints CPU per turn and per message (process.cpuUsage). The second table: an idle process
// (a 40-ms timer, the idle drain) with and without perf_hooks.monitorEventLoopDelay at each --resolutions (prom-client's
// event-loop lag gauges use one, 10 ms by default). No root, no BPF.
//   node bench/turn-cost-micro.mjs [--seconds 4] [--ks 0,1,10,100] [--resolutions 0,10,100] [--rounds 2]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadAvg, parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ seconds: 4, ks: '0,1,10,100', resolutions: '0,10,100', rounds: 2, child: '' });
const seconds = Number(opt.seconds);

if (opt.child) {
  // One idle child: a 40-ms timer, with the lag monitor at this resolution (0 = none).
  const r = Number(opt.child);
  if (r > 0) monitorEventLoopDelay({ resolution: r }).enable();
  const c0 = process.cpuUsage();
  const t0 = Date.now();
  const tick = () => {
    if (Date.now() - t0 < seconds * 1000) setTimeout(tick, 40);
    else {
      const c = process.cpuUsage(c0);
      console.log(JSON.stringify({ cpu: (c.user + c.system) / 1e6 / seconds }));
    }
  };
  setTimeout(tick, 40);
} else {
  const text = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_file', arguments: { path: '/srv/data/report.txt', sent_us: 123456789 } } });
  const kept = new Map();
  const one = (i) => {
    const o = JSON.parse(text);
    o.id = i;
    kept.set(i % 1000, o);
    return JSON.stringify({ timestamp: new Date(1_796_619_914_639 + i).toISOString(), type: 'request', method: o.method, params: o.params }).length;
  };
  let out = 0;
  for (let i = 0; i < 20_000; i++) out += one(i); // compiled before the first round
  const turns = (k) =>
    new Promise((resolve) => {
      const c0 = process.cpuUsage();
      const end = Date.now() + seconds * 1000;
      let n = 0;
      let t = 0;
      const tick = () => {
        for (let j = 0; j < k; j++) out += one(n++);
        t++;
        if (Date.now() < end) setTimeout(tick, 10);
        else {
          const c = process.cpuUsage(c0);
          resolve({ k, turns: t, us: c.user + c.system });
        }
      };
      setTimeout(tick, 10);
    });
  console.log(`turn-cost-micro: ${seconds} s per step, load ${loadAvg()}`);
  const ks = String(opt.ks).split(',').map(Number);
  for (let round = 0; round < opt.rounds; round++) {
    for (const k of ks) {
      const r = await turns(k);
      console.log(`  k=${String(k).padStart(3)} messages per 10-ms turn: ${r.turns} turns, ${(r.us / r.turns).toFixed(1)} µs CPU per turn${k ? `, ${(r.us / (r.turns * k)).toFixed(2)} µs per message` : ''}, ${(r.us / seconds / 1e4).toFixed(2)}% of a core`);
    }
  }
  const self = fileURLToPath(import.meta.url);
  for (let round = 0; round < opt.rounds; round++) {
    for (const res of String(opt.resolutions).split(',').map(Number)) {
      const p = spawnSync(process.execPath, [self, '--child', String(res), '--seconds', String(seconds)], { encoding: 'utf8' });
      const { cpu } = JSON.parse(p.stdout.trim().split('\n').pop());
      console.log(`  idle process, 40-ms timer, event-loop lag monitor ${res > 0 ? `every ${res} ms` : 'off'}: ${(cpu * 100).toFixed(2)}% of a core`);
    }
  }
  console.log(`load ${loadAvg()} (${out > 0 ? 'done' : ''})`);
}
