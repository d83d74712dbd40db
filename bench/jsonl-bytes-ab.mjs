#!/usr/bin/env node
// Do two builds write the same JSONL bytes for the same traffic? Records bench/fixtures/jsonl-bytes-traffic.mjs
// (non-ASCII, escapes, invalid UTF-8, batches, glued logs, 1-5 MB messages; requests answered, so responses carry
// their request) with this build's monitor (`--record`, root, BPF: run it under the e2e lock), replays the capture
// through both builds (`mcpspy replay`, the embedded stages after the probe) and compares the two files byte for
// byte once `msg_id`'s instance (the replaying process) is taken out. Prints lines, bytes and the first difference.
// Two replays of one build can differ where timers decide (notices, and with answered traffic whether a response
// finds its request): A is replayed twice to show it, and every message line of B is also formatted again by A's line
// code from its parsed value, which must give the same bytes whatever the timers did.
//   flock /tmp/mcpspy-e2e.lock node bench/jsonl-bytes-ab.mjs --a /work/base [--b .] [--count 3000] [--answer 1]
//     [--big 1] [--keep DIR]   (--answer 0: nothing paired, --big 0: no 1-5 MB messages; see the traffic fixture)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadAvg, parseArgs, requireRoot, ROOT, scratchDir, sleep, startEmbedded } from './pipeline-common.mjs';

const opt = parseArgs({ a: '', b: ROOT, count: 3000, keep: '', answer: 1, big: 1 });
if (!opt.a) throw new Error('usage: jsonl-bytes-ab.mjs --a OTHER_TREE [--b TREE] [--count N]');
requireRoot();
const dir = opt.keep || scratchDir('jsonl-bytes');
const cap = join(dir, 'cap.mcpspy');
const live = join(dir, 'live.jsonl');
console.log(`jsonl-bytes-ab: A ${resolve(opt.a)}, B ${resolve(opt.b)}, ${opt.count} client lines; load ${loadAvg()}`);

const mon = await startEmbedded({ output: live, comms: ['mcpjb-client', 'mcpjb-server'], extra: ['--record', cap] });
const client = execFileSync(process.execPath, [join(ROOT, 'bench/fixtures/jsonl-bytes-traffic.mjs'), '--count', String(opt.count), '--answer', String(opt.answer), '--big', String(opt.big)], { encoding: 'utf8' });
console.log(`  traffic: ${client.trim()}`);
// Until the live file stops growing (the last messages wait at most the reader wait).
let last = -1;
for (let quiet = 0; quiet < 3; ) {
  await sleep(500);
  const size = readFileSync(live).length;
  quiet = size === last ? quiet + 1 : 0;
  last = size;
}
await mon.stop(10_000);

// Replays: A, B, then A again (two replays of one build may differ where timers decide: notices' place and count,
// and with answered traffic whether a response finds its request in time; A twice shows whether they did).
const replays = {};
for (const [name, tree] of [['A', opt.a], ['B', opt.b], ['A2', opt.a]]) {
  const out = join(dir, `replay-${name}.jsonl`);
  execFileSync(process.execPath, [join(resolve(tree), 'bin/mcpspy.js'), 'replay', cap, '-q', '-o', out, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  replays[name] = readFileSync(out, 'latin1').split('\n').filter(Boolean);
}
// msg_id is `<instance>:<seq>`, the instance naming the process that wrote it; notices are left out (timers).
const norm = (lines) => lines.filter((l) => !l.startsWith('{"type":"notice"')).map((l) => l.replace(/"(msg_id|retry_of)":"[^":]*:/g, '"$1":"I:')).join('\n');
const [na, nb, na2] = [norm(replays.A), norm(replays.B), norm(replays.A2)];
const bl = replays.B;
console.log(`  live (B's monitor): ${lines(live).length} lines; replays A ${replays.A.length}, B ${bl.length}, A again ${replays.A2.length} lines`);
console.log(`  B's lines with bytes outside printable ASCII: ${bl.filter((l) => /[^\x20-\x7e]/.test(l)).length}, with \\u escapes: ${bl.filter((l) => l.includes('\\u')).length}, over 1 MB: ${bl.filter((l) => l.length > 1_000_000).length}, responses with their request: ${bl.filter((l) => l.includes('"request":{')).length}`);
const firstDiff = (x, y) => {
  const [lx, ly] = [x.split('\n'), y.split('\n')];
  const i = lx.findIndex((l, k) => l !== ly[k]);
  return `line ${i + 1}\n    ${JSON.stringify(lx[i]?.slice(0, 300))}\n    ${JSON.stringify(ly[i]?.slice(0, 300))}`;
};
const aa = na === na2;
console.log(`  replay A vs replay A again (messages): ${aa ? 'same bytes' : `DIFFERENT (the replay itself varies): ${firstDiff(na, na2)}`}`);
console.log(`  replay A vs replay B (messages): ${na === nb ? 'SAME BYTES' : `DIFFERENT: ${firstDiff(na, nb)}`}`);
if (aa && na !== nb) process.exitCode = 1;

// Every message line B wrote (replay and live), formatted again by A's line code from its parsed value: the bytes A
// writes for that message (a message's line is JSON.stringify of its fields in MCPSpy's order, so parsing it gives
// the message back). Whatever the timers did, each of B's lines must be A's line of the same message.
const req = createRequire(join(resolve(opt.a), 'bench/x.mjs'));
const aLine = req(join(resolve(opt.a), 'apps/sink/dist/src/jsonl-format.js')).messageToJsonl;
let checked = 0;
let differ = 0;
for (const l of [...bl, ...lines(live)]) {
  const text = Buffer.from(l, 'latin1').toString('utf8');
  if (text.startsWith('{"type":')) continue;
  checked++;
  if (aLine(JSON.parse(text)) !== text) {
    if (differ++ === 0) console.log(`  first line A formats otherwise: ${JSON.stringify(text.slice(0, 300))}`);
  }
}
console.log(`  B's message lines (replay and live) that A's line code writes otherwise: ${differ} of ${checked}`);
if (differ > 0) process.exitCode = 1;
console.log(`  files in ${dir}; load ${loadAvg()}`);

function lines(file) {
  return readFileSync(file, 'latin1').split('\n').filter(Boolean);
}
