#!/usr/bin/env node
// False alarms of the whole offline engine on large pools of real benign text that no rule was written against:
// e-mails, package READMEs, Debian docs, MCP servers' docs, product system prompts and guard prompts. Each file is cut
// into ~1 KB chunks, each chunk is served as a tool result (and, for prompts, as a prompts/get message), and the
// share of chunks with any alert ≥ the threshold is counted per pool and per category, this build beside another.
// Usage: node bench/security-benign-sweep.mjs [--data DIR] [--per-pool 400] [--previous DIST_DIR] [--threshold 0.5] [--show N] [--half A|B] [--pools WORD] [--exclude …] [--encoder]
// --half A keeps the even chunks of each pool, B the odd ones (tune on A, check on B); --pools keeps the pools whose name has WORD.
// The prompts pool is judged twice: as a tool result (text an agent reads as data) and as a prompts/get message (the
// surface a prompt is served on, where it speaks to the model by design). --exclude is accepted and ignored (the
// sweep reads no corpus file), so one set of flags serves every detection bench.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { walkTextFiles } from './text-files.mjs';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { encoderEngineOptions } from './encoder-option.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => (args.indexOf(n) >= 0 ? args[args.indexOf(n) + 1] : d);
const data = opt('--data', process.env.MCPSPY_SECURITY_DATA ?? '/work/data/security');
const perPool = Number(opt('--per-pool', '400'));
const threshold = Number(opt('--threshold', '0.5'));
const show = Number(opt('--show', '0'));
const previousDir = opt('--previous', undefined);
const half = opt('--half', undefined);
const poolWord = opt('--pools', undefined);

const POOLS = {
  'e-mails (python-email)': ['python-email'],
  'package READMEs (npm-docs)': ['npm-docs'],
  'Debian docs': ['debian-docs'],
  'MCP servers docs': ['modelcontextprotocol+servers', 'github+github-mcp-server', 'microsoft+playwright-mcp', 'grafana+mcp-grafana', 'hashicorp+terraform-mcp-server', 'mongodb-js+mongodb-mcp-server'],
  'system and guard prompts (TheBigPromptLibrary)': ['0xeb+TheBigPromptLibrary/SystemPrompts', '0xeb+TheBigPromptLibrary/CustomInstructions', '0xeb+TheBigPromptLibrary/Security'],
};
function chunksOf(text) {
  const out = [];
  let cur = '';
  for (const para of text.split(/\n\s*\n/)) {
    if (cur.length + para.length > 1100 && cur.length >= 200) (out.push(cur), (cur = ''));
    cur += (cur ? '\n\n' : '') + para;
  }
  if (cur.trim().length >= 80) out.push(cur);
  return out.map((c) => c.slice(0, 4000));
}
/** A deterministic spread: every k-th chunk over the pool, at most perPool. */
function pool(dirs) {
  const all = [];
  for (const d of dirs) for (const f of walkTextFiles(join(data, d))) for (const c of chunksOf(readFileSync(f, 'utf8'))) if (/[a-z]{3}/i.test(c) && !c.includes('\u0000')) all.push({ file: f.slice(data.length + 1), text: c });
  const step = Math.max(1, Math.floor(all.length / perPool));
  const spread = all.filter((_, i) => i % step === 0).slice(0, perPool);
  return half ? spread.filter((_, i) => i % 2 === (half === 'B' ? 1 : 0)) : spread;
}
let seq = 0;
const prompt = (text) => ({ timestamp: '2025-02-11T09:00:00.000Z', transport_type: 'stdio', stdio_transport: { from_pid: 4100, from_comm: 'mcp-server', to_pid: 4000, to_comm: 'claude' }, type: 'response', id: ++seq, result: { messages: [{ role: 'user', content: { type: 'text', text } }] }, error: {}, request: { type: 'request', id: seq, method: 'prompts/get', params: { name: 'sweep' }, error: {} }, raw: '', msg_id: `sweep:${seq}` });
const msg = (text) => ({ timestamp: '2025-02-11T09:00:00.000Z', transport_type: 'stdio', stdio_transport: { from_pid: 4100, from_comm: 'mcp-server', to_pid: 4000, to_comm: 'claude' }, type: 'response', id: ++seq, result: { content: [{ type: 'text', text }], isError: false }, error: {}, request: { type: 'request', id: seq, method: 'tools/call', params: {}, error: {} }, raw: '', msg_id: `sweep:${seq}` });
// --encoder: this build with the pretrained sentence encoder (encoder-option.mjs); the share of chunks whose window
// opens the encoder's gate is printed per pool.
const encoderOpts = await encoderEngineOptions(current, args);
const gate = { open: 0, closed: 0 };
async function judge(Engine, text, build = msg) {
  const store = new MemoryStore();
  const e = new Engine({ store, logger: silentLogger(), threshold, ...(Engine === current.SecurityEngine ? encoderOpts : {}) });
  await e.init();
  const a = await e.analyze(build(text));
  gate.open += e.counters.get('encoder_windows');
  gate.closed += e.counters.get('encoder_gate_closed');
  await e.close();
  await store.close();
  return a;
}
const load = (d) => createRequire(resolve(d, 'src', 'index.js'))(resolve(d, 'src', 'index.js')).SecurityEngine;
const engines = [['this build', current.SecurityEngine], ...(previousDir ? [[previousDir, load(previousDir)]] : [])];
console.log(`benign sweep, threshold ${threshold}, up to ${perPool} chunks per pool${half ? `, half ${half}` : ''}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
const runs = Object.entries(POOLS).flatMap(([name, dirs]) => (name.includes('prompts') ? [[name, dirs, msg], [`${name}, as prompts/get messages`, dirs, prompt]] : [[name, dirs, msg]]));
for (const [name, dirs, build] of runs) {
  if (poolWord && !name.includes(poolWord)) continue;
  const items = pool(dirs);
  if (!items.length) continue;
  const row = [];
  gate.open = gate.closed = 0;
  for (const [label, Engine] of engines) {
    const cats = {};
    let any = 0;
    const shown = [];
    for (const it of items) {
      const alerts = await judge(Engine, it.text, build);
      if (alerts.length) any++;
      for (const c of new Set(alerts.map((a) => a.category))) cats[c] = (cats[c] ?? 0) + 1;
      if (alerts.length && shown.length < show && label === 'this build') shown.push(`    ${it.file}: ${alerts.map((a) => `${a.category} ${a.score} [${a.evidence.map((e) => e.rule).join(',')}]`).join('; ')} :: ${JSON.stringify(it.text.slice(0, 160))}`);
    }
    row.push(`${label}: ${any}/${items.length} alerted (${((100 * any) / items.length).toFixed(1)}%) ${JSON.stringify(cats)}`);
    if (shown.length) row.push(...shown);
  }
  if (gate.open + gate.closed) row.push(`encoder gate open on ${gate.open}/${gate.open + gate.closed} chunks (${((100 * gate.open) / (gate.open + gate.closed)).toFixed(1)}%)`);
  console.log(`\n${name}\n  ${row.join('\n  ')}`);
}
