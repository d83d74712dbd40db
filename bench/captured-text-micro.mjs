#!/usr/bin/env node
// What a message's params/result text costs the parser: JSON.stringify of the
// parsed object (before) against capturedMemberText's proof that the captured
// text is already that (apps/mcp-parser/src/captured-text.ts), interleaved in
// one process, CPU time per message. Shapes: pipeline-stdio's tools/call
// requests (~250-byte params), a non-ASCII result, a 3.8 KB result dense with
// escapes (left to JSON.stringify: the cost of finding that out is shown) and a
// 6 KB result with a newline per line (sparse escapes).
//   node bench/captured-text-micro.mjs [--n 200000] [--rounds 6]
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadAvg, parseArgs, ROOT } from './pipeline-common.mjs';
import { requestRaw } from './micro-request.mjs';

const opt = parseArgs({ n: 200_000, rounds: 6 });
const req = createRequire(join(ROOT, 'bench/x.mjs'));
const { capturedMemberText } = req(join(ROOT, 'apps/mcp-parser/dist/src/captured-text.js'));

// Texts as a decoder makes them (flat), parsed as the parser does.
const flat = (s) => Buffer.from(s).toString();
const shapes = {
  'request params (~250 B)': Array.from({ length: 1000 }, (_, n) => flat(requestRaw(n))),
  'non-ASCII result': [flat(JSON.stringify({ jsonrpc: '2.0', id: 10, result: { content: [{ type: 'text', text: 'Weather in Zürich: 20°C ☀ 😀 '.repeat(10) }] } }))],
  'result 3.8 KB, dense escapes': [flat(JSON.stringify({ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: 'line of "quoted" output\n'.repeat(150) }] } }))],
  'result 6 KB, a newline per line': [flat(JSON.stringify({ jsonrpc: '2.0', id: 11, result: { content: [{ type: 'text', text: 'a line of tool output without quotes, as a log or a listing has it\n'.repeat(90) }], isError: false } }))],
};
console.log(`captured-text-micro: ${opt.n} per round, ${opt.rounds} rounds; load ${loadAvg()}`);
for (const [name, raws] of Object.entries(shapes)) {
  const key = name.startsWith('request') ? 'params' : 'result';
  const parsed = raws.map((r) => JSON.parse(r)[key]);
  let taken = 0;
  for (let i = 0; i < raws.length; i++) {
    const t = capturedMemberText(raws[i], key, parsed[i]);
    if (t !== undefined) {
      taken++;
      if (t !== JSON.stringify(parsed[i])) throw new Error(`${name}: captured text differs`);
    }
  }
  const run = (f) => {
    const t0 = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < opt.n; i++) x += f(i % raws.length);
    const u = process.cpuUsage(t0);
    if (x === 0.5) console.log(x);
    return ((u.user + u.system) * 1000) / opt.n;
  };
  const a = [];
  const b = [];
  for (let r = 0; r < opt.rounds; r++) {
    a.push(run((i) => JSON.stringify(parsed[i]).length));
    // As the parser does it: the proof, and JSON.stringify where it fails.
    b.push(run((i) => (capturedMemberText(raws[i], key, parsed[i]) ?? JSON.stringify(parsed[i])).length));
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  console.log(`  ${name.padEnd(32)} JSON.stringify ${(med(a) / 1000).toFixed(3)} µs, captured (else stringify) ${(med(b) / 1000).toFixed(3)} µs, B/A ${(med(b) / med(a)).toFixed(2)}; taken ${taken} of ${raws.length}`);
}
console.log(`load ${loadAvg()}`);
