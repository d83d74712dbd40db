#!/usr/bin/env node
// The sink's Prometheus output per request message (McpMetricsOutput.message: methodOf, targetOf, the label strings
// and the request's pending count), two builds in one process, interleaved rounds, CPU ns per message. Each message
// is built just before (JSON.parse of a stdio bench request, as the monitor has it); building alone is measured too
// and taken off. The two builds' request counters must read the same.
//   node bench/metrics-output-micro.mjs --a /other/tree [--b .] [--rounds 8] [--n 100000]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadAvg, parseArgs, ROOT } from './pipeline-common.mjs';
import { requestRaw } from './micro-request.mjs';

const opt = parseArgs({ a: '', b: ROOT, rounds: 8, n: 100_000 });
if (!opt.a) throw new Error('--a TREE is required');
function build(tree) {
  const req = createRequire(join(resolve(tree), 'bench/x.mjs'));
  const { Registry } = req('prom-client');
  const { McpMetricsOutput } = req(join(resolve(tree), 'apps/sink/dist/src/outputs/metrics.output.js'));
  const registry = new Registry();
  return { out: new McpMetricsOutput({ registry }), registry };
}
const builds = { A: build(opt.a), B: build(opt.b) };
const texts = [];
for (let n = 0; n < 1000; n++) texts.push(requestRaw(n));
const make = (i) => {
  const raw = texts[i % texts.length];
  const v = JSON.parse(raw);
  return { timestamp: '2026-12-07T08:00:00.000Z', transport_type: 'stdio', type: 'request', id: v.id, method: v.method, params: v.params, error: {}, raw, seq: i };
};
const cpuNs = (fn) => {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / opt.n;
};
let sink = 0;
const res = { A: [], B: [], build: [] };
console.log(`metrics-output-micro: ${opt.n} requests per measure, ${opt.rounds} rounds interleaved; load ${loadAvg()}`);
for (let r = 0; r < opt.rounds; r++) {
  for (const name of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) res[name].push(cpuNs(() => { for (let i = 0; i < opt.n; i++) builds[name].out.message(make(i)); }));
  res.build.push(cpuNs(() => { for (let i = 0; i < opt.n; i++) sink += make(i).seq; }));
}
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
for (const [k, v] of Object.entries(res)) console.log(`  ${k.padEnd(6)} ${v.map((x) => x.toFixed(0)).join(' / ')} ns, median ${med(v).toFixed(0)}`);
const a = med(res.A) - med(res.build);
const b = med(res.B) - med(res.build);
console.log(`  message() alone: A ${a.toFixed(0)} ns, B ${b.toFixed(0)} ns, B/A ${(b / a).toFixed(2)}`);
const [ta, tb] = await Promise.all(['A', 'B'].map((k) => builds[k].registry.getSingleMetricAsString('mcpspy_mcp_requests_total')));
console.log(`  request counters ${ta === tb ? 'the same' : 'DIFFER'}; load ${loadAvg()} (${sink > 0 ? 'ok' : ''})`);
