#!/usr/bin/env node
// Evaluation of the security stage over the labelled corpus in
// apps/security/corpus: precision, recall and false-positive rate per
// category, for the dev split, the held-out split and both.
// Usage: node bench/security-eval.mjs [--threshold 0.5] [--show-failures dev|holdout|all|<corpus file name>] [--engine DIST_DIR] [--model-path DIR] [--json]
// Needs a build first: npx tsc -b apps/security
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { loadCorpus, messagesOf, scoreResults } from '@mcpspy/security/dist/src/corpus.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const threshold = Number(opt('--threshold', '0.5'));
const show = opt('--show-failures', 'dev');
const asJson = args.includes('--json');
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
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f));
const samples = loadCorpus(files);

const results = [];
for (const sample of samples) {
  // A fresh store per sample: rug-pull and shadowing state must not leak between samples.
  const store = new MemoryStore();
  const engine = new SecurityEngine({ store, logger: silentLogger(), threshold, modelClassifier: model && { classify: (text) => model.classify(text) } });
  await engine.init();
  const alerts = [];
  for (const msg of messagesOf(sample)) alerts.push(...(await engine.analyze(msg)));
  results.push({ sample, alerts });
  await engine.close();
  await store.close();
}

const pct = (x) => (100 * x).toFixed(1).padStart(5) + '%';
const reports = {};
const subsets = {
  dev: (r) => r.sample.split === 'dev',
  holdout: (r) => r.sample.split === 'holdout',
  // Held out by hash from the first corpus, and the batch written later and pinned to the held-out split.
  'holdout-hashed': (r) => r.sample.split === 'holdout' && !r.sample.pinned,
};
// Each later batch pinned to the held-out split is reported on its own (fresh-holdout: written then tuned on; blind-holdout: never tuned on).
for (const src of [...new Set(samples.filter((s) => s.pinned).map((s) => s.source))].sort()) {
  subsets[`holdout:${src}`] = (r) => r.sample.pinned && r.sample.source === src;
}
subsets.all = () => true;
for (const [name, keep] of Object.entries(subsets)) {
  const subset = results.filter(keep);
  if (subset.length) reports[name] = scoreResults(subset);
}
if (asJson) {
  console.log(JSON.stringify({ threshold, reports }, null, 2));
  process.exit(0);
}
console.log(`security eval: ${samples.length} samples, threshold ${threshold}, detectors: offline rules (with the lexical model) + secrets + rug pull${engineDir ? ` (engine from ${engineDir})` : ''}`);
for (const [split, rep] of Object.entries(reports)) {
  console.log(`\n[${split}] ${rep.samples} samples (${rep.attacks} attacks, ${rep.benign} benign): attacks alerted ${pct(rep.attackDetection)}, benign alerted ${pct(rep.benignAlertRate)}`);
  console.log('  category           n   precision  recall     FPR');
  for (const c of rep.perCategory) {
    console.log(`  ${c.category.padEnd(17)}${String(c.positives).padStart(3)}   ${pct(c.precision)}    ${pct(c.recall)}  ${pct(c.fpr)}`);
  }
}
const failures = reports.all.failures.filter((f) => show === 'all' || f.split === show || samples.find((s) => s.id === f.id)?.source === show);
if (failures.length) {
  console.log(`\nfailures (${show} split):`);
  for (const f of failures) console.log(`  ${f.reason.padEnd(14)} ${f.id.padEnd(24)} predicted: ${f.predicted.join(',') || '-'}`);
}
