#!/usr/bin/env node
// In one process, two builds' libs/events interleaved: the publisher's form-2 line (bodyOnceJsonText, the body's
// captured text held as mcp-parser holds it) and a reader's decode of a form-2 batch (decodeBatchBytes, then the
// sink's form-1 line), µs per event over the NATS bench's events (bench/nats-bench-event.mjs). Checks first that
// both builds write the same batch bytes. No NATS, no stage: the per-event cost of the wire form's code only.
//   node bench/wire-line-ab.mjs [--a-dir /work/base] [--b-dir .] [--rounds 15] [--events 200]
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEvent } from './nats-bench-event.mjs';
import { parseArgs } from './pipeline-common.mjs';

const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const opt = parseArgs({ aDir: '/work/base', bDir: '', rounds: 15, events: 200 });
const dirs = { A: resolve(opt.aDir), B: opt.bDir ? resolve(opt.bDir) : here };
const ev = {};
for (const [k, d] of Object.entries(dirs)) ev[k] = createRequire(join(d, 'package.json'))(join(d, 'libs/events/dist/src/index.js'));
const N = Number(opt.events);
const events = Array.from({ length: N }, (_, i) => benchEvent(i + 1000));
const bodyText = new Map(events.map((x) => [x, JSON.stringify(x.params)]));
function batchOf(e) {
  const b = new e.BatchEncoder('mcpspy.v1.mcp.message', 65536, 2);
  for (const x of events) {
    e.holdJsonText(x.params, bodyText.get(x));
    b.add(e.bodyOnceJsonText(x) ?? e.eventJsonText(x));
  }
  return b.seal();
}
const batch = batchOf(ev.A);
if (Buffer.compare(batch, batchOf(ev.B)) !== 0) throw new Error('A and B write different form-2 batches');
const work = {
  'publisher line (bodyOnceJsonText)': (e) => {
    for (const x of events) {
      e.holdJsonText(x.params, bodyText.get(x));
      e.bodyOnceJsonText(x);
    }
  },
  'reader decode + form-1 line': (e) => {
    for (const l of e.decodeBatchBytes(batch).lines) if (l.ok) e.batchLineText(l);
  },
};
const res = {};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`wire-line-ab: A ${dirs.A}, B ${dirs.B}; ${opt.rounds} rounds of ${N} events; load ${load()}`);
for (let r = 0; r < opt.rounds; r++) {
  for (const [name, fn] of Object.entries(work)) {
    for (const k of r % 2 ? ['A', 'B'] : ['B', 'A']) {
      const e = ev[k];
      for (let i = 0; i < 20; i++) fn(e);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) fn(e);
      ((res[name] ??= { A: [], B: [] })[k]).push(Number(process.hrtime.bigint() - t0) / 1e3 / 200 / N);
    }
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [name, r] of Object.entries(res)) {
  console.log(`${name}: A median ${med(r.A).toFixed(3)} µs per event (min ${Math.min(...r.A).toFixed(3)}), B ${med(r.B).toFixed(3)} (min ${Math.min(...r.B).toFixed(3)}), B/A ${(med(r.B) / med(r.A)).toFixed(2)}`);
}
console.log(`load ${load()}`);
