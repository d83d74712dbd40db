#!/usr/bin/env node
// The classifier's category head (session 10, train17). The local classifier (classifier.ts) says "attack-like" but
// not which kind; alone, its finding was named prompt_injection (tool_poisoning in definitions), so a jailbreak or an
// exfiltration it caught counted in the wrong category. This trains a small softmax head over the classifier's own
// hashed features (folded to --bits buckets) on the writers' labelled attacks (apps/security/training/*.jsonl, one
// file per writer), to name the category of a classifier finding — never to decide whether there is one.
//
// Usage: node bench/security-train-category.mjs [--training DIR] [--bits 12] [--epochs 15] [--loo] [--write]
//          [--leave-out writer-a,…] [--weights-dist DIST_DIR]
//   --loo           leave one writer out: for each writer, the head trained on the others names that writer's attacks;
//                   prints the share named right (its label or one of its `also` labels) per category, pooled.
//   --groups 'a,g,m,s;b,h,n,t;…'  with --loo: leave a group of writers out instead (a bare letter x is writer-x),
//                   as bench/security-writers-loo.mjs --groups does; writers in no group are not judged.
//   --write         writes apps/security/src/classifier-category-weights.ts (head trained on every writer file).
//   --weights-dist  writes the compiled head into a copy of apps/security/dist (an experiment, with --leave-out).
// Build first: npx tsc -b apps/security. No BPF, no lock needed. Deterministic (seeded order).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const req = createRequire(import.meta.url);
const { prepareText, featuresOf } = req('@mcpspy/security/dist/src/classifier.js');
const { loadTrainingFolder } = req('@mcpspy/security/dist/src/training-folder.js');
const { CATEGORY_LABELS } = req('@mcpspy/security/dist/src/classifier.js');

const TRAINING = opt('--training', new URL('../apps/security/training/', import.meta.url).pathname);
const BITS = Number(opt('--bits', '12'));
const EPOCHS = Number(opt('--epochs', '15'));
// --keep D: another category is named only when its score leads prompt_injection's by D or more (a stricter point).
const KEEP = Number(opt('--keep', '0'));
const MASK = (1 << BITS) - 1;
const CATS = CATEGORY_LABELS;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// One row per sample: the texts its messages carry (as the classifier reads them), folded features, label(s).
const folder = loadTrainingFolder(TRAINING);
const buf = new Int32Array(1 << 18);
const bySample = new Map();
for (const r of folder.rows) {
  if (!CATS.includes(r.label)) continue;
  const key = `${r.writer}\u0000${r.id}`;
  const s = bySample.get(key) ?? { writer: r.writer, y: CATS.indexOf(r.label), texts: [] };
  s.texts.push(r.text);
  bySample.set(key, s);
}
const rows = [...bySample.values()].map((s) => {
  const t = prepareText(s.texts.join('\n'));
  const k = featuresOf(t, 0, t.length, buf);
  return { writer: s.writer, y: s.y, xs: [...new Set(Array.from(buf.subarray(0, k), (f) => f & MASK))] };
});
// `also` labels (a sample that is both, e.g. data_leak and exfiltration) count as named right in the LOO figures.
const also = new Map();
for (const file of folder.writers) {
  for (const line of readFileSync(join(TRAINING, `${file}.jsonl`), 'utf8').split('\n')) {
    try {
      const s = JSON.parse(line);
      if (Array.isArray(s.also)) also.set(`${file}\u0000${s.id}`, s.also);
    } catch {
      // (a line that is not JSON: the folder loader skipped it too)
    }
  }
}
[...bySample.keys()].forEach((key, i) => (rows[i].ok = new Set([CATS[rows[i].y], ...(also.get(key) ?? [])].map((c) => CATS.indexOf(c)))));

/** Softmax regression by SGD, features scaled by 1/sqrt(n) as the detector does; seeded order. */
function train(data) {
  const W = CATS.map(() => new Float64Array(MASK + 1));
  const b = new Float64Array(CATS.length);
  let seed = 17;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const order = data.map((_, i) => i);
  for (let ep = 0; ep < EPOCHS; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const lr = 0.2 / (1 + ep);
    for (const i of order) {
      const r = data[i];
      const sc = 1 / Math.sqrt(r.xs.length || 1);
      const z = CATS.map((_, c) => b[c] + r.xs.reduce((a, f) => a + W[c][f], 0) * sc);
      const mx = Math.max(...z);
      const e = z.map((v) => Math.exp(v - mx));
      const sum = e.reduce((a, v) => a + v, 0);
      for (let c = 0; c < CATS.length; c++) {
        const g = e[c] / sum - (c === r.y ? 1 : 0);
        b[c] -= lr * g;
        for (const f of r.xs) W[c][f] -= lr * (g * sc + 1e-5 * W[c][f]);
      }
    }
  }
  return { W, b };
}
/** int8 per category, one scale for all (the detector decodes the same way). */
function quantize({ W, b }) {
  let max = 0;
  for (const w of W) for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = max / 127 || 1;
  const q = new Int8Array(CATS.length * (MASK + 1));
  W.forEach((w, c) => w.forEach((v, f) => (q[c * (MASK + 1) + f] = Math.max(-127, Math.min(127, Math.round(v / scale))))));
  return { bits: BITS, labels: CATS, keep: KEEP, bias: Array.from(b, (v) => Math.round(v * 1e6) / 1e6), scale: Number(scale.toExponential(6)), weights: Buffer.from(q.buffer).toString('base64') };
}
const predict = (data, r, keep = data.keep) => {
  const q = Buffer.from(data.weights, 'base64');
  const s = new Int8Array(q.buffer, q.byteOffset, q.length);
  const sc = 1 / Math.sqrt(r.xs.length || 1);
  let best = 0, bv = -Infinity, pi = -Infinity;
  for (let c = 0; c < CATS.length; c++) {
    let v = 0;
    for (const f of r.xs) v += s[c * (MASK + 1) + f];
    v = data.bias[c] + v * data.scale * sc;
    if (c === 0) pi = v;
    if (v > bv) [bv, best] = [v, c];
  }
  return bv - pi < keep ? 0 : best;
};

console.log(`category head: ${rows.length} attacks of ${folder.writers.length} writer files (${CATS.map((c, i) => `${c} ${rows.filter((r) => r.y === i).length}`).join(', ')}), ${BITS} bits, ${EPOCHS} epochs; load ${load()}`);
if (args.includes('--loo')) {
  const KEEPS = [...new Set([KEEP, 0, 0.5, 1, 2])].sort((a, b) => a - b);
  const tot = Object.fromEntries(KEEPS.map((k) => [k, CATS.map(() => ({ n: 0, ok: 0, pi: 0 }))]));
  const groups = opt('--groups')
    ? opt('--groups').split(';').map((g) => g.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (/^[a-z]{1,2}$/.test(x) ? `writer-${x}` : x.replace(/\.jsonl$/, '')))).filter((g) => g.length)
    : folder.writers.map((w) => [w]);
  const unknown = groups.flat().filter((w) => !folder.writers.includes(w));
  if (unknown.length) {
    console.error(`--groups: no file for ${unknown.join(', ')}`);
    process.exit(2);
  }
  for (const g of groups) {
    const head = quantize(train(rows.filter((r) => !g.includes(r.writer))));
    for (const r of rows.filter((x) => g.includes(x.writer))) {
      for (const k of KEEPS) {
        const t = tot[k][r.y];
        t.n++;
        if (r.ok.has(predict(head, r, k))) t.ok++;
        if (r.ok.has(0)) t.pi++;
      }
    }
  }
  const pct = (k, m) => `${((100 * k) / m).toFixed(1)}%`;
  for (const k of KEEPS) {
    const n = tot[k].reduce((a, t) => a + t.n, 0);
    console.log(`leave one ${opt('--groups') ? 'group of writers' : 'writer'} out, --keep ${k}: attacks named right ${pct(tot[k].reduce((a, t) => a + t.ok, 0), n)} (always prompt_injection: ${pct(tot[k].reduce((a, t) => a + t.pi, 0), n)}); ${CATS.map((c, i) => `${c} ${pct(tot[k][i].ok, tot[k][i].n)}`).join(', ')}`);
  }
  console.log(`(load ${load()})`);
}
const leaveOut = opt('--leave-out', '').split(',').filter(Boolean);
if (args.includes('--write') && leaveOut.length) {
  console.error('--write ships the head trained on every writer file: --leave-out is an experiment (use --weights-dist)');
  process.exit(2);
}
if (args.includes('--write') || opt('--weights-dist')) {
  const head = quantize(train(rows.filter((r) => !leaveOut.includes(r.writer))));
  const header = `// Generated by bench/security-train-category.mjs (${rows.filter((r) => !leaveOut.includes(r.writer)).length} labelled attacks of the writers' files${leaveOut.length ? `, without ${leaveOut.join(', ')}` : ''}; ${BITS} bits, ${EPOCHS} epochs). Sources: apps/security/model-sources.json. Do not edit.\n/* eslint-disable */\n`;
  const value = JSON.stringify(head);
  if (opt('--weights-dist')) {
    const js = `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.CATEGORY_DATA = void 0;\n${header}exports.CATEGORY_DATA = ${value};\n`;
    writeFileSync(join(opt('--weights-dist'), 'src', 'classifier-category-weights.js'), js);
    console.log(`wrote the head to ${join(opt('--weights-dist'), 'src', 'classifier-category-weights.js')}`);
  }
  if (args.includes('--write')) {
    const body = `${header}export const CATEGORY_DATA = ${value};\n`;
    writeFileSync(new URL('../apps/security/src/classifier-category-weights.ts', import.meta.url), body);
    console.log(`wrote apps/security/src/classifier-category-weights.ts (${(body.length / 1024).toFixed(0)} KB)`);
  }
}
