#!/usr/bin/env node
// The held-out figures of a leave-a-group-out run (bench/security-writers-loo.mjs --groups … --json FILE) split by the
// language of each sample: English against not English, and per script tag (apps/security/src/script.ts, scriptOf
// over the texts a sample's messages carry). For each tag: the whole detector's own-category recall and benign
// alerted (the loo column: each writer judged by the build trained without its group), the detector's ROC AUC (each
// sample's highest alert score), and the classifier's ROC AUC alone (each build's own classifier.js and weights, so a
// build with other features is scored with its own features).
//
// Usage: node bench/security-by-script.mjs --json LOO_JSON --work LOO_WORK [--training DIR] [--col loo]
//          [--compare LOO_JSON2 --compare-work LOO_WORK2] [--out FILE]
// With --compare it prints both runs side by side (the first is "before"). No BPF, no lock.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const root = new URL('..', import.meta.url).pathname;
const req = createRequire(import.meta.url);
const { scriptOf, isEnglish } = req('@mcpspy/security/dist/src/script.js');
const { sampleTexts } = req('@mcpspy/security/dist/src/training-folder.js');
const TRAINING = resolve(opt('--training', join(root, 'apps/security/training')));
const COL = opt('--col', 'loo');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function samplesOf(w) {
  const out = [];
  for (const line of readFileSync(join(TRAINING, `${w}.jsonl`), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const s = JSON.parse(line);
      sampleTexts(s);
      out.push(s);
    } catch {
      // (the LOO bench skipped it too)
    }
  }
  return out;
}
function aucOf(pos, neg) {
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
}

/** Per sample of every judged writer: tag, label, alerted (any / own category), detector max score, classifier p. */
function rowsOf(jsonFile, work) {
  const run = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const groups = run.groups;
  const rows = [];
  const models = {};
  for (const g of groups) {
    const name = `without-${g.map((w) => w.replace(/^writer-/, '')).join('')}`;
    const dir = join(work, name, 'dist', 'src');
    // The build's own scorer and weights (its features may differ from this tree's).
    const breq = createRequire(join(dir, 'index.js'));
    const cls = breq(join(dir, 'classifier.js'));
    const model = (models[name] ??= cls.decodeModel(breq(join(dir, 'classifier-weights.js')).CLASSIFIER_DATA));
    for (const w of g) {
      const res = run.results[w]?.[COL];
      if (!res) continue;
      const samples = samplesOf(w);
      let pi = 0;
      let ni = 0;
      for (const s of samples) {
        const texts = sampleTexts(s);
        const tag = scriptOf(texts.join('\n'));
        const detail = res.samples[s.id] ?? [];
        const cats = detail.map((d) => d.split(':')[0]);
        const right = cats.includes(s.label) || (s.also ?? []).some((x) => cats.includes(x));
        const max = s.label === 'benign' ? res.maxes.neg[ni++] : res.maxes.pos[pi++];
        const p = Math.max(0, ...texts.map((t) => cls.scorePrepared(model, cls.prepareText(t)).p));
        rows.push({ w, id: s.id, label: s.label, tag, any: detail.length > 0, right, max, p });
      }
    }
  }
  return rows;
}

function figures(rows) {
  const att = rows.filter((r) => r.label !== 'benign');
  const ben = rows.filter((r) => r.label === 'benign');
  const byLabel = {};
  for (const r of att) {
    const c = (byLabel[r.label] ??= { n: 0, right: 0 });
    c.n++;
    if (r.right) c.right++;
  }
  return {
    attacks: att.length,
    benign: ben.length,
    recall: att.filter((r) => r.right).length / (att.length || NaN),
    fp: ben.filter((r) => r.any).length / (ben.length || NaN),
    fpN: ben.filter((r) => r.any).length,
    detAuc: aucOf(att.map((r) => r.max), ben.map((r) => r.max)),
    clsAuc: aucOf(att.map((r) => r.p), ben.map((r) => r.p)),
    byLabel,
  };
}
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const pools = (rows) => {
  const tags = [...new Set(rows.map((r) => r.tag))].sort();
  return [
    ['all', rows],
    ['English', rows.filter((r) => isEnglish(r.tag))],
    ['not English', rows.filter((r) => !isEnglish(r.tag))],
    ...tags.map((t) => [`  ${t}`, rows.filter((r) => r.tag === t)]),
  ];
};

const runs = [[opt('--json'), opt('--work')]];
if (opt('--compare')) runs.push([opt('--compare'), opt('--compare-work')]);
const all = runs.map(([j, w]) => rowsOf(j, w));
console.log(`held-out groups by language (${COL} column); load ${load()}`);
console.log(`${'pool'.padEnd(16)} ${'att / ben'.padEnd(12)} ${runs.map((_, i) => (runs.length > 1 ? (i ? 'after: ' : 'before: ') : '') + 'recall / FP (n) / det AUC / cls AUC').join(' | ')}`);
for (const [name] of pools(all[0])) {
  const cells = all.map((rows) => {
    const sub = pools(rows).find(([n]) => n === name)?.[1] ?? [];
    return figures(sub);
  });
  const c0 = cells[0];
  console.log(`${name.padEnd(16)} ${`${c0.attacks} / ${c0.benign}`.padEnd(12)} ${cells.map((c) => `${pct(c.recall)} / ${pct(c.fp)} (${c.fpN}) / ${f3(c.detAuc)} / ${f3(c.clsAuc)}`).join(' | ')}`);
}
console.log('\nown-category recall per label, English / not English');
for (const label of ['prompt_injection', 'jailbreak', 'tool_poisoning', 'data_leak', 'exfiltration']) {
  const cells = all.map((rows) => {
    const e = figures(rows.filter((r) => isEnglish(r.tag))).byLabel[label] ?? { n: 0, right: 0 };
    const o = figures(rows.filter((r) => !isEnglish(r.tag))).byLabel[label] ?? { n: 0, right: 0 };
    return `${pct(e.right / e.n)} of ${e.n} / ${pct(o.right / o.n)} of ${o.n}`;
  });
  console.log(`  ${label.padEnd(18)} ${cells.join(' | ')}`);
}
if (opt('--out')) writeFileSync(opt('--out'), all.map((rows) => JSON.stringify(rows)).join('\n') + '\n');
