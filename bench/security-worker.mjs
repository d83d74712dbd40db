#!/usr/bin/env node
// The security engine's offline worker transport: CPU per message (engine
// thread + worker thread) when N messages are judged at once, as the
// security controller does with the events of one NATS batch
// (`concurrent`), against one at a time (N = 1: a post and a reply, and a
// wake-up of each thread, per message). Messages are ~300-byte tools/call
// results; rules, secrets, classifier and context cues all run.
//   node bench/security-worker.mjs [--messages 40000] [--at-once 1,64,500]
import { cpus, loadavg } from 'node:os';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { SecurityEngine } from '@mcpspy/security';
import { toolResult } from '../apps/security/dist/src/test-builders.js';
import { parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ messages: 40000, atOnce: '1,64,500' });
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`security-worker: ${opt.messages} messages per setting, ${cpus().length} CPUs, load ${load()}`);
for (const n of String(opt.atOnce).split(',').map(Number)) {
  const engine = new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5 });
  await engine.init();
  await engine.analyze(toolResult('warm-up'));
  let maxRss = 0;
  const iv = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 20);
  const posts0 = engine.counters.get('offline_batches');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < opt.messages; i += n) {
    const m = Math.min(n, opt.messages - i);
    await Promise.all(Array.from({ length: m }, (_, j) => engine.analyze(toolResult(`build ${i + j} passed: 42 tests, 0 failures, coverage 87%. Artifacts at https://ci.example.com/${i + j}. ${'x'.repeat(200)}`))));
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  clearInterval(iv);
  const posts = engine.counters.get('offline_batches') - posts0;
  console.log(`  ${String(n).padStart(4)} at once: ${((cpu.user + cpu.system) / opt.messages).toFixed(1)} µs CPU/msg (both threads), ${((wall * 1000) / opt.messages).toFixed(1)} µs wall/msg, ${posts} posts to the worker, RSS max ${(maxRss / 1048576).toFixed(0)} MB, load ${load()}`);
  await engine.close();
}
