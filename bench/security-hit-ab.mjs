#!/usr/bin/env node
// Security's hit path, two builds: CPU per message (both threads) of SecurityEngine.analyzeStaged, built as
// `serve security` builds it, on the NATS stack bench's events (bench/nats-bench-event.mjs: a few hundred distinct
// texts, so after two warm-up passes nearly every message is a verdict-cache hit), 64 at a time as the controller
// judges a batch. Each round runs one child per build pinned to CPU 1 (A and B alternate first); a child judges
// 3 × N fresh events (parsed from JSON, as off the wire) and prints the CPU per message of each.
//   node bench/security-hit-ab.mjs ab DIR_A DIR_B [ROUNDS 8] [N 20000]     (e.g. ab /work/base . 8 20000)
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
const [mode, ...rest] = process.argv.slice(2);
if (mode === 'child') {
  let [dir, n] = rest;
  const N = Number(n);
  dir = resolve(dir);
  const { MemoryStore, silentLogger } = await import(`${dir}/libs/runtime/dist/src/index.js`);
  const { SecurityEngine } = await import(`${dir}/apps/security/dist/src/index.js`);
  const { benchEvent } = await import(`${dir}/bench/nats-bench-event.mjs`);
  const e = new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5 });
  await e.init();
  const fresh = (from) => Array.from({ length: N }, (_, i) => JSON.parse(JSON.stringify(benchEvent(from + i))));
  const judge = async (evs) => { for (let i = 0; i < evs.length; i += 64) await Promise.all(evs.slice(i, i + 64).map((m) => e.analyzeStaged(m).then((r) => r.alerts.length))); };
  await judge(fresh(0)); await judge(fresh(0));
  const out = [];
  for (let r = 0; r < 3; r++) { const evs = fresh(N * (r + 2)); const c0 = process.cpuUsage(); await judge(evs); const c = process.cpuUsage(c0); out.push((c.user + c.system) / N); }
  console.log(JSON.stringify({ us: out, hits: e.counters.get('verdict_cache_hits'), misses: e.counters.get('verdict_cache_misses') }));
  await e.close();
} else {
  const [a, b, rounds = '8', n = '20000'] = rest.map(String);
  const res = { A: [], B: [] };
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (let r = 0; r < Number(rounds); r++) for (const w of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    const p = spawnSync('taskset', ['-c', '1', process.execPath, process.argv[1], 'child', resolve(w === 'A' ? a : b), n], { encoding: 'utf8' });
    const j = JSON.parse(p.stdout.trim().split('\n').pop());
    res[w].push(...j.us);
    console.log(`${w} round ${r + 1}: ${j.us.map((x) => x.toFixed(2)).join(' ')} µs/msg; hits ${j.hits} misses ${j.misses}`);
  }
  const med = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
  console.log(`median A ${med(res.A).toFixed(2)} B ${med(res.B).toFixed(2)} B/A ${(med(res.B) / med(res.A)).toFixed(3)}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
