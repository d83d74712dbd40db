#!/usr/bin/env node
// The speed bench's offline pass (bench/security-offline.mjs: rules + secrets, the classifier and the context cues on
// the synthetic 1 KB mix) in a loop for a profile: node --cpu-prof --cpu-prof-dir DIR bench/security-offline-profile.mjs [--texts 20000] [--engine DIST_DIR]
// then node bench/cpu-profile-top.mjs DIR/*.cpuprofile --messages N --from-fn detectLoop
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import * as current from '@mcpspy/security';
import { benchTexts } from './security-offline-texts.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => (args.indexOf(n) >= 0 ? args[args.indexOf(n) + 1] : d);
const n = Number(opt('--texts', '20000'));
const dir = opt('--engine', undefined);
const lib = dir ? createRequire(resolve(dir, 'src', 'index.js'))(resolve(dir, 'src', 'index.js')) : current;
const analysis = new lib.OfflineAnalysis({ lexical: false });
const extra = [new lib.ClassifierDetector(), new lib.ContextDetector()];
const units = benchTexts.map((t, i) => [{ field: 'result.content[0].text', text: t, context: i % 10 === 0 ? 'definition' : 'result', origin: 'plain' }]);
function detectLoop(count) {
  let f = 0;
  for (let i = 0; i < count; i++) {
    const input = { msg: null, method: 'tools/call', direction: 'response', texts: units[i % units.length] };
    f += analysis.analyze(input).length;
    for (const d of extra) f += d.detect(input).length;
  }
  return f;
}
detectLoop(3000);
const c0 = process.cpuUsage();
const found = detectLoop(n);
const c = process.cpuUsage(c0);
console.log(`${n} texts, ${found} findings, ${Math.round(n / ((c.user + c.system) / 1e6))} texts per CPU-second`);
