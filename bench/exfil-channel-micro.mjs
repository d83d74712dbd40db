#!/usr/bin/env node
// The exfiltration channel check (apps/security/src/exfil-channel.ts: `channelCarries`, run by the toxic-flow detector
// on the arguments of every `tools/call` outside the verdict cache), two builds in one process, interleaved: CPU ns per
// call on (1) the NATS bench's arguments (bench/nats-bench-event.mjs: word queries, which hold none of the check's
// literals) and (2) every string argument of the corpus's `tools/call` requests (paths, URLs, commands, prose: the
// gate opens on some). Rounds alternate A/B; the figure is the median per round.
//   node bench/exfil-channel-micro.mjs [--against /work/main/apps/security/dist] [--rounds 10]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { benchQuery } from './nats-bench-event.mjs';
import { loadAvg, parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ against: '/work/main/apps/security/dist', rounds: 10 });
const here = resolve(new URL('..', import.meta.url).pathname);
const req = createRequire(join(here, 'package.json'));
const B = req(join(here, 'apps/security/dist/src/exfil-channel.js'));
const A = req(join(resolve(opt.against), 'src/exfil-channel.js'));
const { loadCorpus } = req(join(here, 'apps/security/dist/src/corpus.js'));
const { readdirSync } = await import('node:fs');
const corpusDir = join(here, 'apps/security/corpus');

const benchArgs = Array.from({ length: 720 }, (_, n) => benchQuery(n));
const corpusArgs = [];
const strings = (v, out) => (typeof v === 'string' ? out.push(v) : v && typeof v === 'object' ? Object.values(v).forEach((x) => strings(x, out)) : 0, out);
// Each call sample's arguments as the detector joins them (one string argument each, or all joined by newlines).
for (const s of loadCorpus(readdirSync(corpusDir).filter((f) => f.endsWith('.jsonl')).map((f) => join(corpusDir, f)))) {
  if (s.form === 'call' && s.args) corpusArgs.push(strings(s.args, []).join('\n'));
}
function time(mod, texts, reps) {
  const t0 = process.cpuUsage();
  let hits = 0;
  for (let r = 0; r < reps; r++) for (const t of texts) if (mod.channelCarries(t, 'run_tool')) hits++;
  const u = process.cpuUsage(t0);
  return { ns: ((u.user + u.system) * 1000) / (reps * texts.length), hits };
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`exfil-channel-micro: A ${opt.against}, B this tree; ${benchArgs.length} bench arguments, ${corpusArgs.length} corpus arguments; load ${loadAvg()}`);
for (const [name, texts, reps] of [['NATS bench arguments', benchArgs, 400], ['corpus tools/call arguments', corpusArgs, Math.max(5, Math.ceil(100_000 / Math.max(1, corpusArgs.length)))]]) {
  const res = { A: [], B: [] };
  let hits;
  time(A, texts, 2), time(B, texts, 2);
  for (let r = 0; r < opt.rounds; r++) for (const k of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    const x = time(k === 'A' ? A : B, texts, reps);
    res[k].push(x.ns);
    if (hits === undefined) hits = x.hits / reps;
  }
  console.log(`${name}: A ${med(res.A).toFixed(0)} ns, B ${med(res.B).toFixed(0)} ns per call (B/A ${(med(res.B) / med(res.A)).toFixed(2)}); ${hits} of ${texts.length} found; load ${loadAvg()}`);
}
