#!/usr/bin/env node
// How soon a library opened late gets its TLS uprobes: from just before a
// process dlopens a fresh copy of libssl (new inode, so no earlier attach
// counts) to the moment that process sees int3 at SSL_write in its own memory
// (bench/fixtures/tls-attach-probe.py polls the byte). Two builds of the
// embedded monitor, interleaved (A, B, A, B, ...), --tries per round; prints
// median / p90 / max per build, the misses (no attach within --limit ms) and
// the load. Needs root and both trees built.
//   node bench/tls-attach-latency.mjs --a /work/main [--b .] [--rounds 2] [--tries 30] [--limit 2000]
//     [--a-env "VAR=v ..."] [--b-env "VAR=v ..."] [--gap 0]
// --gap MS: a quiet spell before each try (with an idle back-off, the drain period after a quiet spell matters).
// --align: the copy's path length a multiple of 8 (builds before session 8 dropped the openat report of any other
// length: a record decoded without its padding), so such a build is measured on its drain, not on that defect.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fmt, loadAvg, namedLink, parseArgs, percentiles, requireRoot, ROOT, scratchDir, sleep, startEmbedded, uniqueTag } from './pipeline-common.mjs';

const opt = parseArgs({ a: '', b: ROOT, rounds: 2, tries: 30, limit: 2000, aEnv: '', bEnv: '', gap: 0, align: false });
requireRoot();
if (!opt.a) throw new Error('--a TREE is required (a copy of another build, e.g. main)');
const envOf = (spec) => Object.fromEntries(String(spec).split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const sides = {
  A: { bin: join(resolve(opt.a), 'bin/mcpspy.js'), env: envOf(opt.aEnv), lat: [], missed: 0, dlopen: [] },
  B: { bin: join(resolve(opt.b), 'bin/mcpspy.js'), env: envOf(opt.bEnv), lat: [], missed: 0, dlopen: [] },
};
const dir = scratchDir('bench-tls-attach');
const comm = `mcpat-${uniqueTag()}`;
const py = namedLink(dir, '/usr/bin/python3', comm);
const script = join(ROOT, 'bench/fixtures/tls-attach-probe.py');
console.log(`tls-attach-latency: A=${sides.A.bin} ${opt.aEnv}\n                    B=${sides.B.bin} ${opt.bEnv}\n  ${opt.rounds} rounds × ${opt.tries} tries, gap ${opt.gap} ms${opt.align ? ', paths 8-aligned' : ''}; load ${loadAvg()}`);

let copy = 0;
try {
  for (let r = 0; r < opt.rounds; r++) {
    for (const which of ['A', 'B']) {
      const s = sides[which];
      const saved = Object.fromEntries(Object.keys(s.env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, s.env);
      let mon;
      try {
        mon = await startEmbedded({ output: join(dir, `out-${which}-${r}.jsonl`), comms: [comm], bin: s.bin });
      } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
      const lat = [];
      try {
        await sleep(1000);
        for (let t = 0; t < opt.tries; t++) {
          if (opt.gap > 0) await sleep(opt.gap);
          let d = join(dir, `lib${copy++}`);
          while (opt.align && `${d}/libssl.so.3`.length % 8 !== 0) d += 'x';
          mkdirSync(d);
          const lib = join(d, 'libssl.so.3');
          copyFileSync('/usr/lib/x86_64-linux-gnu/libssl.so.3', lib);
          const out = execFileSync(py, [script, lib, String(opt.limit)], { encoding: 'utf8' });
          rmSync(d, { recursive: true, force: true });
          const m = /^A (\S+) D (\d+)/.exec(out);
          if (!m) throw new Error(`unexpected output: ${out}`);
          s.dlopen.push(Number(m[2]) / 1000);
          if (m[1] === '-') s.missed++;
          else lat.push(Number(m[1]) / 1000);
        }
      } finally {
        await mon.stop(20_000);
      }
      s.lat.push(...lat);
      const p = percentiles(lat);
      console.log(`  round ${r + 1} ${which}: median ${fmt(p.p50, 2)} ms, max ${fmt(Math.max(...lat), 2)} ms over ${lat.length}; load ${loadAvg()}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const which of ['A', 'B']) {
  const s = sides[which];
  const sorted = [...s.lat].sort((x, y) => x - y);
  const q = (f) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
  console.log(
    `${which}: ${sorted.length} attached, ${s.missed} missed (> ${opt.limit} ms); from dlopen start to int3: median ${fmt(q(0.5), 2)} ms, p90 ${fmt(q(0.9), 2)} ms, max ${fmt(sorted.at(-1), 2)} ms (min ${fmt(sorted[0], 2)}); dlopen itself median ${fmt([...s.dlopen].sort((x, y) => x - y)[s.dlopen.length >> 1], 2)} ms`,
  );
}
console.log(`load ${loadAvg()}`);
