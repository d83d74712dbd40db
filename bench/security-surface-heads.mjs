#!/usr/bin/env node
// Round 17 (an experiment, nothing wired): would a head trained for one weak category on one surface of MCP traffic
// help the whole detector on writers it never saw?
// For each group of writers (--groups, as bench/security-writers-loo.mjs) it trains the surface head without the group
// (bench/security-train-classifier.mjs --surface-head LABEL:CONTEXT --leave-out GROUP), then on the group's texts of
// that surface compares
//   - the classifier alone, ROC AUC of LABEL texts against benign texts of the same surface: the binary classifier
//     trained without the group (read from the LOO bench's work folder, --loo-work) against the surface head;
//   - the whole detector (the LOO bench's per-sample alerts, --loo-json, column --col): own-category recall of the
//     group's LABEL samples and benign samples of the surface alerted, before and after letting the head alert alone
//     above each point of --points (never on a window of fewer than 20 words, as the classifier's own rule);
// pooled over the groups. The head trained on every writer is also run on the real MCP tool descriptions of
// modelcontextprotocol/servers (bench/security-public-sets.mjs 'mcp-servers'; never trained on) for its false positives.
//
// Usage: node bench/security-surface-heads.mjs --groups 'a,h,…;…' --loo-work DIR --loo-json FILE [--col loo]
//          [--head tool_poisoning:definition] [--points 0.99,0.997] [--data DIR] [--work DIR]
// Build first: npx tsc -b apps/security. No BPF, no lock.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadPublicSets } from './security-public-sets.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const root = new URL('..', import.meta.url).pathname;
const req = createRequire(import.meta.url);
const { decodeModel, prepareText, scorePrepared } = req('@mcpspy/security/dist/src/classifier.js');
const { loadTrainingFolder } = req('@mcpspy/security/dist/src/training-folder.js');
const { extractTexts, subjectOf } = req('@mcpspy/security');
const DATA = opt('--data', '/work/data/train16');
const WORK = resolve(opt('--work', '/tmp/mcpspy-surface-heads'));
const LOO_WORK = opt('--loo-work') && resolve(opt('--loo-work'));
const COL = opt('--col', 'loo');
const [LABEL, CTX] = opt('--head', 'tool_poisoning:definition').split(':');
const POINTS = opt('--points', '0.99,0.997').split(',').map(Number);
const TRAINING = join(root, 'apps/security/training');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const GROUPS = opt('--groups').split(';').map((g) => g.split(',').map((x) => `writer-${x.trim()}`));
const groupName = (g) => g.map((w) => w.replace(/^writer-/, '')).join('');
const looJson = opt('--loo-json') ? JSON.parse(readFileSync(opt('--loo-json'), 'utf8')) : null;

const modelOf = (file, name) => decodeModel(req(file)[name]);
/** Strongest window of a text: calibrated p and the window's word count. */
function best(m, text) {
  const t = prepareText(text);
  const s = scorePrepared(m, t);
  return { p: s.p, words: t.slice(s.start, s.end).match(/[\p{L}\p{N}]+/gu)?.length ?? 0 };
}
function auc(pos, neg) {
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
}
function trainHead(name, leaveOut) {
  const dir = join(WORK, `${LABEL}-${CTX}`, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  const file = join(dir, 'src', 'classifier-surface-weights.js');
  if (!args.includes('--skip-train') || !existsSync(file)) {
    execFileSync(process.execPath, [join(root, 'bench/security-train-classifier.mjs'), DATA, '--surface-head', `${LABEL}:${CTX}`, '--weights-dist', dir, ...(leaveOut ? ['--leave-out', leaveOut.join(',')] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  }
  return modelOf(file, 'SURFACE_DATA');
}

const pooled = { pos: { n: 0, right: 0, add: POINTS.map(() => 0), addBin: POINTS.map(() => 0) }, neg: { n: 0, any: 0, add: POINTS.map(() => 0), addBin: POINTS.map(() => 0) }, aucBin: [[], []], aucHead: [[], []] };
console.log(`surface head ${LABEL} on ${CTX}; whole detector column '${COL}' of ${opt('--loo-json') ?? '(none)'}; load ${load()}`);
for (const g of GROUPS) {
  const t0 = Date.now();
  const head = trainHead(`without-${groupName(g)}`, g);
  const binFile = LOO_WORK ? join(LOO_WORK, `without-${groupName(g)}`, 'dist', 'src', 'classifier-weights.js') : null;
  const bin = binFile && existsSync(binFile) ? modelOf(binFile, 'CLASSIFIER_DATA') : null;
  const held = loadTrainingFolder(TRAINING, { leaveOut: g }).heldOut.filter((r) => r.context === CTX && (r.label === LABEL || r.label === 'benign'));
  // One sample may carry several texts of the surface: it scores as its strongest.
  const bySample = new Map();
  for (const r of held) {
    const h = best(head, r.text);
    const b = bin ? best(bin, r.text) : { p: NaN, words: 0 };
    const cur = bySample.get(r.id) ?? { writer: r.writer, label: r.label, head: { p: 0, words: 0 }, binBest: { p: 0, words: 0 }, bin: 0 };
    if (h.p > cur.head.p) cur.head = h;
    if (b.p > cur.binBest.p) cur.binBest = b;
    cur.bin = Math.max(cur.bin, b.p);
    bySample.set(r.id, cur);
  }
  const pos = [...bySample.values()].filter((s) => s.label === LABEL);
  const neg = [...bySample.values()].filter((s) => s.label === 'benign');
  const row = { pos: { n: 0, right: 0, add: POINTS.map(() => 0), addBin: POINTS.map(() => 0) }, neg: { n: 0, any: 0, add: POINTS.map(() => 0), addBin: POINTS.map(() => 0) } };
  for (const [id, s] of bySample) {
    const alerts = looJson?.results?.[s.writer]?.[COL]?.samples?.[id] ?? [];
    const cats = alerts.map((d) => d.split(':')[0]);
    if (s.label === LABEL) {
      const right = cats.includes(LABEL);
      row.pos.n++;
      if (right) row.pos.right++;
      POINTS.forEach((pt, k) => { if (!right && s.head.p >= pt && s.head.words >= 20) row.pos.add[k]++; });
      POINTS.forEach((pt, k) => { if (!right && s.binBest.p >= pt && s.binBest.words >= 20) row.pos.addBin[k]++; });
    } else {
      const any = cats.length > 0;
      row.neg.n++;
      if (any) row.neg.any++;
      POINTS.forEach((pt, k) => { if (!any && s.head.p >= pt && s.head.words >= 20) row.neg.add[k]++; });
      POINTS.forEach((pt, k) => { if (!any && s.binBest.p >= pt && s.binBest.words >= 20) row.neg.addBin[k]++; });
    }
  }
  const aB = auc(pos.map((s) => s.bin), neg.map((s) => s.bin));
  const aH = auc(pos.map((s) => s.head.p), neg.map((s) => s.head.p));
  pooled.aucBin[0].push(...pos.map((s) => s.bin));
  pooled.aucBin[1].push(...neg.map((s) => s.bin));
  pooled.aucHead[0].push(...pos.map((s) => s.head.p));
  pooled.aucHead[1].push(...neg.map((s) => s.head.p));
  for (const side of ['pos', 'neg']) {
    pooled[side].n += row[side].n;
    pooled[side].right = (pooled[side].right ?? 0) + (row[side].right ?? 0);
    pooled[side].any = (pooled[side].any ?? 0) + (row[side].any ?? 0);
    row[side].add.forEach((v, k) => (pooled[side].add[k] += v));
    row[side].addBin.forEach((v, k) => (pooled[side].addBin[k] += v));
  }
  console.log(`group ${groupName(g)}: ${pos.length} ${LABEL} / ${neg.length} benign samples on ${CTX}; AUC binary ${aB.toFixed(3)} head ${aH.toFixed(3)}; detector ${row.pos.right}/${row.pos.n} right, benign ${row.neg.any}/${row.neg.n}; head alone adds ${POINTS.map((pt, k) => `@${pt}: +${row.pos.add[k]} / +${row.neg.add[k]}`).join(', ')} (${((Date.now() - t0) / 1000).toFixed(0)} s, load ${load()})`);
}
const pct = (a, n) => (n ? `${((100 * a) / n).toFixed(1)}%` : '-');
console.log(`\npooled over ${GROUPS.length} groups: ${pooled.pos.n} ${LABEL} samples / ${pooled.neg.n} benign samples of the ${CTX} surface`);
console.log(`  classifier alone, ROC AUC: binary (trained without the group) ${auc(...pooled.aucBin).toFixed(3)}, surface head ${auc(...pooled.aucHead).toFixed(3)}`);
console.log(`  whole detector: ${LABEL} own category ${pct(pooled.pos.right, pooled.pos.n)}, benign of the surface alerted ${pct(pooled.neg.any, pooled.neg.n)}`);
POINTS.forEach((pt, k) => console.log(`  + head alone at p ≥ ${pt}: ${pct(pooled.pos.right + pooled.pos.add[k], pooled.pos.n)} (+${pooled.pos.add[k]}), benign ${pct(pooled.neg.any + pooled.neg.add[k], pooled.neg.n)} (+${pooled.neg.add[k]})`));
// The same rule for the binary classifier itself (today it never alerts alone on this surface in definitions).
POINTS.forEach((pt, k) => console.log(`  + binary classifier alone at p ≥ ${pt}: ${pct(pooled.pos.right + pooled.pos.addBin[k], pooled.pos.n)} (+${pooled.pos.addBin[k]}), benign ${pct(pooled.neg.any + pooled.neg.addBin[k], pooled.neg.n)} (+${pooled.neg.addBin[k]})`));
// The head trained on every writer, on the real tool descriptions it never saw (false positives only).
if (CTX === 'definition') {
  const head = trainHead('all', null);
  const binAll = opt('--bin-all') ? modelOf(resolve(opt('--bin-all')), 'CLASSIFIER_DATA') : null;
  const items = loadPublicSets(DATA)['mcp-servers'] ?? [];
  const psOf = (model) => items.map((it) => Math.max(0, ...it.messages.map((m) => {
    const subject = subjectOf(m);
    if (!subject) return 0;
    const text = extractTexts(m, subject).texts.filter((u) => u.origin === 'plain' || u.origin === 'json').map((u) => u.text).join('\n');
    const b = best(model, text);
    return b.words >= 20 ? b.p : 0;
  })));
  const ps = psOf(head);
  console.log(`  real MCP tool descriptions (${items.length}, head trained on every writer): ${POINTS.map((pt) => `p ≥ ${pt}: ${ps.filter((p) => p >= pt).length}`).join(', ')}`);
  if (binAll) {
    const pb = psOf(binAll);
    console.log(`  the same, binary classifier ${opt('--bin-all')}: ${POINTS.map((pt) => `p ≥ ${pt}: ${pb.filter((p) => p >= pt).length}`).join(', ')}`);
  }
}
console.log(`load at the end: ${load()}`);
