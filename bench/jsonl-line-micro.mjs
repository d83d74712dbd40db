#!/usr/bin/env node
// The JSONL line of one message, in one process, interleaved variants (CPU time
// per message): (1) escaping `raw` — JSON.stringify vs a manual escaper in
// JavaScript; (2) messageToJsonl + JsonlWriter.writeLine to /dev/null as built.
// Realistic texts: pipeline-stdio's tools/call requests (quotes everywhere),
// a response with a few KB of text, and a line with non-ASCII.
//   node bench/jsonl-line-micro.mjs [--a /other/tree] [--n 200000] [--rounds 5]
// With --a, the line and write of that tree's build (A) and this one's (B), interleaved, each line checked equal.
// The line measures above take messages built beforehand (they are old by the time they are written). --fresh adds
// the monitor's case: each message is built (JSON.parse of its line, params' text held, a new timestamp) just before
// its line is made and encoded into a 1-MB chunk as JsonlWriter does, so everything it allocates dies young; the
// building alone is measured too and taken off (session 11: the line joined once instead of added piece by piece).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadAvg, parseArgs, ROOT } from './pipeline-common.mjs';
import { requestRaw } from './micro-request.mjs';

const opt = parseArgs({ n: 200_000, rounds: 5, a: '', fresh: false });
/** A build's line and writer, with the @mcpspy/events instance it holds params' texts in. */
function build(tree) {
  const req = createRequire(join(resolve(tree), 'bench/x.mjs'));
  return {
    tree,
    messageToJsonl: req(join(resolve(tree), 'apps/sink/dist/src/jsonl-format.js')).messageToJsonl,
    // As JsonlOutput writes a message: the unchecked text, checked after encoding, where the build has it.
    messageToJsonlText: req(join(resolve(tree), 'apps/sink/dist/src/jsonl-format.js')).messageToJsonlText,
    JsonlWriter: req(join(resolve(tree), 'apps/sink/dist/src/jsonl-writer.js')).JsonlWriter,
    holdJsonText: req('@mcpspy/events').holdJsonText,
  };
}
const here = build(ROOT);
const builds = opt.a ? { A: build(opt.a), B: here } : { B: here };

const texts = [];
for (let n = 0; n < 1000; n++) texts.push(requestRaw(n));
const bigText = JSON.stringify({ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: 'line of "quoted" output\\n'.repeat(150) }] } });
const uniText = JSON.stringify({ jsonrpc: '2.0', id: 10, result: { content: [{ type: 'text', text: 'Weather in Zürich: 20°C ☀ 😀 '.repeat(10) }] } });

/** A manual JSON string escaper: copies runs that need no escaping, escapes the rest as JSON.stringify does. */
const ESC = [];
for (let c = 0; c < 0x20; c++) ESC[c] = `\\u${c.toString(16).padStart(4, '0')}`;
ESC[8] = '\\b'; ESC[9] = '\\t'; ESC[10] = '\\n'; ESC[12] = '\\f'; ESC[13] = '\\r';
ESC[0x22] = '\\"'; ESC[0x5c] = '\\\\';
export function escapeManual(s) {
  let out = '"';
  let from = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && (c < 0xd800 || c > 0xdfff)) continue;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
    }
    out += s.slice(from, i) + (c < 0x80 ? ESC[c] : `\\u${c.toString(16)}`);
    from = i + 1;
  }
  return from === 0 ? `"${s}"` : out + s.slice(from) + '"';
}
const NEEDS = /["\\\u0000-\u001f\ud800-\udfff]/;
function escapeScanThenStringify(s) {
  return NEEDS.test(s) ? JSON.stringify(s) : `"${s}"`;
}

for (const t of [...texts.slice(0, 50), bigText, uniText, 'a\ud800b', '\udc00', '\u2028\u2029', '\x00\x1f\x7f']) {
  if (escapeManual(t) !== JSON.stringify(t)) throw new Error(`manual escaper differs on ${JSON.stringify(t).slice(0, 60)}`);
}

function cpuUs(fn) {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return d.user + d.system;
}
let sink = 0;
function escBench(name, f, pool) {
  return () => {
    let bytes = 0;
    for (let i = 0; i < opt.n; i++) bytes += f(pool[i % pool.length]).length;
    sink += bytes;
  };
}
const pools = { 'request raw (~300 B)': texts, 'response raw (3.8 KB, quotes)': [bigText], 'non-ASCII raw': [uniText] };
console.log(`jsonl-line-micro: ${opt.n} per measure, ${opt.rounds} rounds interleaved; load ${loadAvg()}`);
for (const [pname, pool] of Object.entries(pools)) {
  const variants = { 'JSON.stringify': JSON.stringify, manual: escapeManual, 'regex test, then stringify': escapeScanThenStringify };
  const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < opt.rounds; r++) {
    for (const [k, f] of Object.entries(variants)) res[k].push(cpuUs(escBench(k, f, pool)) / opt.n);
  }
  for (const [k, v] of Object.entries(res)) console.log(`  ${pname}: ${k.padEnd(28)} ${v.map((x) => x.toFixed(3)).join(' / ')} µs`);
}

// The whole line + its write, as the embedded sink does: params' text held by the parser (holdJsonText), strings
// from JSON.parse (not literals), one shared stdio_transport per channel, a writer to /dev/null flushed at 64 KB.
const st = { from_pid: 4242, from_comm: 'mcpaw-bench', to_pid: 4243, to_comm: 'mcpar-bench' };
const msgs = [];
for (let n = 0; n < opt.n; n++) {
  const raw = texts[n % texts.length];
  const j = JSON.parse(raw);
  msgs.push({ timestamp: new Date(1765000000000 + n).toISOString(), transport_type: 'stdio', stdio_transport: st, type: 'request', id: j.id, method: j.method, params: j.params, error: {}, raw, description: JSON.parse('"Execute a tool"'), seq: n, msg_id: `i:${n}` });
}
const paramsText = msgs.map((m) => JSON.stringify(m.params));
const lineRes = {};
for (const [name, b] of Object.entries(builds)) {
  for (const m of msgs.slice(0, 1000)) if (b.messageToJsonl(m) !== here.messageToJsonl(m)) throw new Error(`${name}: lines differ`);
  lineRes[`${name} messageToJsonl`] = [];
  lineRes[`${name} messageToJsonl + writeLine`] = [];
}
const held = (b) => cpuUs(() => { for (let i = 0; i < opt.n; i++) b.holdJsonText(msgs[i].params, paramsText[i]); });
for (let r = 0; r < opt.rounds; r++) {
  const order = r % 2 === 0 ? Object.entries(builds) : Object.entries(builds).reverse();
  for (const [name, b] of order) {
    const base = held(b);
    lineRes[`${name} messageToJsonl`].push((cpuUs(() => { for (let i = 0; i < opt.n; i++) { b.holdJsonText(msgs[i].params, paramsText[i]); sink += b.messageToJsonl(msgs[i]).length; } }) - base) / opt.n);
    const w = new b.JsonlWriter({ path: '/dev/null', flushMs: 1000, force: true });
    w.open();
    const put = b.messageToJsonlText && w.writeJsonText ? (m) => w.writeJsonText(b.messageToJsonlText(m)) : (m) => w.writeLine(b.messageToJsonl(m));
    lineRes[`${name} messageToJsonl + writeLine`].push((cpuUs(() => { for (let i = 0; i < opt.n; i++) { b.holdJsonText(msgs[i].params, paramsText[i]); put(msgs[i]); } w.flush(); }) - base) / opt.n);
    w.close();
  }
}
const med = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
for (const [k, v] of Object.entries(lineRes)) console.log(`  line: ${k.padEnd(34)} ${v.map((x) => x.toFixed(3)).join(' / ')} µs, median ${med(v).toFixed(3)}`);
if (opt.a) for (const k of ['messageToJsonl', 'messageToJsonl + writeLine']) console.log(`  ${k}: B/A ${(med(lineRes[`B ${k}`]) / med(lineRes[`A ${k}`])).toFixed(2)}`);

if (opt.fresh === true || opt.fresh === 'true') {
  const fresh = (b, n) => {
    const raw = texts[n % texts.length];
    const j = JSON.parse(raw);
    b?.holdJsonText(j.params, raw.slice(raw.indexOf('"params":') + 9, -1));
    return { timestamp: new Date(1765000000000 + n).toISOString(), transport_type: 'stdio', stdio_transport: st, type: 'request', id: j.id, method: j.method, params: j.params, error: {}, raw, description: 'Execute a tool', seq: n, msg_id: `i:${n}` };
  };
  const chunk = Buffer.allocUnsafe(1 << 20);
  let off = 0;
  const freshRes = { build: [] };
  for (const name of Object.keys(builds)) freshRes[name] = [];
  for (let r = 0; r < opt.rounds; r++) {
    const order = r % 2 === 0 ? Object.entries(builds) : Object.entries(builds).reverse();
    for (const [name, b] of order) {
      freshRes[name].push(cpuUs(() => {
        for (let i = 0; i < opt.n; i++) {
          const text = b.messageToJsonlText(fresh(b, i));
          if (off > chunk.length - 65536) off = 0;
          off += chunk.write(text, off, 'utf8');
        }
      }) / opt.n);
    }
    freshRes.build.push(cpuUs(() => { for (let i = 0; i < opt.n; i++) sink += fresh(here, i).seq; }) / opt.n);
  }
  const b = med(freshRes.build);
  for (const [k, v] of Object.entries(freshRes)) {
    console.log(`  fresh: ${(k === 'build' ? 'building the message alone' : `${k} build + line + encode`).padEnd(34)} ${v.map((x) => x.toFixed(3)).join(' / ')} µs, median ${med(v).toFixed(3)}${k === 'build' ? '' : `, line + encode ${(med(v) - b).toFixed(3)}`}`);
  }
  if (opt.a) console.log(`  fresh line + encode: B/A ${((med(freshRes.B) - b) / (med(freshRes.A) - b)).toFixed(2)}`);
}
console.log(`load ${loadAvg()} (${sink > 0 ? 'ok' : ''})`);
