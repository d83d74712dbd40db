#!/usr/bin/env node
// Leave one writer out: does labelled text from other writers teach the detector a writer it has not seen?
// For each writer file W of the training folder (apps/security/training/*.jsonl) it trains the classifier without W
// (bench/security-train-classifier.mjs --leave-out W), puts the weights into a copy of apps/security/dist, and judges
// W's file with the whole detector (a fresh engine per sample, as bench/security-eval.mjs does) under:
//   base     the session-start build (--base, default /work/base/apps/security/dist): W is a writer it never saw;
//   none     this tree retrained on today's data folder with no writer file (separates "the data folder moved" from
//            "the writers' text helped");
//   loo      this tree trained on every writer file but W;
//   all      trained on every file, W included (seen: an upper bound, not a measure of generalisation).
// It prints per writer and label the share alerted (any category), the share alerted in the label's own category,
// and benign alerted, then the classifier alone on W (trained without W, at its three operating points).
//
// Usage: node bench/security-writers-loo.mjs [--data DATA_DIR] [--base DIST_DIR] [--training DIR]
//          [--from-branches writer-a,writer-b,writer-c] [--work DIR] [--threshold 0.5] [--json FILE]
//          [--skip-train] [--curve] [--groups 'a,g,m,s;b,h,n,t;…'] [--head KEEP] [--points 'ALONE/MID,…']
//          [--cols base,none,loo,all] [-- trainer args…]
// --groups leaves a GROUP of writers out instead of one (session 11: with 23 writers, 23 trainings per run cost too
//   much): groups separated by ';', writers by ','; a bare letter x (or two, ae) stands for writer-x. Each writer is judged by the
//   build trained without its group; writers in no group are not judged. Besides the pooled figures it prints each
//   group pooled, with the classifier's and the whole detector's ROC AUC on the group.
// --head KEEP also retrains the category head (bench/security-train-category.mjs --keep KEEP) for every build, on the
//   same writers as its classifier (without the group left out), instead of keeping the dist's head, which has seen
//   the writers it was trained on. ('none' keeps the dist's head: a head needs writers.)
// --points 'A/M,…' judges the loo builds again with the stand-alone point A and the mid point M written into a copy
//   of each build's weights (the same weights: no retraining), one column per pair, named loo@A/M. The detector
//   corroborates at max(support, mid); --support S (round 19) writes S as the support point of every such copy too.
// --leak 'A/M' (round 16) also trains the data-leak head for every build (security-train-classifier.mjs --leak-head
//   --alone A --mid M, without the same group), written beside the classifier's weights. Pair it with
//   `-- --writer-drop data_leak` for the binary classifier without the writers' data leaks. A --points entry
//   'A/M/LA/LM' also rewrites the data-leak head's points (LA alone, LM corroborating) in its copy.
// --cols chooses the columns judged (default base,none,loo,all; 'none' and 'all' are still trained when listed).
// --from-branches reads each branch's apps/security/training/<branch>.jsonl with git show (the writers' files while
// they are written on their own branches). Build first: npx tsc -b apps/security. No BPF, no lock needed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { messagesOf } from '@mcpspy/security/dist/src/corpus.js';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const args = dash >= 0 ? argv.slice(0, dash) : argv;
const trainerArgs = dash >= 0 ? argv.slice(dash + 1) : [];
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const root = new URL('..', import.meta.url).pathname;
const DATA = opt('--data', process.env.MCPSPY_SECURITY_DATA ?? '/work/data/security');
const BASE = resolve(opt('--base', '/work/base/apps/security/dist'));
const WORK = resolve(opt('--work', '/tmp/mcpspy-writers-loo'));
const THRESHOLD = Number(opt('--threshold', '0.5'));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

mkdirSync(WORK, { recursive: true });
// A copied dist folder resolves @mcpspy/* and its other packages through WORK/node_modules.
if (!existsSync(join(WORK, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(WORK, 'node_modules'));

// ---------- the writers' files ----------
let TRAINING = resolve(opt('--training', join(root, 'apps/security/training')));
if (opt('--from-branches')) {
  TRAINING = join(WORK, 'training');
  rmSync(TRAINING, { recursive: true, force: true });
  mkdirSync(TRAINING, { recursive: true });
  for (const br of opt('--from-branches').split(',').filter(Boolean)) {
    try {
      const text = execFileSync('git', ['-C', root, 'show', `${br}:apps/security/training/${br}.jsonl`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
      writeFileSync(join(TRAINING, `${br}.jsonl`), text);
    } catch {
      console.log(`(${br}: no apps/security/training/${br}.jsonl committed yet)`);
    }
  }
}
const files = existsSync(TRAINING) ? readdirSync(TRAINING).filter((f) => f.endsWith('.jsonl')).sort() : [];
const writers = files.map((f) => f.replace(/\.jsonl$/, ''));
if (!writers.length) {
  console.error(`no writer files in ${TRAINING}`);
  process.exit(2);
}
/** A writer file's samples; a line that does not parse is counted and skipped (the trainer skips it too). */
function samplesOf(w) {
  const out = [];
  let bad = 0;
  for (const line of readFileSync(join(TRAINING, `${w}.jsonl`), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const s = JSON.parse(line);
      messagesOf(s); // expands, or throws on an unknown form
      out.push(s);
    } catch {
      bad++;
    }
  }
  return { samples: out, bad };
}
// --groups: leave a group of writers out per build.
const GROUPS = opt('--groups')
  ? opt('--groups').split(';').map((g) => g.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (/^[a-z]{1,2}$/.test(x) ? `writer-${x}` : x.replace(/\.jsonl$/, ''))))
      .filter((g) => g.length)
  : null;
if (GROUPS) {
  const unknown = GROUPS.flat().filter((w) => !writers.includes(w));
  const twice = GROUPS.flat().filter((w, i, a) => a.indexOf(w) !== i);
  if (unknown.length || twice.length) {
    console.error(`--groups: ${unknown.length ? `no file for ${unknown.join(', ')}` : ''}${twice.length ? ` in two groups: ${twice.join(', ')}` : ''}`);
    process.exit(2);
  }
}
/** The short name of a group (its writers' letters) and the build name that leaves it out. */
const groupName = (g) => g.map((w) => w.replace(/^writer-/, '')).join('');
const groupOf = (w) => GROUPS?.find((g) => g.includes(w));
const looName = (w) => (GROUPS ? `without-${groupName(groupOf(w))}` : `without-${w}`);
const judged = GROUPS ? writers.filter((w) => groupOf(w)) : writers;
const HEAD_KEEP = opt('--head');
const LEAK = opt('--leak')?.split('/');
const SUPPORT = opt('--support');
const POINTS = (opt('--points') ?? '').split(',').filter(Boolean).map((p) => p.split('/').map(Number));
const COLS_WANTED = (opt('--cols') ?? 'base,none,loo,all').split(',');
const byWriter = Object.fromEntries(writers.map((w) => [w, samplesOf(w)]));
console.log(`writers in ${TRAINING}: ${writers.map((w) => `${w} ${byWriter[w].samples.length}${byWriter[w].bad ? ` (+${byWriter[w].bad} unreadable)` : ''}`).join(', ')}; data ${DATA}; load ${load()}`);

// ---------- the builds ----------
// --curve: also one build per writer trained on that writer alone (of the writer files), to judge each other writer
// with one writer's text against two: does a second writer help as much as the first?
const CURVE = args.includes('--curve') && writers.length >= 3;
const variants = [
  ...(COLS_WANTED.includes('none') ? [['none', ['--no-writers']]] : []),
  ...(COLS_WANTED.includes('all') ? [['all', []]] : []),
  ...(GROUPS ? GROUPS.map((g) => [`without-${groupName(g)}`, ['--leave-out', g.join(',')]]) : writers.map((w) => [`without-${w}`, ['--leave-out', w]])),
  ...(CURVE ? writers.map((u) => [`only-${u}`, ['--leave-out', writers.filter((x) => x !== u).join(',')]]) : []),
];
const trained = {};
for (const [name, extra] of variants) {
  const dist = join(WORK, name, 'dist');
  if (!args.includes('--skip-train') || !existsSync(join(WORK, name, 'train.json'))) {
    rmSync(join(WORK, name), { recursive: true, force: true });
    mkdirSync(join(WORK, name), { recursive: true });
    cpSync(join(root, 'apps/security/dist'), dist, { recursive: true });
    const t0 = Date.now();
    const log = execFileSync(process.execPath, [join(root, 'bench/security-train-classifier.mjs'), DATA, '--training', TRAINING, '--weights-dist', dist, '--json', join(WORK, name, 'train.json'), ...extra, ...trainerArgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
    writeFileSync(join(WORK, name, 'train.log'), log);
    if (HEAD_KEEP !== undefined && name !== 'none') {
      const leaveOut = extra[0] === '--leave-out' ? ['--leave-out', extra[1]] : [];
      const hlog = execFileSync(process.execPath, [join(root, 'bench/security-train-category.mjs'), '--training', TRAINING, '--keep', HEAD_KEEP, '--weights-dist', dist, ...leaveOut], { encoding: 'utf8', maxBuffer: 64 << 20 });
      writeFileSync(join(WORK, name, 'head.log'), hlog);
    }
    if (LEAK && name !== 'none') {
      const leaveOut = extra[0] === '--leave-out' ? ['--leave-out', extra[1]] : [];
      const llog = execFileSync(process.execPath, [join(root, 'bench/security-train-classifier.mjs'), DATA, '--training', TRAINING, '--leak-head', '--alone', LEAK[0], '--mid', LEAK[1], '--weights-dist', dist, '--json', join(WORK, name, 'leak.json'), ...leaveOut], { encoding: 'utf8', maxBuffer: 64 << 20 });
      writeFileSync(join(WORK, name, 'leak.log'), llog);
    }
    console.log(`trained ${name} in ${((Date.now() - t0) / 1000).toFixed(0)} s (load ${load()})`);
  }
  trained[name] = JSON.parse(readFileSync(join(WORK, name, 'train.json'), 'utf8'));
}

// --points: copies of each loo build with other operating points written into its weights file.
const pointDir = (name, pt) => join(WORK, `${name}@${pt.join('-')}`, 'dist');
for (const name of Object.keys(trained).filter((n) => n.startsWith('without-'))) {
  for (const pt of POINTS) {
    const dist = pointDir(name, pt);
    rmSync(join(dist, '..'), { recursive: true, force: true });
    cpSync(join(WORK, name, 'dist'), dist, { recursive: true });
    const f = join(dist, 'src', 'classifier-weights.js');
    const js = readFileSync(f, 'utf8');
    const re = /alone: [0-9.e-]+, mid: [0-9.e-]+,/;
    let next = js.replace(re, `alone: ${pt[0]}, mid: ${pt[1]},`);
    // --support S also rewrites the corroborating point: the detector's mid is max(support, mid), so a mid below the
    // trainer's support point (its out-of-fold 3% FPR point, ~0.77 since round 14) changes nothing without it.
    if (SUPPORT !== undefined) next = next.replace(/support: [0-9.e-]+/, `support: ${SUPPORT}`);
    if (!re.test(js)) throw new Error(`no operating points found in ${f}`);
    writeFileSync(f, next);
    if (pt.length === 4) {
      const lf = join(dist, 'src', 'classifier-leak-weights.js');
      const ljs = readFileSync(lf, 'utf8');
      const lnext = ljs.replace(re, `alone: ${pt[2]}, mid: ${pt[3]},`);
      if (!re.test(ljs)) throw new Error(`no operating points found in ${lf}`);
      writeFileSync(lf, lnext);
    }
  }
}

// ---------- the whole detector on each writer ----------
const engines = {};
const engineOf = (dir) => (engines[dir] ??= createRequire(join(dir, 'src', 'index.js'))(join(dir, 'src', 'index.js')).SecurityEngine);
async function judge(Engine, sample) {
  const store = new MemoryStore();
  // Rules in this thread (offlineWorker false): the same verdicts without starting a worker thread per sample.
  const engine = new Engine({ store, logger: silentLogger(), threshold: 0.01, offlineWorker: false });
  await engine.init();
  const alerts = [];
  for (const msg of messagesOf(sample)) alerts.push(...(await engine.analyze(msg)));
  await engine.close();
  await store.close();
  const kept = alerts.filter((a) => a.score >= THRESHOLD);
  const cats = kept.map((a) => a.category);
  // For the per-sample list (--json): which detectors made each alert.
  cats.detail = kept.map((a) => `${a.category}:${a.detector === 'combined' ? (a.details?.detectors ?? []).join('+') : a.detector}:${a.score}`);
  // The highest score of any alert (from 0.01): the detector's ranking of the sample, for a threshold-free AUC.
  cats.max = alerts.reduce((m, a) => Math.max(m, a.score), 0);
  return cats;
}
/** ROC AUC of positive against negative scores (ties count half). */
function aucOf(pos, neg) {
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
}
const LABELS = ['prompt_injection', 'jailbreak', 'tool_poisoning', 'data_leak', 'exfiltration', 'benign'];
/** Per label: n, any alert, an alert of the label's category (or one it also allows). */
async function score(dir, samples) {
  const Engine = engineOf(dir);
  const t = {};
  // A fresh engine's analysis mostly waits (the offline worker's hand-off), so samples are judged 16 at a time, each
  // with its own engine and store.
  const cats = new Array(samples.length);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < samples.length) {
      const i = next++;
      cats[i] = await judge(Engine, samples[i]);
    }
  }));
  t.samples = {};
  t.maxes = { pos: samples.flatMap((s, i) => (s.label !== 'benign' ? [cats[i].max] : [])), neg: samples.flatMap((s, i) => (s.label === 'benign' ? [cats[i].max] : [])) };
  t.auc = aucOf(samples.filter((s, i) => s.label !== 'benign').map((s) => cats[samples.indexOf(s)].max), samples.filter((s) => s.label === 'benign').map((s) => cats[samples.indexOf(s)].max));
  samples.forEach((s, i) => {
    if (cats[i].length) t.samples[s.id] = cats[i].detail;
    const c = (t[s.label] ??= { n: 0, any: 0, right: 0 });
    c.n++;
    if (cats[i].length) c.any++;
    if (cats[i].includes(s.label) || (s.also ?? []).some((x) => cats[i].includes(x))) c.right++;
  });
  return t;
}
const results = {};
/** The columns judged for writer w: [name, dist folder]. */
const colsOf = (w) => [
  ['base', BASE],
  ['none', join(WORK, 'none', 'dist')],
  ['loo', join(WORK, looName(w), 'dist')],
  ...POINTS.map((pt) => [`loo@${pt.join('/')}`, pointDir(looName(w), pt)]),
  ['all', join(WORK, 'all', 'dist')],
].filter(([c]) => COLS_WANTED.includes(c) || (c.startsWith('loo@') && COLS_WANTED.includes('loo')));
for (const w of judged) {
  const { samples } = byWriter[w];
  results[w] = {};
  const t0 = Date.now();
  for (const [col, dir] of colsOf(w)) {
    results[w][col] = await score(dir, samples);
  }
  console.log(`judged ${w} (${samples.length} samples × ${colsOf(w).length} builds) in ${((Date.now() - t0) / 1000).toFixed(0)} s (load ${load()})`);
  // One other writer: the mean over the builds trained on one other writer alone (counts summed, so shares average).
  if (CURVE) {
    const t = {};
    const aucs1 = [];
    for (const u of writers.filter((x) => x !== w)) {
      const r = await score(join(WORK, `only-${u}`, 'dist'), samples);
      aucs1.push(r.auc);
      for (const [label, c] of Object.entries(r)) {
        if (label === 'samples' || label === 'auc' || label === 'maxes') continue;
        const x = (t[label] ??= { n: 0, any: 0, right: 0 });
        x.n += c.n;
        x.any += c.any;
        x.right += c.right;
      }
    }
    t.auc = aucs1.reduce((a, b) => a + b, 0) / aucs1.length;
    results[w].one = t;
  }
}
// Pooled over writers (each judged by the build that never saw it, for loo); with --groups, each group pooled too,
// with the whole detector's ROC AUC over the group's samples (each sample's highest alert score).
const COLS = colsOf(judged[0]).map(([c]) => c);
if (CURVE) COLS.splice(COLS.indexOf('loo'), 0, 'one');
const pools = [...(GROUPS ? GROUPS.map((g) => [`(group ${groupName(g)})`, g]) : []), ['(all writers)', judged]];
for (const [pool, members] of pools) {
  results[pool] = {};
  for (const col of COLS) {
    const t = {};
    const pos = [];
    const neg = [];
    for (const w of members) {
      for (const [label, c] of Object.entries(results[w][col])) {
        if (label === 'samples' || label === 'auc' || label === 'maxes') continue;
        const x = (t[label] ??= { n: 0, any: 0, right: 0 });
        x.n += c.n;
        x.any += c.any;
        x.right += c.right;
      }
      if (results[w][col].maxes) {
        pos.push(...results[w][col].maxes.pos);
        neg.push(...results[w][col].maxes.neg);
      }
    }
    if (pos.length && neg.length) t.auc = aucOf(pos, neg);
    results[pool][col] = t;
  }
}

// The judged figures are written at once (the threshold-free part below adds to the same file at the end).
const writeJson = (aucs) => opt('--json') && writeFileSync(opt('--json'), JSON.stringify({ aucs, threshold: THRESHOLD, data: DATA, base: BASE, writers: Object.fromEntries(writers.map((w) => [w, byWriter[w].samples.length])), groups: GROUPS, results, classifier: Object.fromEntries(Object.entries(trained).map(([k, t]) => [k, { points: t.points, leftOutWriters: t.leftOutWriters, oofWriters: t.oofWriters, heldOutPublic: t.heldOutPublic }])) }, null, 2) + '\n');
writeJson({});
const pct = (a, n) => (n ? `${((100 * a) / n).toFixed(1)}%` : '-').padStart(6);
console.log(`\nwhole detector at threshold ${THRESHOLD}: attacks in their own category (any alert) / benign alerted; load ${load()}`);
console.log(`  base = session-start build; none = retrained, no writer;${CURVE ? ' one other writer = trained on one of the others (both such builds, counts summed);' : ''} loo = trained on the other writers; all = trained on every writer (seen)`);
for (const [w, cols] of Object.entries(results)) {
  console.log(`\n${w}`);
  console.log(`  ${'label'.padEnd(18)}   n  ${COLS.map((c) => (c === 'all' ? 'all (seen)' : c === 'one' ? 'one other writer' : c)).map((c) => c.padEnd(17)).join(' ')}`);
  const attackTotal = (col) => Object.entries(cols[col]).filter(([l]) => l !== 'benign' && l !== 'samples' && l !== 'auc' && l !== 'maxes').reduce((a, [, c]) => ({ n: a.n + c.n, any: a.any + c.any, right: a.right + c.right }), { n: 0, any: 0, right: 0 });
  for (const label of LABELS) {
    const n = cols[COLS[0]][label]?.n ?? 0;
    if (!n) continue;
    const cell = (col) => {
      const c = cols[col][label];
      return label === 'benign' ? `${pct(c.any, c.n)} FP`.padEnd(17) : `${pct(c.right, c.n)} (${pct(c.any, c.n).trim()})`.padEnd(17);
    };
    console.log(`  ${label.padEnd(18)}${String(n).padStart(4)}  ${COLS.map(cell).join(' ')}`);
  }
  const tot = (col) => {
    const c = attackTotal(col);
    return `${pct(c.right, c.n)} (${pct(c.any, c.n).trim()})`.padEnd(17);
  };
  console.log(`  ${'attacks'.padEnd(18)}${String(attackTotal(COLS[0]).n).padStart(4)}  ${COLS.map(tot).join(' ')}`);
  if (COLS.some((c) => Number.isFinite(cols[c].auc))) console.log(`  ${'ROC AUC (max score)'.padEnd(22)}  ${COLS.map((c) => (Number.isFinite(cols[c].auc) ? cols[c].auc.toFixed(3) : '-').padEnd(17)).join(' ')}`);
}

// The classifier alone on each writer: the model trained without it, at its operating points.
console.log('\nclassifier alone on each writer, trained without it (share at its alone / mid / support points; benign: false positives)');
for (const w of judged) {
  for (const [col, name] of [['none', 'none'], ['loo', looName(w)]]) {
    const t = trained[name];
    if (!t) continue;
    const tab = t.leftOutWriters[w] ?? {};
    const pts = t.points;
    console.log(`  ${w} ${col.padEnd(5)} (p≥${pts.alone.toFixed(3)} / ${pts.mid.toFixed(3)} / ${pts.support.toFixed(3)}): ${LABELS.filter((l) => tab[l]).map((l) => `${l} ${pct(tab[l].alone, tab[l].n).trim()}/${pct(tab[l].mid, tab[l].n).trim()}/${pct(tab[l].support, tab[l].n).trim()}`).join(', ')}`);
  }
}
console.log('\nclassifier out of fold on the writers (model "all": 5 folds by writer and label)');
for (const [w, tab] of Object.entries(trained.all?.oofWriters ?? {})) {
  console.log(`  ${w}: ${LABELS.filter((l) => tab[l]).map((l) => `${l} ${pct(tab[l].alone, tab[l].n).trim()}/${pct(tab[l].mid, tab[l].n).trim()}/${pct(tab[l].support, tab[l].n).trim()}`).join(', ')}`);
}
// Threshold-free: the classifier alone as a ranking of W's texts (a sample scores as its strongest text), ROC AUC of
// attacks against W's benign texts, for the weights of each build.
const aucs = {};
{
  const req = createRequire(import.meta.url);
  const { decodeModel, prepareText, scorePrepared } = req('@mcpspy/security/dist/src/classifier.js');
  const { sampleTexts } = req('@mcpspy/security/dist/src/training-folder.js');
  const modelOf = (dir) => decodeModel(req(join(dir, 'src', 'classifier-weights.js')).CLASSIFIER_DATA);
  const auc = (pos, neg) => {
    let wins = 0;
    for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
    return pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
  };
  console.log('\nclassifier alone, ROC AUC of attacks against benign on each writer (threshold-free)');
  const models = {};
  const scores = {};
  for (const w of judged) {
    const cols = [['base', BASE], ['none', join(WORK, 'none', 'dist')], ...(CURVE ? writers.filter((u) => u !== w).map((u) => [`only-${u}`, join(WORK, `only-${u}`, 'dist')]) : []), ['loo', join(WORK, looName(w), 'dist')], ['all', join(WORK, 'all', 'dist')]].filter(([c]) => c.startsWith('only-') || COLS_WANTED.includes(c));
    aucs[w] = {};
    scores[w] = {};
    for (const [col, dir] of cols) {
      const m = (models[dir] ??= modelOf(dir));
      const score = (s) => Math.max(0, ...sampleTexts(s).map((t) => scorePrepared(m, prepareText(t)).p));
      const att = byWriter[w].samples.filter((s) => s.label !== 'benign').map(score);
      const ben = byWriter[w].samples.filter((s) => s.label === 'benign').map(score);
      aucs[w][col] = auc(att, ben);
      scores[w][col] = { att, ben };
    }
    console.log(`  ${w}: ${Object.entries(aucs[w]).map(([c, v]) => `${c === 'all' ? 'all (seen)' : c} ${v.toFixed(3)}`).join(', ')}`);
  }
  // Each group pooled: the group's attacks against the group's benign texts (writers' scales differ, so this is not
  // the mean of the writers' AUCs).
  for (const [pool, members] of pools) {
    aucs[pool] = {};
    for (const col of Object.keys(scores[members[0]] ?? {})) {
      if (col.startsWith('only-')) continue;
      aucs[pool][col] = auc(members.flatMap((w) => scores[w][col].att), members.flatMap((w) => scores[w][col].ben));
    }
    console.log(`  ${pool}: ${Object.entries(aucs[pool]).map(([c, v]) => `${c === 'all' ? 'all (seen)' : c} ${v.toFixed(3)}`).join(', ')}`);
  }
}
console.log(`\nload at the end: ${load()}`);
writeJson(aucs);
