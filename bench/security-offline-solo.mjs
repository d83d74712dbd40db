#!/usr/bin/env node
// One build of apps/security per process: CPU µs per text of the offline pass (rules + secrets), the local classifier
// and the context cues over the speed bench's mix, 4 passes after a warm-up pass. Session 14 found that on the
// realistic mix a build loaded second in a process runs markedly slower than the same build loaded first, which biases
// the interleaved `security-offline.mjs --against` figure; run this once per build, alternating, under `taskset -c 1`.
// Usage: node bench/security-offline-solo.mjs [--dist DIR] [--mix synthetic|real] [--data DIR]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { benchTexts } from './security-offline-texts.mjs';
import { realTexts } from './security-offline-real.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => (args.indexOf(n) >= 0 && args.indexOf(n) + 1 < args.length ? args[args.indexOf(n) + 1] : d);
const dist = resolve(opt('--dist', new URL('../apps/security/dist', import.meta.url).pathname));
const mix = opt('--mix', 'synthetic');
const lib = createRequire(resolve(dist, 'src', 'index.js'))(resolve(dist, 'src', 'index.js'));
const texts = mix === 'real' ? realTexts(opt('--data', '/work/data/security')) : benchTexts.map((t, i) => ({ text: t, context: i % 10 === 0 ? 'definition' : 'result' }));
const inputs = texts.map(({ text, context }) => ({ msg: null, method: 'tools/call', direction: 'response', texts: [{ field: 'result.content[0].text', text, context, origin: 'plain' }] }));
const analysis = new lib.OfflineAnalysis({ lexical: false });
const classifier = new lib.ClassifierDetector();
const context = new lib.ContextDetector();
const parts = [['offline', (i) => analysis.analyze(i)], ['classifier', (i) => classifier.detect(i)], ['context', (i) => context.detect(i)]];
for (const input of inputs) for (const [, f] of parts) f(input);
const cpu = parts.map(() => 0);
for (let r = 0; r < 4; r++) {
  for (const input of inputs) {
    for (let k = 0; k < parts.length; k++) {
      const c0 = process.cpuUsage();
      parts[k][1](input);
      const c = process.cpuUsage(c0);
      cpu[k] += c.user + c.system;
    }
  }
}
const n = 4 * inputs.length;
const total = cpu.reduce((a, b) => a + b, 0) / n;
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`${dist} ${mix}: ${total.toFixed(1)} CPU µs per text = ${Math.round(1e6 / total)} texts per CPU-second (${parts.map(([name], k) => `${name} ${(cpu[k] / n).toFixed(1)}`).join(', ')}; load ${load})`);
