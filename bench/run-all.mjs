#!/usr/bin/env node
// Runs every benchmark in bench/ with short settings, one after the other
// (they would disturb each other's figures if run together), and prints one
// summary: the pipeline benches' figures beside their targets, and the
// headline lines of the component benches. Benchmarks report, they do not
// pass or fail: the exit code is 0 unless a bench could not run at all.
// Needs root (probe and pipeline benches) and a build (`npm run build`, `make -C bpf`).
//   node bench/run-all.mjs [--seconds 12] [--only a,b] [--skip a,b] [--log DIR]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, loadAvg, parseArgs, ROOT } from './pipeline-common.mjs';

const opt = parseArgs({ seconds: 12, only: '', skip: '', log: '' });
const s = opt.seconds;

// headline: which lines of a component bench's output go into the summary.
const BENCHES = [
  { name: 'probe-pipe', args: ['1', String(s), '1'], root: true, headline: /^(no monitor|probe, selected|probe, filtered|strace|empty tracepoint)|^10k lines\/s/ },
  { name: 'http-session', args: [String(Math.min(s, 5))], headline: /messages\/s|chunked response/ },
  { name: 'mcp-parser', args: ['50000'], headline: /msg\/s/ },
  { name: 'security-offline', args: ['--seconds', '1'], headline: /^(texts|typical|alert|analyze|tools|target)|per second|p50|p99/i },
  { name: 'security-eval', args: [], headline: /attacks alerted/ },
  { name: 'pipeline-stdio', args: ['--seconds', String(s)], root: true },
  { name: 'pipeline-stdio-nats', file: 'pipeline-stdio', args: ['--seconds', String(Math.min(s, 10)), '--mode', 'nats'], root: true },
  { name: 'pipeline-big', args: [], root: true },
  { name: 'pipeline-slow-sink', args: ['--seconds', String(s)], root: true },
];

const only = opt.only ? opt.only.split(',') : undefined;
const skip = opt.skip ? opt.skip.split(',') : [];
const selected = BENCHES.filter((b) => (!only || only.includes(b.name)) && !skip.includes(b.name));
const isRoot = process.getuid?.() === 0;
if (opt.log) mkdirSync(opt.log, { recursive: true });

function run(b) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const load = loadAvg();
    const child = spawn(process.execPath, [join(ROOT, 'bench', `${b.file ?? b.name}.mjs`), ...b.args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    // A hung bench must not hold the others up.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (opt.log) writeFileSync(join(opt.log, `${b.name}.log`), out);
      resolve({ code: code ?? signal, out, wallS: (performance.now() - t0) / 1000, load });
    });
  });
}

const ms = (v) => (Number.isFinite(v) ? `${fmt(v, v < 100 ? 1 : 0)} ms` : '-');
// Figures of the pipeline benches, from their BENCH_RESULT line.
function pipelineRows(r) {
  const yes = (b) => (b ? 'yes' : 'NO');
  switch (r.bench) {
    case 'pipeline-stdio-embedded':
    case 'pipeline-stdio-nats':
      return [
        ['captured / sent', `${fmt(r.captured)} / ${fmt(r.sent)} (missing ${fmt(r.missing)})`, 'all'],
        ['probe drops ringbuf_full / lost_bytes / batches_dropped', `${fmt(r.ringbuf_full)} / ${fmt(r.lost_bytes)} / ${fmt(r.batches_dropped)}`, 'counted'],
        ['write->line p50 / p95 / p99 / max', `${ms(r.p50)} / ${ms(r.p95)} / ${ms(r.p99)} / ${ms(r.max)}`, `p99 <= ${r.p99Target} ms`],
        ['RSS max / mean', `${fmt(r.rssMaxMb)} / ${fmt(r.rssMeanMb)} MB`, '<= 300 MB'],
        ['CPU', `${fmt(r.cpuPercent, 1)} % of a core`, ''],
      ];
    case 'pipeline-big':
      return [
        ['stdio 10 MB: captured, intact, write->line', `${yes(r.stdio.captured)}, ${yes(r.stdio.intact)}, ${ms(r.stdio.writeToLineMs)}`, 'intact'],
        ['https 10 MB: captured, intact, write->line', `${yes(r.https.captured)}, ${yes(r.https.intact)}, ${ms(r.https.writeToLineMs)}`, 'intact'],
        ['RSS max', `${fmt(r.rssMaxMb)} MB`, '<= 300 MB'],
      ];
    case 'pipeline-slow-sink':
      return [
        ['sent / reached the reader / lost', `${fmt(r.sent)} / ${fmt(r.drained)} / ${fmt(r.lost)}`, 'losses counted'],
        ['probe ringbuf_full / lost_bytes / batches_dropped', `${fmt(r.ringbuf_full)} / ${fmt(r.lost_bytes)} / ${fmt(r.batches_dropped)}`, 'counted'],
        ['RSS idle / max slow phase / growth', `${fmt(r.idleRssMb)} / ${fmt(r.slowRssMaxMb)} MB / ${fmt(r.rssGrowthMbPerS, 1)} MB/s`, 'bounded'],
        ['/metrics unanswered while stalled', `${r.scrapesFailed} of ${r.scrapesTried}`, '0'],
      ];
    default:
      return [['result', JSON.stringify(r).slice(0, 200), '']];
  }
}

const summary = [];
const started = new Date().toISOString();
for (const b of selected) {
  if (b.root && !isRoot) {
    summary.push({ bench: b.name, rows: [['skipped', 'needs root', '']] });
    continue;
  }
  console.log(`\n=== ${b.name} ${b.args.join(' ')} (load ${loadAvg()})`);
  const r = await run(b);
  const rows = [];
  const results = [...r.out.matchAll(/^BENCH_RESULT (.*)$/gm)].map((m) => JSON.parse(m[1]));
  for (const res of results) rows.push(...pipelineRows(res));
  if (b.headline) {
    for (const line of r.out.split('\n')) if (b.headline.test(line.trim())) rows.push([line.trim(), '', '']);
  }
  if (r.code !== 0) rows.push(['exit', String(r.code), '0']);
  rows.push(['wall time, load average at start', `${fmt(r.wallS)} s, ${r.load}`, '']);
  summary.push({ bench: b.name, rows });
}

console.log(`\n\n==== mcpspy benchmarks, ${started}, ${fmt(opt.seconds)} s settings, ${(await import('node:os')).cpus().length} vCPU, node ${process.version}`);
for (const { bench, rows } of summary) {
  console.log(`\n[${bench}]`);
  const w0 = Math.max(...rows.map((r) => (r[1] ? r[0].length : 0)), 10);
  for (const [what, measured, target] of rows) {
    if (!measured) console.log(`  ${what}`);
    else console.log(`  ${what.padEnd(w0)}  ${measured}${target ? `   (target ${target})` : ''}`);
  }
}
const failed = summary.filter((x) => x.rows.some((r) => r[0] === 'exit'));
process.exitCode = failed.length ? 1 : 0;
