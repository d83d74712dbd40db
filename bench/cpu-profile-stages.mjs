#!/usr/bin/env node
// The busy time of an embedded monitor's `--cpu-prof` profile split by pipeline step, in µs per message: each sample's
// self time goes to the innermost frame on its stack that belongs to a known step (by the compiled file's name, a few
// by function), so a native leaf (JSON.parse, a Buffer write, the write(2) copy) counts for the step that called it.
// Samples with no known frame are GC, `(program)`, timers/immediates of Node itself, or "other".
//   node bench/cpu-profile-stages.mjs FILE.cpuprofile --messages N [--from-fn parseJsonRpcText] [--top 8]
//   node bench/cpu-profile-stages.mjs FILE.heapprofile --messages N: the same split of the bytes a sampling heap profile
//     saw allocated (bench/heap-sample.cjs preloaded into the monitor keeps the objects young collections freed),
//     in bytes per message; the whole run, start-up included.
// --messages: messages in the window (e.g. pipeline-stdio's "lines captured"); the table divides by it.
// --top: per step, its largest self-time functions.
import { readFileSync } from 'node:fs';
import { parseArgs } from './pipeline-common.mjs';

const file = process.argv[2];
if (!file || file.startsWith('--')) throw new Error('usage: cpu-profile-stages.mjs FILE.cpuprofile --messages N');
const opt = parseArgs({ messages: 0, fromFn: 'parseJsonRpcText', top: 6 });
const messages = Number(opt.messages);
if (!(messages > 0)) throw new Error('--messages N is required');

// Step of a frame: function overrides first (name@file), then the file.
const BY_FN = new Map([
  ['writeSync@fs', 'sink: JSONL write(2)'],
  ['writeAll@jsonl-writer', 'sink: JSONL write(2)'],
  ['parseJsonRpcText@jsonrpc', 'parser: JSON-RPC parse (JSON.parse, depth scan)'],
  ['holdCapturedText@jsonrpc', 'parser: captured-text proof (params text kept)'],
  ['remember@request-pairing', 'parser: pairing (remember: key, value, index)'],
  ['requestValue@request-pairing', 'parser: pairing (remember: key, value, index)'],
  ['onPollTimer@probe', 'probe: drain (timer, rings)'],
  ['poll@probe', 'probe: drain (timer, rings)'],
  ['onRingRecord@probe', 'probe: record decode + batching'],
]);
const BY_FILE = new Map([
  ['jsonl-format', 'sink: JSONL line text (field order, stringify of raw)'],
  ['jsonl-writer', 'sink: JSONL line encode (Buffer.write, safety check)'],
  ['jsonl.output', 'sink: JSONL line encode (Buffer.write, safety check)'],
  ['metrics.output', 'sink: metrics output'],
  ['sink-engine', 'sink: engine (outputs, verdict gate)'],
  ['sink.controller', 'sink: engine (outputs, verdict gate)'],
  ['verdict-gate', 'sink: engine (outputs, verdict gate)'],
  ['fd-queue', 'sink: JSONL write(2)'],
  ['jsonrpc', 'parser: JSON-RPC parse (JSON.parse, depth scan)'],
  ['captured-text', 'parser: captured-text proof (params text kept)'],
  ['request-pairing', 'parser: pairing (remember: key, value, index)'],
  ['pending-index', 'parser: pairing (remember: key, value, index)'],
  ['string-slab', 'parser: pairing (remember: key, value, index)'],
  ['flat-key', 'parser: pairing (remember: key, value, index)'],
  ['message-builder', 'parser: event objects (message, timestamp)'],
  ['message-output', 'parser: event objects (message, timestamp)'],
  ['raw.events', 'parser: event objects (message, timestamp)'],
  ['conversations', 'parser: event objects (message, timestamp)'],
  ['mcp-meta', 'parser: event objects (message, timestamp)'],
  ['notices', 'parser: event objects (message, timestamp)'],
  ['stdio-channels', 'parser: stdio reassembly (channels, line split)'],
  ['ndjson-splitter', 'parser: stdio reassembly (channels, line split)'],
  ['mcp-parser.engine', 'parser: stdio reassembly (channels, line split)'],
  ['mcp-parser.controller', 'bus hop probe -> parser (batch decode, dispatch)'],
  ['raw-codec', 'bus hop probe -> parser (batch decode, dispatch)'],
  ['in-process.bus', 'bus: in-process dispatch'],
  ['serial-queue', 'bus: in-process dispatch'],
  ['bus.server', 'bus: in-process dispatch'],
  ['direct-handlers', 'bus: in-process dispatch'],
  ['publish-tracker', 'bus: in-process dispatch'],
  ['mcp-parser.module', 'bus: in-process dispatch'],
  ['validation', 'validation'],
  ['fast-validation', 'validation'],
  ['counters', 'counters / metrics registry'],
  ['metrics', 'counters / metrics registry'],
  ['probe', 'probe: record decode + batching'],
  ['probe.service', 'probe: record decode + batching'],
  ['raw-batcher', 'probe: record decode + batching'],
  ['ringbuf-reader', 'probe: drain (timer, rings)'],
  ['ring-wake', 'probe: drain (timer, rings)'],
  ['libbpf.ffi', 'probe: drain (timer, rings)'],
  ['process-table', 'probe: host process events (exec/exit, TLS scan)'],
  ['tls-targets', 'probe: host process events (exec/exit, TLS scan)'],
  ['tls-discovery', 'probe: host process events (exec/exit, TLS scan)'],
  ['elf-symbols', 'probe: host process events (exec/exit, TLS scan)'],
  ['boringssl-finder', 'probe: host process events (exec/exit, TLS scan)'],
  ['go-symbols', 'probe: host process events (exec/exit, TLS scan)'],
  ['tls-coverage', 'probe: host process events (exec/exit, TLS scan)'],
  ['security.controller', 'security'],
  ['engine', 'security'],
  ['http-session.engine', 'http-session'],
]);
// Functions in the probe's file that are host process events rather than the data path.
const PROBE_PROC = new Set(['drainProcessEvents', 'onProcessRecord', 'onExec', 'onExit']);

const prof = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map((prof.nodes ?? []).map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of prof.nodes ?? []) for (const c of n.children ?? []) parentOf.set(c, n.id);
const base = (url) => {
  const f = url.split('/').pop() ?? '';
  return f.endsWith('.js') ? f.slice(0, -3) : f;
};
function stepOfFrame(cf) {
  const b = base(cf.url);
  const fnKey = `${cf.functionName}@${b.startsWith('node:') ? b.slice(5) : b === '' && cf.url.startsWith('node:') ? cf.url.slice(5) : b}`;
  if (BY_FN.has(fnKey)) return BY_FN.get(fnKey);
  if (cf.url === 'node:fs' && cf.functionName === 'writeSync') return 'sink: JSONL write(2)';
  if (b === 'probe' && PROBE_PROC.has(cf.functionName)) return 'probe: host process events (exec/exit, TLS scan)';
  if (!cf.url.includes('/dist/')) return undefined;
  return BY_FILE.get(b);
}
const stepCache = new Map();
if (prof.head) {
  heapProfile(prof);
  process.exit(0);
}
function stepOf(id) {
  if (stepCache.has(id)) return stepCache.get(id);
  const leaf = nodes.get(id).callFrame.functionName;
  let s;
  if (leaf === '(garbage collector)') s = 'GC (main thread)';
  else if (leaf === '(program)') s = '(program): V8/libuv outside JS';
  else {
    for (let i = id; i !== undefined && s === undefined; i = parentOf.get(i)) s = stepOfFrame(nodes.get(i).callFrame);
    s ??= 'other (Node timers/immediates, microtasks, ...)';
  }
  stepCache.set(id, s);
  return s;
}

const at = [];
let t = prof.startTime;
for (const d of prof.timeDeltas) at.push((t += d));
const onStack = (id) => {
  for (let i = id; i !== undefined; i = parentOf.get(i)) if (nodes.get(i).callFrame.functionName === opt.fromFn) return true;
  return false;
};
const first = prof.samples.findIndex(onStack);
const last = prof.samples.findLastIndex(onStack);
if (first < 0 || last <= first) throw new Error('no sample in the window');
const steps = new Map();
const fns = new Map();
let busy = 0;
for (let i = first; i < last; i++) {
  const dt = at[i + 1] - at[i];
  const n = nodes.get(prof.samples[i]);
  if (n.callFrame.functionName === '(idle)') continue;
  busy += dt;
  const s = stepOf(prof.samples[i]);
  steps.set(s, (steps.get(s) ?? 0) + dt);
  const key = `${s}\u0000${n.callFrame.functionName || '(anonymous)'} ${base(n.callFrame.url) || n.callFrame.url}`;
  fns.set(key, (fns.get(key) ?? 0) + dt);
}
const win = (at[last] - at[first]) / 1e6;
console.log(`${file}\nwindow ${win.toFixed(2)} s, busy ${(busy / 1e3).toFixed(1)} ms = ${((busy / 1e4) / win).toFixed(2)}% of one core; ${messages} messages: ${(busy / messages).toFixed(2)} µs per message (main thread, profiled)`);
console.log('| step | µs per message | share | largest self times (µs per message) |\n| --- | --- | --- | --- |');
for (const [s, us] of [...steps].sort((a, b) => b[1] - a[1])) {
  const top = [...fns].filter(([k]) => k.startsWith(`${s}\u0000`)).sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))
    .map(([k, v]) => `${k.split('\u0000')[1]} ${(v / messages).toFixed(2)}`).join('; ');
  console.log(`| ${s} | ${(us / messages).toFixed(2)} | ${((100 * us) / busy).toFixed(1)}% | ${top} |`);
}

/** A sampling heap profile (`HeapProfiler.stopSampling`'s profile): bytes allocated per message, by step. */
function heapProfile(p) {
  const steps = new Map();
  const fns = new Map();
  let total = 0;
  const walk = (n, stack) => {
    const here = [...stack, n.callFrame];
    if (n.selfSize > 0) {
      total += n.selfSize;
      let s;
      for (let i = here.length - 1; i >= 0 && s === undefined; i--) s = stepOfFrame(here[i]);
      // A module's top level (line 1 of its file) runs once, at start-up.
      if (s === undefined || here.some((cf) => cf.lineNumber === 0 && cf.functionName === '' && cf.url.includes('/dist/'))) s = s === undefined ? 'other' : s;
      steps.set(s, (steps.get(s) ?? 0) + n.selfSize);
      const cf = [...here].reverse().find((f) => f.url.includes('/dist/')) ?? n.callFrame;
      const key = `${s}\u0000${cf.functionName || '(anonymous)'} ${base(cf.url)}`;
      fns.set(key, (fns.get(key) ?? 0) + n.selfSize);
    }
    for (const c of n.children ?? []) walk(c, here);
  };
  walk(p.head, []);
  console.log(`${file}\nsampled allocations ${(total / 1e6).toFixed(1)} MB = ${(total / messages).toFixed(0)} bytes per message (the whole run)`);
  console.log('| step | bytes per message | share | largest (innermost monitor function) |\n| --- | --- | --- | --- |');
  for (const [s, b] of [...steps].sort((x, y) => y[1] - x[1])) {
    const top = [...fns].filter(([k]) => k.startsWith(`${s}\u0000`)).sort((x, y) => y[1] - x[1]).slice(0, Number(opt.top))
      .map(([k, v]) => `${k.split('\u0000')[1]} ${(v / messages).toFixed(0)}`).join('; ');
    console.log(`| ${s} | ${(b / messages).toFixed(0)} | ${((100 * b) / total).toFixed(1)}% | ${top} |`);
  }
}
