#!/usr/bin/env node
// Trains the local classifier (apps/security/src/classifier.ts: logistic
// regression over hashed word 1-2-grams and character 4-grams) on public
// data in a folder outside the repository plus the DEV split of our corpus,
// calibrates it (Platt scaling on 5-fold out-of-fold margins), picks its two
// operating points, reports held-out sources it never saw, and with --write
// stores int8 weights in apps/security/src/classifier-weights.ts.
//
// Usage: node bench/security-train-classifier.mjs DATA_DIR [--write] [--alone P] [--mid P] [--extra] [--mlp H] [--epochs 12] [--l2 2e-6]
//          [--label-weight prompt_injection:2] [--script-weight A:B]
//          [--training DIR] [--leave-out WRITER[,WRITER]] [--no-writers] [--weights-dist DIST_DIR] [--json FILE]
// The writers' labelled text (apps/security/training/*.jsonl, or --training DIR) is read too, one source per file;
// --leave-out trains without those files and reports the model on them (leave one writer out), --no-writers leaves
// every file out. --weights-dist writes the weights as compiled JavaScript into DIST_DIR/src/classifier-weights.js (a
// copy of apps/security/dist, for judging the whole detector with them: bench/security-writers-loo.mjs); --json
// writes the figures per writer and label at the operating points.
// DATA_DIR holds one folder per source, named owner+repo (a `git archive` of
// the commit listed in apps/security/model-sources.json), plus npm-docs/ and
// npm-code/ (READMEs and .d.ts files copied from node_modules).
// --leak-head (round 16): trains the data-leak head instead of the binary classifier: the writers' data_leak texts
// against every benign text (public and the writers'), no other attack; --write then writes
// apps/security/src/classifier-leak-weights.ts (LEAK_DATA), --weights-dist DIST_DIR/src/classifier-leak-weights.js.
// Its --alone / --mid are the data-leak head's own points (alone: alerts by itself on a result; mid: corroborates a
// data-leak finding of the secrets detector). The binary classifier trained for use beside it drops the writers' data
// leaks: --writer-drop data_leak.
// --surface-head LABEL:CONTEXT (round 17, an experiment): trains a head for one attack label on one surface of MCP
// traffic instead of the binary classifier: the writers' LABEL texts of that surface (definition: tool and argument
// descriptions, listings, server instructions; argument: the agent's tool-call arguments; result) against the benign
// texts of the same surface (the writers', plus for definition the four MCP servers' descriptions and docs). The
// other attacks and the other surfaces are neither positive nor negative. --weights-dist writes it to
// DIST_DIR/src/classifier-surface-weights.js (SURFACE_DATA); it is not shipped (--write refuses it).
// Build first: npx tsc -b apps/security
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { extractTexts, subjectOf } from '@mcpspy/security';
import { loadCorpus, messagesOf } from '@mcpspy/security/dist/src/corpus.js';
import { CLASSIFIER_BITS, featuresOf, MAX_FEATURES, prepareText, windowStarts, WINDOW } from '@mcpspy/security/dist/src/classifier.js';
import { loadTrainingFolder } from '@mcpspy/security/dist/src/training-folder.js';
import { isEnglish, scriptOf } from '@mcpspy/security/dist/src/script.js';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const DATA = args[0] && !args[0].startsWith('--') ? args[0] : undefined;
if (!DATA || !existsSync(DATA)) {
  console.error('usage: node bench/security-train-classifier.mjs DATA_DIR [--write] [--epochs N] [--l2 X]');
  process.exit(2);
}
const EPOCHS = Number(opt('--epochs', '12'));
const L2 = Number(opt('--l2', '2e-6'));
const LR = 0.3;
// --extra: the sources tried in round 3 (Arcanum taxonomy, PayloadsAllTheThings, TakSec, greshake, three more MCP
// servers, Debian docs and configs, Python's test e-mails, self-instruct, grade-school-math). Off by default: the
// model trained with them measured worse on the batches never tuned on (apps/security/README.md, "Local
// classifier"), so the shipped weights are the ones this script writes without it.
const EXTRA = args.includes('--extra');
const LEAK = args.includes('--leak-head');
const SURFACE = opt('--surface-head')?.split(':');
/** The public sources that are real MCP servers' tool descriptions and docs: benign text of the definition surface. */
const MCP_SOURCES = new Set(['github/github-mcp-server', 'microsoft/playwright-mcp', 'upstash/context7', 'supabase-community/supabase-mcp']);

// ---------- sources ----------
const TEXT_ATTACKS = new Set(['prompt_injection', 'jailbreak', 'tool_poisoning', 'exfiltration']);
const walkFiles = (dir, keep, out = []) => {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walkFiles(p, keep, out);
    else if (keep(p) && st.size < 400_000) out.push(p);
  }
  return out;
};
/** Paragraph chunks of at most WINDOW characters (documentation, code). */
function chunks(text, max = WINDOW) {
  const out = [];
  let cur = '';
  for (const para of text.split(/\n\s*\n/)) {
    const p = para.trim();
    if (!p) continue;
    if (cur && cur.length + p.length + 2 > max) {
      out.push(cur);
      cur = '';
    }
    if (p.length > max) {
      for (let i = 0; i < p.length; i += max) out.push(p.slice(i, i + max));
    } else cur = cur ? `${cur}\n\n${p}` : p;
  }
  if (cur) out.push(cur);
  return out.filter((c) => c.length >= 40);
}
/** Description strings in MCP server source code (TypeScript object literals, Go mcp-go options, Python docstrings skipped). */
function descriptions(src) {
  const out = [];
  const res = [
    /description:\s*(?:'((?:[^'\\\n]|\\.){20,})'|"((?:[^"\\\n]|\\.){20,})"|`([^`]{20,})`)/g,
    /(?:WithDescription|Description)\(\s*(?:t\(\s*"[A-Z0-9_]+",\s*)?"((?:[^"\\]|\\.){20,})"/g,
    /\.describe\(\s*(?:'((?:[^'\\\n]|\\.){20,})'|"((?:[^"\\\n]|\\.){20,})"|`([^`]{20,})`)/g,
  ];
  for (const re of res) for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3]).replace(/\\n/g, '\n').replace(/\\(["'`])/g, '$1'));
  return out;
}

const rows = []; // { text, y, source, group }
const add = (text, y, source, group = source) => {
  if (typeof text === 'string' && text.trim().length >= 12) rows.push({ text, y, source, group });
};
const counts = {};
const count = (source, y) => {
  counts[source] ??= { attacks: 0, benign: 0 };
  counts[source][y ? 'attacks' : 'benign']++;
};

// Attacks and benign prompts: Neural-alchemy/promptshield attack_db (MIT).
{
  const dir = join(DATA, 'Neural-alchemy+promptshield/openclay/shields/attack_db');
  for (const file of walkFiles(dir, (p) => p.endsWith('.json'))) {
    const cat = relative(dir, file).split('/')[0];
    for (const e of JSON.parse(readFileSync(file, 'utf8'))) add(e.text ?? e.prompt, cat === 'benign' ? 0 : 1, 'Neural-alchemy/promptshield', `promptshield:${cat}`);
  }
}
// Attack payloads of rustyorb/pincer (MIT): injection, extraction, bypass, encoding and tool-abuse prompts. Not its
// jailbreak and multi-turn files: classic DAN-style texts there are likely near-copies of reserved jailbreak sets.
{
  const dir = join(DATA, 'rustyorb+pincer/src/lib/attacks');
  // A string literal: "…", '…' or a template without substitutions (\x60 is the backquote).
  const lit = '(?:"(?:[^"\\\\\\n]|\\\\.)*"|\'(?:[^\'\\\\\\n]|\\\\.)*\'|\\x60[^\\x60$]*\\x60)';
  const re = new RegExp('\\bprompt:\\s*(' + lit + '(?:\\s*\\+\\s*' + lit + ')*)', 'g');
  const unquote = (q) => {
    if (q[0] === '"') return JSON.parse(q);
    if (q[0] === "'") return JSON.parse('"' + q.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"') + '"');
    return q.slice(1, -1);
  };
  for (const file of walkFiles(dir, (p) => /\/(injection|extraction|bypass|encoding|tool-abuse)\.ts$/.test(p))) {
    for (const m of readFileSync(file, 'utf8').matchAll(re)) {
      // Only string literals joined by +, unquoted as JSON strings: nothing of the file is evaluated.
      const text = (m[1].match(new RegExp(lit, 'g')) ?? []).map(unquote).join('');
      add(text, 1, 'rustyorb/pincer', `pincer:${file.split('/').pop()}`);
    }
  }
}
if (EXTRA) {
// Arcanum-Sec/arc_pi_taxonomy (CC BY 4.0): the example prompts of each technique, evasion and intent.
{
  const file = join(DATA, 'Arcanum-Sec+arc_pi_taxonomy/docs/data/taxonomy.json');
  if (existsSync(file)) {
    const tax = JSON.parse(readFileSync(file, 'utf8'));
    for (const kind of ['techniques', 'evasions', 'intents']) {
      for (const e of tax[kind] ?? []) for (const x of e.examples ?? []) if (typeof x === 'string' && x.length >= 20) add(x, 1, 'Arcanum-Sec/arc_pi_taxonomy', `arcanum:${kind}:${e.id}`);
    }
  }
}
// TakSec/Prompt-Injection-Everywhere (MIT): one payload per file; its protection prompt is a guard prompt (benign).
{
  const dir = join(DATA, 'TakSec+Prompt-Injection-Everywhere');
  for (const file of walkFiles(dir, (p) => p.endsWith('.txt'))) {
    const text = readFileSync(file, 'utf8');
    add(text, /Protection/.test(file) ? 0 : 1, 'TakSec/Prompt-Injection-Everywhere', `taksec:${file.split('/').pop()}`);
  }
}
// swisskyrepo/PayloadsAllTheThings (MIT), "Prompt Injection/README.md": the payloads in backquotes of its
// direct-injection list and table, and its indirect-injection code blocks. Not its "Act as …" prompts (they come
// from f/awesome-chatgpt-prompts, reserved) and not its prose.
{
  const file = join(DATA, 'swisskyrepo+PayloadsAllTheThings/Prompt Injection/README.md');
  if (existsSync(file)) {
    const md = readFileSync(file, 'utf8');
    const direct = md.slice(md.indexOf('## Direct Prompt Injection'), md.indexOf('## References'));
    for (const m of direct.matchAll(/^(?:\*|\|)[^`\n]*`([^`\n]{20,})`/gm)) add(m[1], 1, 'swisskyrepo/PayloadsAllTheThings', 'patt:direct');
    for (const m of direct.matchAll(/```[a-z0-9]*\n([\s\S]*?)```/g)) {
      for (const part of m[1].split(/\n(?=\/\/|<!--)/)) if (!/^\s*"role"|INJECT_HERE/.test(part)) add(part.trim(), 1, 'swisskyrepo/PayloadsAllTheThings', 'patt:blocks');
    }
  }
}
// greshake/llm-security (MIT): the indirect injections its scenarios plant in web pages and puzzles.
{
  const base = join(DATA, 'greshake+llm-security/scenarios');
  for (const file of walkFiles(base, (p) => /\/(gpt4|gpt3langchain)\/[a-z_-]+\.py$/.test(p))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/injection\s*=\s*"""([\s\S]*?)"""/g)) add(m[1].replace(/^ {4}/gm, ''), 1, 'greshake/llm-security', `greshake:${file.split('/').slice(-2).join('/')}`);
  }
  for (const file of walkFiles(join(base, 'puzzle/puzzles'), () => true)) add(readFileSync(file, 'utf8'), 1, 'greshake/llm-security', `greshake:puzzle:${file.split('/').pop()}`);
}
} // end of --extra (attacks)
// protectai/llm-guard (MIT): its documentation (benign, much of it about injections) and the benign benchmark inputs.
{
  const base = join(DATA, 'protectai+llm-guard');
  for (const file of walkFiles(join(base, 'docs'), (p) => p.endsWith('.md'))) for (const c of chunks(readFileSync(file, 'utf8'))) add(c, 0, 'protectai/llm-guard', `llm-guard:${relative(base, file)}`);
  // Not its tests: their benign prompts come from f/awesome-chatgpt-prompts, which the independent evaluation uses.
}
// Real MCP servers other than modelcontextprotocol/servers (held out): tool descriptions and docs, benign.
for (const repo of ['github+github-mcp-server', 'microsoft+playwright-mcp', 'upstash+context7', 'supabase-community+supabase-mcp', ...(EXTRA ? ['grafana+mcp-grafana', 'hashicorp+terraform-mcp-server', 'mongodb-js+mongodb-mcp-server'] : [])]) {
  const base = join(DATA, repo);
  const name = repo.replace('+', '/');
  for (const file of walkFiles(base, (p) => /\.(ts|go|js|py)$/.test(p) && !/\.(test|spec)\./.test(p) && !/_test\.go$/.test(p))) {
    for (const d of descriptions(readFileSync(file, 'utf8'))) add(d, 0, name, `${name}:desc`);
  }
  for (const file of walkFiles(base, (p) => p.endsWith('.md'))) for (const c of chunks(readFileSync(file, 'utf8')).slice(0, 40)) add(c, 0, name, `${name}:docs`);
}
// npm package READMEs and type declarations from node_modules: documentation and code, benign.
for (const [sub, label] of [['npm-docs', 'npm READMEs'], ['npm-code', 'npm .d.ts']]) {
  for (const file of walkFiles(join(DATA, sub), () => true)) for (const c of chunks(readFileSync(file, 'utf8')).slice(0, 30)) add(c, 0, label, `${label}:${relative(join(DATA, sub), file).split('/')[0]}`);
}
if (EXTRA) {
// Benign genres the sources above lack (the classifier alone fired on an e-mail saying "please disregard my
// previous email", on a config file and on a research abstract): Debian's changelogs, NEWS and READMEs
// (/usr/share/doc of this machine: release notes, maintainers' prose), configuration files (/etc: *.conf, *.cfg,
// *.ini) and the e-mail messages of Python's test suite (libpython3.11-testsuite, test/test_email/data).
{
  for (const [sub, label, per] of [['debian-docs', 'Debian /usr/share/doc', 4], ['debian-etc', 'Debian /etc configuration', 6], ['python-email', 'Python test_email messages', 4]]) {
    const base = join(DATA, sub);
    for (const file of walkFiles(base, () => true)) {
      const rel = relative(base, file);
      for (const c of chunks(readFileSync(file, 'utf8')).slice(0, per)) add(c, 0, label, `${label}:${sub === 'debian-docs' ? rel.split('/')[0] : rel}`);
    }
  }
}
// Benign requests addressed to an assistant (attacks address it too, so "asks the AI something" must not be the
// signal): yizhongw/self-instruct's 175 human-written seed tasks (Apache-2.0) and 1,500 grade-school maths questions
// of openai/grade-school-math (MIT, train split).
{
  const seeds = join(DATA, 'yizhongw+self-instruct/data/seed_tasks.jsonl');
  if (existsSync(seeds)) {
    for (const line of readFileSync(seeds, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const t = JSON.parse(line);
      const input = t.instances?.[0]?.input;
      add(input ? `${t.instruction}\n\n${input}` : t.instruction, 0, 'yizhongw/self-instruct', `self-instruct:${t.name}`);
    }
  }
  const gsm = join(DATA, 'openai+grade-school-math/grade_school_math/data/train.jsonl');
  if (existsSync(gsm)) {
    const lines = readFileSync(gsm, 'utf8').split('\n').filter((l) => l.trim());
    for (let i = 0; i < lines.length && i < 7500; i += 5) add(JSON.parse(lines[i]).question, 0, 'openai/grade-school-math', `gsm8k:${i % 50}`);
  }
}
// Text about attacks is not an attack: the Arcanum taxonomy's own descriptions and ideas (what each technique is).
{
  const file = join(DATA, 'Arcanum-Sec+arc_pi_taxonomy/docs/data/taxonomy.json');
  if (existsSync(file)) {
    const tax = JSON.parse(readFileSync(file, 'utf8'));
    for (const kind of ['inputs', 'techniques', 'evasions', 'intents']) {
      for (const e of tax[kind] ?? []) add(`${e.title}: ${e.description}\n${(e.ideas ?? []).join('\n')}`, 0, 'Arcanum-Sec/arc_pi_taxonomy (descriptions)', `arcanum-desc:${kind}:${e.id}`);
    }
  }
}
} // end of --extra (benign)
// Our corpus, DEV split only: the texts of each sample as its messages carry them.
{
  const dir = new URL('../apps/security/corpus/', import.meta.url).pathname;
  const samples = loadCorpus(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f)));
  for (const s of samples) {
    if (s.split !== 'dev' || !(s.label === 'benign' || TEXT_ATTACKS.has(s.label))) continue;
    const msgs = messagesOf(s);
    for (const m of s.form === 'rug' ? msgs.slice(-1) : msgs) {
      const subject = subjectOf(m);
      if (!subject) continue;
      const joined = extractTexts(m, subject).texts.filter((u) => u.origin === 'plain' || u.origin === 'json').map((u) => u.text).join('\n');
      add(joined, s.label === 'benign' ? 0 : 1, 'mcpspy corpus (dev)', `corpus:${s.id}`);
    }
  }
}
// The writers' labelled text (session 10): one file per writer, in the corpus format; every label but benign is an
// attack. Grouped by writer and label for the folds (a writer's injections stay in one fold). Files named in
// --leave-out (or all of them, --no-writers) are not trained on: the final model is scored on them below.
const TRAINING = opt('--training', new URL('../apps/security/training/', import.meta.url).pathname);
const writers = existsSync(TRAINING) ? loadTrainingFolder(TRAINING, { leaveOut: args.includes('--no-writers') ? readdirSync(TRAINING).filter((f) => f.endsWith('.jsonl')) : opt('--leave-out', '').split(',').filter(Boolean) }) : { rows: [], heldOut: [], writers: [], skipped: [] };
{
  const unknown = opt('--leave-out', '').split(',').filter((w) => w && !writers.writers.includes(w.replace(/\.jsonl$/, '')));
  if (unknown.length) {
    console.error(`--leave-out: no file ${unknown.join(', ')} in ${TRAINING} (there: ${writers.writers.join(', ') || 'none'})`);
    process.exit(2);
  }
  // Experiments (off by default): --writer-weight K counts each writer row (and its augmentations) K times in the
  // loss; --writer-drop LABEL[,…] does not train on those labels of the writers' files.
  const drop = new Set(opt('--writer-drop', '').split(',').filter(Boolean));
  const ww = Number(opt('--writer-weight', '1'));
  // --label-weight LABEL:K[,…] (round 18): the writers' rows of those labels (and their augmentations) count K times.
  const lw = Object.fromEntries(opt('--label-weight', '').split(',').filter(Boolean).map((x) => [x.split(':')[0], Number(x.split(':')[1])]));
  // --script-weight A:B (round 21): the writers' rows whose text is not English (script.ts's scriptOf) count A times
  // when an attack and B times when benign (and their augmentations with them). The public benign data is English, so
  // the few writers' texts in other languages are all the model learns those languages from.
  const [swA, swB] = (opt('--script-weight', '1:1')).split(':').map(Number);
  for (const r of writers.rows) {
    if (r.text.trim().length < 12 || drop.has(r.label)) continue;
    const sw = swA === 1 && swB === 1 ? 1 : isEnglish(scriptOf(r.text)) ? 1 : r.y ? swA : swB;
    const w = ww * (lw[r.label] ?? 1) * sw;
    rows.push({ text: r.text, y: r.y, source: r.writer, group: `${r.writer}:${r.label}`, label: r.label, writer: true, context: r.context, ...(w !== 1 ? { w } : {}) });
  }
  if (writers.skipped.length) console.log(`training folder: ${writers.skipped.length} lines skipped (${[...new Set(writers.skipped.map((x) => `${x.writer}: ${x.reason}`))].slice(0, 5).join('; ')})`);
  console.log(`training folder ${TRAINING}: ${writers.writers.join(', ') || 'no files'}; trained on ${writers.rows.length} texts${writers.heldOut.length ? `, left out ${[...new Set(writers.heldOut.map((r) => r.writer))].join(', ')} (${writers.heldOut.length} texts)` : ''}`);
}
// --leak-head: data leaks against benign text only (the other attacks are neither positive nor negative here).
if (LEAK) {
  const keep = rows.filter((r) => !r.y || (r.writer && r.label === 'data_leak'));
  rows.length = 0;
  rows.push(...keep);
  console.log(`data-leak head: ${keep.filter((r) => r.y).length} data leaks against ${keep.filter((r) => !r.y).length} benign texts`);
}
// --surface-head LABEL:CONTEXT: that label against the benign texts of the same surface only.
if (SURFACE) {
  const [label, ctx] = SURFACE;
  const keep = rows.filter((r) => (r.writer ? r.context === ctx && (!r.y || r.label === label) : !r.y && ctx === 'definition' && MCP_SOURCES.has(r.source)));
  rows.length = 0;
  rows.push(...keep);
  console.log(`surface head ${label} on ${ctx}: ${keep.filter((r) => r.y).length} attacks against ${keep.filter((r) => !r.y).length} benign texts of the same surface`);
}
// Held out, never trained or tuned on: agent-egress-bench (MCP-shaped cases) and promptmap (attack prompts).
const heldOut = [];
{
  const base = join(DATA, 'luckyPipewrench+agent-egress-bench/cases');
  for (const file of walkFiles(base, (p) => p.endsWith('.json'))) {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    const texts = [];
    const collect = (v) => {
      if (typeof v === 'string') texts.push(v);
      else if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'jsonrpc' && k !== 'method' && k !== 'type') collect(x);
    };
    collect(c.payload.jsonrpc_messages ?? c.payload.response_body ?? c.payload.body ?? c.payload.agent_card ?? c.payload.frames ?? []);
    heldOut.push({ text: texts.join('\n'), y: c.expected_verdict === 'block' ? 1 : 0, source: 'agent-egress-bench', group: c.category });
  }
  const pm = join(DATA, 'utkusen+promptmap/rules');
  for (const file of walkFiles(pm, (p) => p.endsWith('.yaml'))) {
    const y = readFileSync(file, 'utf8');
    const type = /^type:\s*(\S+)/m.exec(y)?.[1];
    if (!['jailbreak', 'prompt_stealing', 'distraction'].includes(type)) continue;
    const m = /^prompt:\s*\|?\s*\n((?:[ \t]+.*\n?|\s*\n)+)/m.exec(y) ?? /^prompt:\s*["']?(.+?)["']?\s*$/m.exec(y);
    if (m) heldOut.push({ text: m[1].replace(/^[ \t]+/gm, ''), y: 1, source: 'promptmap', group: type });
  }
}
// Short benign texts too (single sentences of docs and descriptions): attacks in the data are mostly short
// prompts, and without short benign text the model would learn "short = attack".
{
  let seed = 11;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const pool = rows.filter((r) => !r.y && !r.source.startsWith('mcpspy') && !r.writer);
  const sentences = [];
  for (const r of pool) for (const sn of r.text.split(/(?<=[.!?])\s+|\n+/)) if (sn.length >= 15 && sn.length <= 160 && /[a-z]{3}/i.test(sn)) sentences.push([sn, r.source, r.group]);
  for (let k = 0; k < 4000 && sentences.length; k++) {
    const [text, source, group] = sentences[rnd(sentences.length)];
    rows.push({ text, y: 0, source: 'short sentences of the benign sources', group: `${group}:short`, from: source });
  }
}
// Indirect injection is an attack inside ordinary text: each short attack is also placed, twice, inside a
// benign document or tool description, so the model learns the attack rather than the genre of its carrier.
{
  let seed = 7;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  // (not the writers' benign texts: with them the carriers, and so every other attack's augmentation, would change)
  const carriers = rows.filter((r) => !r.y && !r.source.startsWith('mcpspy') && !r.writer && r.text.length >= 120).map((r) => r.text);
  const attacks = carriers.length ? rows.filter((r) => r.y && r.text.length <= 450) : [];
  for (const a of attacks) {
    for (let k = 0; k < 2; k++) {
      const c = carriers[rnd(carriers.length)];
      const cut = 60 + rnd(Math.max(1, Math.min(240, c.length - 60)));
      const sep = ['\n\n', ' ', '\n', '\n<!-- ', ' -- '][rnd(5)];
      rows.push({ text: `${c.slice(0, cut)}${sep}${a.text}${sep === '\n<!-- ' ? ' -->' : ''}\n${c.slice(cut, cut + 120)}`, y: 1, source: 'augmented (attack inside benign text)', group: a.group, ...(a.writer ? { from: a.source, label: a.label, ...(a.w ? { w: a.w } : {}) } : {}) });
    }
  }
  // --writer-carriers N: each writer attack also placed N times inside a benign text of another writer (their
  // tricky benign texts are the genre the attacks hide in: mail, tickets, pages, tool descriptions).
  const wc = Number(opt('--writer-carriers', '0'));
  const wCarriers = rows.filter((r) => !r.y && r.writer && r.text.length >= 80);
  for (const a of wc ? attacks.filter((r) => r.writer) : []) {
    const pool = wCarriers.filter((c) => c.source !== a.source);
    for (let k = 0; k < wc && pool.length; k++) {
      const c = pool[rnd(pool.length)].text;
      const cut = rnd(c.length);
      const sep = ['\n\n', ' ', '\n'][rnd(3)];
      rows.push({ text: `${c.slice(0, cut)}${sep}${a.text}${sep}${c.slice(cut)}`, y: 1, source: 'augmented (attack inside benign text)', group: a.group, from: a.source, label: a.label, ...(a.w ? { w: a.w } : {}) });
    }
  }
}
for (const r of rows) count(r.source, r.y);

// ---------- features ----------
const buf = new Int32Array(MAX_FEATURES);
/** Feature lists of a text's windows (the training unit is a window; a text scores as its strongest window). */
function windowsOf(text) {
  const t = prepareText(text);
  return windowStarts(t.length).map((s) => Int32Array.from(buf.subarray(0, featuresOf(t, s, Math.min(t.length, s + WINDOW), buf))));
}
for (const r of rows) r.xs = windowsOf(r.text);
for (const r of heldOut) r.xs = windowsOf(r.text);
const heldWriters = writers.heldOut.map((r) => ({ ...r, xs: windowsOf(r.text) }));

// ---------- training ----------
function hashStr(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
function train(data) {
  const size = 1 << CLASSIFIER_BITS;
  const w = new Float64Array(size);
  const g2 = new Float64Array(size).fill(1e-8);
  let bias = 0;
  let gb = 1e-8;
  const pos = data.filter((r) => r.y).length;
  const neg = data.length - pos;
  // Classes weigh the same in total; an attack text contributes its first window, benign every window (a long benign page must be clean throughout).
  const wPos = data.length / (2 * Math.max(1, pos));
  const wNeg = data.length / (2 * Math.max(1, neg));
  // Multiple-instance learning: an attack text is an attack in at least one window, so each epoch an attack
  // trains on its currently strongest window; benign text must be clean in every window.
  const order = [];
  for (const r of data) {
    if (r.y) order.push([r.xs, 1, wPos * (r.w ?? 1)]);
    else for (const x of r.xs) order.push([[x], 0, (wNeg * (r.w ?? 1)) / r.xs.length]);
  }
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let e = 0; e < EPOCHS; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const [xs, y, cw] of order) {
      let x = xs[0];
      if (xs.length > 1) {
        let bestZ = -Infinity;
        for (const c of xs) {
          let s = 0;
          for (let k = 0; k < c.length; k++) s += w[c[k]];
          const z = c.length ? s / Math.sqrt(c.length) : 0;
          if (z > bestZ) (bestZ = z), (x = c);
        }
      }
      if (x.length === 0) continue;
      const scale = 1 / Math.sqrt(x.length);
      let z = bias;
      for (let k = 0; k < x.length; k++) z += w[x[k]] * scale;
      const p = 1 / (1 + Math.exp(-z));
      const g = (p - y) * cw;
      for (let k = 0; k < x.length; k++) {
        const f = x[k];
        const gf = g * scale + L2 * w[f];
        g2[f] += gf * gf;
        w[f] -= (LR * gf) / Math.sqrt(g2[f]);
      }
      gb += g * g;
      bias -= (LR * g) / Math.sqrt(gb);
    }
  }
  return { w, bias };
}
// ---------- experimental: one hidden layer (H ReLU units) over the same hashed features, folded to MLP_BITS buckets ----------
const MLP_H = Number(opt('--mlp', '0'));
const MLP_BITS = Number(opt('--mlp-bits', '16'));
function trainMlp(data) {
  const H = MLP_H, size = 1 << MLP_BITS, mask = size - 1;
  let seed = 1234;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const E = new Float64Array(size * H);
  for (let i = 0; i < E.length; i++) E[i] = (rnd() - 0.5) * 0.2;
  const gE = new Float64Array(size * H).fill(1e-8);
  const b1 = new Float64Array(H), gb1 = new Float64Array(H).fill(1e-8);
  const v = new Float64Array(H);
  for (let j = 0; j < H; j++) v[j] = (rnd() - 0.5) * 0.5;
  const gv = new Float64Array(H).fill(1e-8);
  let c = 0, gc = 1e-8;
  const pos = data.filter((r) => r.y).length, neg = data.length - pos;
  const wPos = data.length / (2 * Math.max(1, pos)), wNeg = data.length / (2 * Math.max(1, neg));
  const order = [];
  for (const r of data) {
    if (r.y) order.push([r.xs, 1, wPos]);
    else for (const x of r.xs) order.push([[x], 0, wNeg / r.xs.length]);
  }
  const hBuf = new Float64Array(H);
  const fwd = (x, out) => {
    const sc = 1 / Math.sqrt(Math.max(1, x.length));
    for (let j = 0; j < H; j++) out[j] = 0;
    for (let k = 0; k < x.length; k++) { const o = (x[k] & mask) * H; for (let j = 0; j < H; j++) out[j] += E[o + j]; }
    let z = c;
    for (let j = 0; j < H; j++) { out[j] = out[j] * sc + b1[j]; if (out[j] > 0) z += v[j] * out[j]; }
    return z;
  };
  const LRm = 0.1;
  for (let e = 0; e < EPOCHS; e++) {
    for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    for (const [xs, y, cw] of order) {
      let x = xs[0];
      if (xs.length > 1) { let best = -Infinity; for (const cand of xs) { const z = fwd(cand, hBuf); if (z > best) (best = z), (x = cand); } }
      if (x.length === 0) continue;
      const z = fwd(x, hBuf);
      const p = 1 / (1 + Math.exp(-z));
      const g = (p - y) * cw;
      const sc = 1 / Math.sqrt(x.length);
      for (let j = 0; j < H; j++) {
        if (hBuf[j] <= 0) continue;
        const gh = g * v[j];
        const gvj = g * hBuf[j] + L2 * v[j];
        gv[j] += gvj * gvj; v[j] -= (LRm * gvj) / Math.sqrt(gv[j]);
        gb1[j] += gh * gh; b1[j] -= (LRm * gh) / Math.sqrt(gb1[j]);
        const ge = gh * sc;
        for (let k = 0; k < x.length; k++) { const o = (x[k] & mask) * H + j; const gg = ge + L2 * E[o]; gE[o] += gg * gg; E[o] -= (LRm * gg) / Math.sqrt(gE[o]); }
      }
      gc += g * g; c -= (LRm * g) / Math.sqrt(gc);
    }
  }
  return { mlp: true, E, b1, v, c, fwd: (x) => fwd(x, new Float64Array(H)) };
}
// marginOf.at: the index of the strongest window of the last call (for --dump: the window a second head reads).
const marginOf = (m, xs) => {
  let best = -Infinity;
  marginOf.at = 0;
  xs.forEach((x, j) => {
    let z;
    if (m.mlp) z = m.fwd(x);
    else {
      z = m.bias;
      if (x.length) {
        let s = 0;
        for (let k = 0; k < x.length; k++) s += m.w[x[k]];
        z += s / Math.sqrt(x.length);
      }
    }
    if (z > best) (best = z), (marginOf.at = j);
  });
  return best;
};

// 5 folds by group (a source file or category stays within one fold), for calibration and operating points.
const K = 5;
const oof = new Float64Array(rows.length);
const oofAt = new Int32Array(rows.length);
for (let k = 0; k < K; k++) {
  const m = (MLP_H ? trainMlp : train)(rows.filter((r) => hashStr(r.group) % K !== k));
  rows.forEach((r, i) => {
    if (hashStr(r.group) % K === k) (oof[i] = marginOf(m, r.xs)), (oofAt[i] = marginOf.at);
  });
}
// Platt scaling: fit a, b on out-of-fold margins by gradient descent on log loss.
let A = 1, B = 0;
{
  const pos = rows.filter((r) => r.y).length, neg = rows.length - pos;
  const tPos = (pos + 1) / (pos + 2), tNeg = 1 / (neg + 2);
  for (let it = 0; it < 3000; it++) {
    let ga = 0, gb = 0;
    rows.forEach((r, i) => {
      const p = 1 / (1 + Math.exp(-(A * oof[i] + B)));
      const t = r.y ? tPos : tNeg;
      ga += (p - t) * oof[i];
      gb += p - t;
    });
    A -= (0.5 * ga) / rows.length;
    B -= (0.5 * gb) / rows.length;
  }
}
const prob = (z) => 1 / (1 + Math.exp(-(A * z + B)));
const oofP = Array.from(oof, prob);
/** Lowest threshold whose out-of-fold benign FPR is at most `fpr`. */
// --points-without-writers: the operating points from the benign rows of the other sources only (the writers' tricky
// benign texts then do not move them), an experiment.
const POINTS_WITHOUT_WRITERS = args.includes('--points-without-writers');
function thresholdAt(fpr) {
  const benign = oofP.filter((_, i) => !rows[i].y && !(POINTS_WITHOUT_WRITERS && rows[i].writer)).sort((a, b) => b - a);
  const idx = Math.floor(fpr * benign.length);
  return Math.min(0.999, (benign[idx] ?? 0) + 1e-6);
}
// --alone P / --mid P: fixed points instead of the out-of-fold FPR ones (round 14 chose alone 0.96 and mid 0.7 by
// leaving one writer out: a stranger's wording ranks lower than the rows the FPR points are read from).
const T_ALONE = opt('--alone') ? Number(opt('--alone')) : thresholdAt(0.001);
const T_MID = opt('--mid') ? Number(opt('--mid')) : thresholdAt(0.01);
const T_SUPPORT = thresholdAt(0.03);

function report(name, data, probs) {
  const pts = [0.3, 0.5, T_SUPPORT, T_MID, 0.9, T_ALONE].sort((a, b) => a - b);
  const line = pts.map((t) => {
    let tp = 0, fn = 0, fp = 0, tn = 0;
    data.forEach((r, i) => {
      const hit = probs[i] >= t;
      if (r.y) hit ? tp++ : fn++;
      else hit ? fp++ : tn++;
    });
    return `p≥${t.toFixed(3)}: R ${tp + fn ? ((100 * tp) / (tp + fn)).toFixed(0) + '%' : '-'} FPR ${fp + tn ? ((100 * fp) / (fp + tn)).toFixed(1) + '%' : '-'}`;
  });
  const pos = data.filter((r) => r.y).length;
  console.log(`${name.padEnd(34)} ${String(pos).padStart(4)}+/${String(data.length - pos).padStart(5)}-  ${line.join(' | ')}`);
}
console.log('training rows per source:', counts);
console.log(`Platt a=${A.toFixed(3)} b=${B.toFixed(3)}; operating points: alone p≥${T_ALONE.toFixed(3)} (${opt("--alone") ? "fixed by --alone" : "OOF FPR 0.1%"}), corroborating p≥${T_SUPPORT.toFixed(3)} (OOF FPR 3%)`);
report('train, 5-fold out-of-fold', rows, oofP);
for (const src of Object.keys(counts)) {
  const idx = rows.map((r, i) => (r.source === src ? i : -1)).filter((i) => i >= 0);
  report(`  OOF ${src}`, idx.map((i) => rows[i]), idx.map((i) => oofP[i]));
}
const model = (MLP_H ? trainMlp : train)(rows);
for (const [name, keep] of [
  ['HELD OUT agent-egress-bench', (r) => r.source === 'agent-egress-bench'],
  ['HELD OUT promptmap', (r) => r.source === 'promptmap'],
]) {
  const data = heldOut.filter(keep);
  report(name, data, data.map((r) => prob(marginOf(model, r.xs))));
}

// The writers' text by writer and label at the three operating points: out of fold for the files trained on, the
// final model's reading for the files left out (a writer it never saw).
const POINTS = { alone: T_ALONE, mid: T_MID, support: T_SUPPORT };
function byLabel(items, probs) {
  const out = {};
  items.forEach((r, i) => {
    const g = (out[r.writer] ??= {});
    const c = (g[r.label] ??= { n: 0, alone: 0, mid: 0, support: 0 });
    c.n++;
    for (const [k, t] of Object.entries(POINTS)) if (probs[i] >= t) c[k]++;
  });
  return out;
}
function printByLabel(title, table) {
  for (const [w, labels] of Object.entries(table)) {
    console.log(`${title} ${w} (share at p≥${T_ALONE.toFixed(3)} alone / p≥${T_MID.toFixed(3)} mid / p≥${T_SUPPORT.toFixed(3)} support)`);
    for (const [label, c] of Object.entries(labels).sort()) {
      const f = (k) => `${((100 * c[k]) / c.n).toFixed(0).padStart(3)}%`;
      console.log(`  ${label.padEnd(18)} ${String(c.n).padStart(4)}  ${f('alone')} / ${f('mid')} / ${f('support')}${label === 'benign' ? '  (false positives)' : ''}`);
    }
  }
}
const oofWriters = rows.map((r, i) => (r.writer ? i : -1)).filter((i) => i >= 0);
const oofTable = byLabel(oofWriters.map((i) => ({ writer: rows[i].source, label: rows[i].label })), oofWriters.map((i) => oofP[i]));
printByLabel('OOF writer', oofTable);
const heldProbs = heldWriters.map((r) => prob(marginOf(model, r.xs)));
const heldTable = byLabel(heldWriters, heldProbs);
printByLabel('LEFT OUT writer, model trained without it:', heldTable);
if (opt('--json')) {
  const pub = {};
  for (const r of heldOut) {
    const p = prob(marginOf(model, r.xs));
    const c = (pub[r.source] ??= { attacks: 0, benign: 0, alone: [0, 0], mid: [0, 0], support: [0, 0] });
    c[r.y ? 'attacks' : 'benign']++;
    for (const [k, t] of Object.entries(POINTS)) if (p >= t) c[k][r.y ? 0 : 1]++;
  }
  writeFileSync(opt('--json'), JSON.stringify({ points: POINTS, platt: { a: A, b: B }, counts, trainedWriters: [...new Set(writers.rows.map((r) => r.writer))], leftOut: [...new Set(writers.heldOut.map((r) => r.writer))], oofWriters: oofTable, leftOutWriters: heldTable, heldOutPublic: pub }, null, 2) + '\n');
}

// --dump FILE: every training row (text, label, group, fold, out-of-fold margin) and every held-out row (margin of
// the model trained on all rows) as JSON lines, for experiments with other features over the same folds.
if (opt('--dump')) {
  // win: the strongest window [start, end) in prepareText(text), by the model that scored the row (out of fold, or the
  // final one); set 'leftout': the texts of the --leave-out writers, scored by the final model (which never saw them).
  const win = (text, at) => { const n = prepareText(text).length, s = windowStarts(n)[at] ?? 0; return [s, Math.min(n, s + WINDOW)]; };
  const lines = rows.map((r, i) => JSON.stringify({ set: 'train', text: r.text, y: r.y, source: r.source, group: r.group, fold: hashStr(r.group) % K, margin: oof[i], win: win(r.text, oofAt[i]), ...(r.writer ? { writer: r.source, label: r.label } : {}) }));
  for (const r of heldOut) { const margin = marginOf(model, r.xs); lines.push(JSON.stringify({ set: 'heldout', text: r.text, y: r.y, source: r.source, group: r.group, margin, win: win(r.text, marginOf.at) })); }
  for (const r of heldWriters) { const margin = marginOf(model, r.xs); lines.push(JSON.stringify({ set: 'leftout', text: r.text, y: r.y, source: `leftout:${r.writer}`, group: `${r.writer}:${r.label}`, writer: r.writer, label: r.label, id: r.id, margin, win: win(r.text, marginOf.at) })); }
  writeFileSync(opt('--dump'), lines.join('\n') + '\n');
  console.log(`dumped ${lines.length} rows to ${opt('--dump')} (Platt a=${A} b=${B})`);
}
if (args.includes('--write') && MLP_H) {
  console.error('--mlp is an experiment (out-of-fold and held-out figures only); the detector reads the linear model: train without --mlp to --write');
  process.exit(2);
}
if (args.includes('--write') && SURFACE) {
  console.error('--surface-head is an experiment: write it into a copy with --weights-dist');
  process.exit(2);
}
if (args.includes('--write') && (opt('--leave-out') || args.includes('--no-writers'))) {
  console.error('--write ships the model trained on every writer file: --leave-out and --no-writers are experiments (use --weights-dist)');
  process.exit(2);
}
if (args.includes('--write') || opt('--weights-dist')) {
  let max = 0;
  for (const v of model.w) max = Math.max(max, Math.abs(v));
  const scale = max / 127;
  const q = new Int8Array(model.w.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(model.w[i] / scale)));
  const r6 = (x) => Math.round(x * 1e6) / 1e6;
  const body = `// Generated by bench/security-train-classifier.mjs (${rows.length} texts: ${Object.entries(counts).map(([k, v]) => `${k} ${v.attacks}+/${v.benign}-`).join(', ')}; ${EPOCHS} epochs, l2 ${L2}). Sources: apps/security/model-sources.json. Do not edit.
/* eslint-disable */
export const CLASSIFIER_DATA = { bits: ${CLASSIFIER_BITS}, bias: ${r6(model.bias)}, scale: ${scale.toExponential(6)}, plattA: ${r6(A)}, plattB: ${r6(B)}, alone: ${r6(T_ALONE)}, mid: ${r6(T_MID)}, support: ${r6(T_SUPPORT)}, weights: '${Buffer.from(q.buffer).toString('base64')}' };
`;
  if (opt('--weights-dist')) {
    // The same data as tsc would compile it to (CommonJS), for a copy of the dist folder judged with --engine.
    const js = `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.CLASSIFIER_DATA = void 0;\n${body.split('\n').filter((l) => l.startsWith('//') || l.startsWith('/*')).join('\n')}\nexports.CLASSIFIER_DATA = ${body.slice(body.indexOf('export const CLASSIFIER_DATA = ') + 'export const CLASSIFIER_DATA = '.length)}`;
    const file = join(opt('--weights-dist'), 'src', LEAK ? 'classifier-leak-weights.js' : SURFACE ? 'classifier-surface-weights.js' : 'classifier-weights.js');
    writeFileSync(file, LEAK ? js.replaceAll('CLASSIFIER_DATA', 'LEAK_DATA') : SURFACE ? js.replaceAll('CLASSIFIER_DATA', 'SURFACE_DATA') : js);
    console.log(`wrote ${q.length} int8 weights to ${file}`);
  }
  if (args.includes('--write')) {
    writeFileSync(new URL(`../apps/security/src/${LEAK ? 'classifier-leak-weights' : 'classifier-weights'}.ts`, import.meta.url), LEAK ? body.replace('CLASSIFIER_DATA', 'LEAK_DATA').replace('bench/security-train-classifier.mjs', 'bench/security-train-classifier.mjs --leak-head') : body);
    console.log(`wrote ${q.length} int8 weights (${(body.length / 1024).toFixed(0)} KB)`);
    if (!LEAK) writeFileSync(new URL('../apps/security/model-counts.json', import.meta.url), JSON.stringify({ training: counts, heldOut: heldOut.reduce((a, r) => ((a[r.source] ??= { attacks: 0, benign: 0 }), a[r.source][r.y ? 'attacks' : 'benign']++, a), {}) }, null, 2) + '\n');
  }
}
