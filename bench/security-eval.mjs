#!/usr/bin/env node
// Evaluation of the security stage over the labelled corpus in
// apps/security/corpus: precision, recall and false-positive rate per
// category, for the dev split, the held-out split and both.
// Usage: node bench/security-eval.mjs [--threshold 0.5] [--exclude CORPUS_FILE[,…]] [--files PATH[,…]] [--no-public] [--show-failures dev|holdout|all|none|<corpus file name>] [--engine DIST_DIR] [--previous DIST_DIR] [--data DATA_DIR] [--model-path DIR] [--json] [--in-thread]
// --previous judges every set with another build too and prints previous → this; --data holds the
// public sets (bench/security-public-sets.mjs; default /work/data/security or $MCPSPY_SECURITY_DATA).
// --files judges these JSONL files (corpus format, e.g. apps/security/training/writer-a.jsonl) instead of the corpus
// folder and reports each file on its own ([file:<name>]) and all of them together; failures are then listed only for
// the file names given to --show-failures (default none), so a check set can be run for its aggregate figures alone.
// --no-public leaves the public sets out (a faster run when only --files matter).
// Needs a build first: npx tsc -b apps/security
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { loadCorpus, messagesOf, scoreResults } from '@mcpspy/security/dist/src/corpus.js';
import { loadPublicSets } from './security-public-sets.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const threshold = Number(opt('--threshold', '0.5'));
const fileList = opt('--files', '').split(',').filter(Boolean).map((f) => resolve(f));
const show = opt('--show-failures', fileList.length ? 'none' : 'dev');
const asJson = args.includes('--json');
// --in-thread: rules and secret patterns on this thread (offlineWorker false), not on a worker thread started for each
// sample's fresh engine. The same verdicts (no per-message budget), several times faster on a loaded machine.
const inThread = args.includes('--in-thread');
// --engine DIR: judge with another build of apps/security (its dist directory), e.g. the version before a change.
const engineDir = opt('--engine', undefined);
const { SecurityEngine } = engineDir ? createRequire(resolve(engineDir, 'src', 'index.js'))(resolve(engineDir, 'src', 'index.js')) : current;
// --model-path DIR: add a local ONNX classifier (loaded once, shared by the per-sample engines).
const modelPath = opt('--model-path', undefined);
let model;
if (modelPath) {
  model = new current.OnnxClassifier(modelPath, { threads: Number(process.env.MCPSPY_SECURITY_MODEL_THREADS ?? 1) });
  await model.init();
}

const dir = new URL('../apps/security/corpus/', import.meta.url).pathname;
// --exclude NAME[,NAME]: leave corpus files out (e.g. a blind batch that must not be looked at before its one measurement).
const excluded = new Set(opt('--exclude', '').split(',').filter(Boolean).map((n) => n.replace(/\.jsonl$/, '')));
const files = fileList.length ? fileList : readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !excluded.has(f.replace(/\.jsonl$/, ''))).map((f) => join(dir, f));
const samples = loadCorpus(files);
// --data DIR: the public sets (outside the repository); --previous DIR: a previous build judged beside this one.
const dataDir = opt('--data', process.env.MCPSPY_SECURITY_DATA ?? '/work/data/security');
const publicSets = !args.includes('--no-public') && existsSync(dataDir) ? loadPublicSets(dataDir) : {};
const previousDir = opt('--previous', undefined);
const load = (d) => createRequire(resolve(d, 'src', 'index.js'))(resolve(d, 'src', 'index.js')).SecurityEngine;

/** Every alert with any score (threshold 0.01), so any operating point can be read off afterwards. */
async function judge(Engine, messages) {
  // A fresh store per sample: rug-pull, shadowing and flow state must not leak between samples.
  const store = new MemoryStore();
  const engine = new Engine({ store, logger: silentLogger(), threshold: 0.01, modelClassifier: model && { classify: (text) => model.classify(text) }, ...(inThread ? { offlineWorker: false } : {}) });
  await engine.init();
  const alerts = [];
  for (const msg of messages) alerts.push(...(await engine.analyze(msg)));
  await engine.close();
  await store.close();
  return alerts;
}
async function runAll(Engine) {
  const corpus = [];
  for (const sample of samples) corpus.push({ sample, all: await judge(Engine, messagesOf(sample)) });
  const pub = {};
  for (const [name, items] of Object.entries(publicSets)) {
    pub[name] = [];
    for (const item of items) pub[name].push({ item, all: await judge(Engine, item.messages) });
  }
  return { corpus, pub };
}
const at = (rs, t) => rs.map((r) => ({ ...r, alerts: r.all.filter((a) => a.score >= t) }));
const maxScore = (r) => r.all.reduce((m, a) => Math.max(m, a.score), 0);

const now = await runAll(SecurityEngine);
const prev = previousDir ? await runAll(load(previousDir)) : undefined;

const pct = (x) => (x === undefined || Number.isNaN(x) ? '   -  ' : (100 * x).toFixed(1).padStart(5) + '%');
const both = (a, b) => (prev ? `${pct(a)} → ${pct(b)}` : pct(b));
const reports = {};
const subsets = fileList.length ? {} : {
  dev: (r) => r.sample.split === 'dev',
  holdout: (r) => r.sample.split === 'holdout',
  // Held out by hash from the first corpus, and the batch written later and pinned to the held-out split.
  'holdout-hashed': (r) => r.sample.split === 'holdout' && !r.sample.pinned,
};
// Each later batch pinned to the held-out split is reported on its own (fresh-holdout, blind-holdout: written then tuned on; blind2, blind3: never tuned on but their misses were listed once; blind4: written after round 3's tuning, measured once; blind2..blind6: their misses chose round 5's rules; blind7: written before round 5's work, measured once at its end, tuned on in round 6; blind8: written before round 6's work, measured once at its end).
for (const src of [...new Set(samples.filter((s) => s.pinned).map((s) => s.source))].sort()) {
  subsets[`holdout:${src}`] = (r) => r.sample.pinned && r.sample.source === src;
}
// With --files: each file on its own (one writer per file in apps/security/training).
if (fileList.length) for (const src of [...new Set(samples.map((s) => s.source))].sort()) subsets[`file:${src}`] = (r) => r.sample.source === src;
subsets.all = () => true;
for (const [name, keep] of Object.entries(subsets)) {
  const subset = at(now.corpus.filter(keep), threshold);
  if (!subset.length) continue;
  reports[name] = scoreResults(subset);
  if (prev) reports[name].previous = scoreResults(at(prev.corpus.filter(keep), threshold));
}

/** Attacks alerted / benign alerted (any category) per group of a public set. */
function publicReport(rs, t) {
  const groups = {};
  for (const r of at(rs, t)) {
    for (const g of ['(all)', r.item.group]) {
      groups[g] ??= { attacks: 0, caught: 0, benign: 0, alerted: 0 };
      if (r.item.attack) (groups[g].attacks++, r.alerts.length && groups[g].caught++);
      else (groups[g].benign++, r.alerts.length && groups[g].alerted++);
    }
  }
  for (const g of Object.values(groups)) (g.recall = g.attacks ? g.caught / g.attacks : undefined), (g.fpr = g.benign ? g.alerted / g.benign : undefined);
  return groups;
}
const publicReports = {};
for (const name of Object.keys(now.pub)) publicReports[name] = { now: publicReport(now.pub[name], threshold), previous: prev && publicReport(prev.pub[name], threshold) };

/** Precision / recall / FPR of "any alert" as the threshold moves: the curve and where the operating point sits on it. */
function curve(rs) {
  const pts = [];
  for (const t of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) {
    let tp = 0, fn = 0, fp = 0, tn = 0;
    for (const r of rs) {
      const hit = maxScore(r) >= t;
      if (r.attack) hit ? tp++ : fn++;
      else hit ? fp++ : tn++;
    }
    pts.push({ t, recall: tp + fn ? tp / (tp + fn) : undefined, fpr: fp + tn ? fp / (fp + tn) : undefined, precision: tp + fp ? tp / (tp + fp) : undefined });
  }
  return pts;
}
const asCurveRows = (run) => ({
  'corpus, blind2..blind5': run.corpus.filter((r) => /^blind[2345]-holdout$/.test(r.sample.source)).map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind6 (round 4, measured once)': run.corpus.filter((r) => r.sample.source === 'blind6-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind2..blind6 (tuned on in round 5)': run.corpus.filter((r) => /^blind[23456]-holdout$/.test(r.sample.source)).map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind7 (round 5, written first, measured once, tuned on in round 6)': run.corpus.filter((r) => r.sample.source === 'blind7-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind8 (round 6, written first, measured once, tuned on in round 7)': run.corpus.filter((r) => r.sample.source === 'blind8-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind9 (round 7, written first, measured once, tuned on in round 8)': run.corpus.filter((r) => r.sample.source === 'blind9-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind10 (round 8, written first, never tuned on, measured once)': run.corpus.filter((r) => r.sample.source === 'blind10-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind14 (session 9, written first by an independent helper, never tuned on, measured once)': run.corpus.filter((r) => r.sample.source === 'blind14-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind15 (session 10, written first by an independent helper, never tuned on, measured once)': run.corpus.filter((r) => r.sample.source === 'blind15-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind16 (session 10, written first by an independent helper, never tuned on, measured once)': run.corpus.filter((r) => r.sample.source === 'blind16-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, blind17 (session 11, written first by an independent helper, never tuned on, measured once)': run.corpus.filter((r) => r.sample.source === 'blind17-holdout').map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  'corpus, all': run.corpus.map((r) => ({ ...r, attack: r.sample.label !== 'benign' })),
  ...Object.fromEntries(Object.entries(run.pub).map(([k, rs]) => [`public: ${k}`, rs.map((r) => ({ ...r, attack: r.item.attack }))])),
});
const curves = Object.fromEntries(Object.entries(asCurveRows(now)).filter(([, rs]) => rs.length).map(([k, rs]) => [k, curve(rs)]));
const prevCurves = prev ? Object.fromEntries(Object.entries(asCurveRows(prev)).map(([k, rs]) => [k, curve(rs)])) : undefined;

if (asJson) {
  console.log(JSON.stringify({ threshold, reports, publicReports, curves, prevCurves }, null, 2));
  process.exit(0);
}
console.log(`security eval: ${samples.length} corpus samples${Object.keys(publicSets).length ? ` + public sets from ${dataDir}` : ''}, threshold ${threshold}${prev ? `; figures are previous (${previousDir}) → this build` : ''}${engineDir ? ` (engine from ${engineDir})` : ''}`);
console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('\n(a) our corpus');
for (const [split, rep] of Object.entries(reports)) {
  const p = rep.previous;
  console.log(`\n[${split}] ${rep.samples} samples (${rep.attacks} attacks, ${rep.benign} benign): attacks alerted ${both(p?.attackDetection, rep.attackDetection)}, benign alerted ${both(p?.benignAlertRate, rep.benignAlertRate)}`);
  console.log('  category           n   recall' + (prev ? '              ' : '   ') + '  FPR' + (prev ? '                 ' : '      ') + 'precision');
  rep.perCategory.forEach((c, i) => {
    const q = p?.perCategory[i];
    console.log(`  ${c.category.padEnd(17)}${String(c.positives).padStart(3)}   ${both(q?.recall, c.recall)}   ${both(q?.fpr, c.fpr)}   ${pct(c.precision)}`);
  });
}
for (const [name, r] of Object.entries(publicReports)) {
  const label = name === 'mcp-servers' ? '(c) real MCP tool descriptions (false positives only)' : `(b) held-out public data, never trained or tuned on: ${name}`;
  console.log(`\n${label}`);
  console.log('  group                         attacks  recall' + (prev ? '              ' : '   ') + '  benign  alerted');
  for (const [g, x] of Object.entries(r.now).sort((a, b) => (a[0] === '(all)' ? -1 : b[0] === '(all)' ? 1 : a[0].localeCompare(b[0])))) {
    const y = r.previous?.[g];
    console.log(`  ${g.padEnd(30)}${String(x.attacks).padStart(6)}  ${both(y?.recall, x.recall)}  ${String(x.benign).padStart(6)}  ${both(y?.fpr, x.fpr)}`);
  }
}
console.log('\nprecision / recall / FPR of "any alert" by threshold (operating point: ' + threshold + ')');
for (const [name, pts] of Object.entries(curves)) {
  console.log(`  ${name}`);
  pts.forEach((pt, i) => {
    const q = prevCurves?.[name]?.[i];
    const mark = Math.abs(pt.t - threshold) < 1e-9 ? ' <= operating point' : '';
    console.log(`    t=${pt.t.toFixed(1)}  recall ${both(q?.recall, pt.recall)}  FPR ${both(q?.fpr, pt.fpr)}  precision ${both(q?.precision, pt.precision)}${mark}`);
  });
}
const shown = new Set(show.split(','));
const failures = reports.all.failures.filter((f) => (!fileList.length && (show === 'all' || f.split === show)) || shown.has(samples.find((s) => s.id === f.id)?.source));
if (failures.length && show !== 'none') {
  console.log(`\nfailures (${show} split):`);
  for (const f of failures) console.log(`  ${f.reason.padEnd(14)} ${f.id.padEnd(24)} predicted: ${f.predicted.join(',') || '-'}`);
}
