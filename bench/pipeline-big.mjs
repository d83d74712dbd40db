#!/usr/bin/env node
// One ~10 MB MCP message through the embedded monitor, twice:
//  - stdio: a C writer puts the whole JSON-RPC line into a pipe with a single
//    write(2); a C reader drains it;
//  - HTTPS: a Node https server answers a tools/call POST with a ~10 MB result
//    (Content-Length), a Node https client reads it (TLS captured by the
//    uprobes on node's statically linked OpenSSL; certificate from openssl).
// Reports whether each message reached the JSONL intact (sha256 of its `raw`
// field against the bytes sent) and the time from the write to the line.
// Needs root and a build.
//   node bench/pipeline-big.mjs [--mb 10] [--timeout-s 120]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bigResultLine, sha256 } from './fixtures/big-message.mjs';
import {
  compileFixture, emitResult, fmt, JsonlTailer, loadAvg, namedLink, parseArgs, printTable, ProcSampler, requireRoot,
  ROOT, scrapeCounters, scratchDir, sleep, startEmbedded, startProc, uniqueTag, verdict,
} from './pipeline-common.mjs';

const opt = parseArgs({ mb: 10, timeoutS: 120 });
requireRoot();
const dir = scratchDir('bench-big');
const tag = uniqueTag();
const textBytes = Math.round(opt.mb * 1_000_000 * 0.93);
const names = { w: `mcpbgw-${tag}`, r: `mcpbgr-${tag}`, s: `mcpbgs-${tag}`, c: `mcpbgc-${tag}` };
const writer = namedLink(dir, compileFixture(dir, 'big-writer'), names.w);
const reader = namedLink(dir, compileFixture(dir, 'stdio-reader'), names.r);
const nodeServer = namedLink(dir, process.execPath, names.s);
const nodeClient = namedLink(dir, process.execPath, names.c);
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
const output = join(dir, 'out.jsonl');
const load0 = loadAvg();

// Every line that mentions one of our ids, parsed once it has fully arrived.
const arrivals = [];
const tailer = new JsonlTailer(output, (line, at) => {
  try {
    const m = JSON.parse(line);
    arrivals.push({ at, m, bytes: Buffer.byteLength(line) });
  } catch {
    arrivals.push({ at, m: undefined, bytes: Buffer.byteLength(line) });
  }
});

async function waitFor(pred, timeoutMs) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    const hit = arrivals.find(pred);
    if (hit) return hit;
    await sleep(50);
  }
  return undefined;
}

console.log(`pipeline-big: one ${opt.mb} MB message over stdio and over HTTPS, comms ${Object.values(names).join(',')}, load ${load0}`);
const mon = await startEmbedded({ output, comms: Object.values(names) });
const sampler = new ProcSampler(mon.pids);
await sleep(1_000);
const results = {};

// stdio
{
  const id = 7001;
  const big = bigResultLine(id, textBytes);
  writeFileSync(join(dir, 'big.jsonl'), `${big.line}\n`);
  const gen = spawn('/bin/sh', ['-c', '"$0" "$2" 2>"$3" | "$1" 2>/dev/null', writer, reader, join(dir, 'big.jsonl'), join(dir, 'big.w')], { stdio: 'inherit' });
  await new Promise((r) => gen.on('close', r));
  const [sentUs, written] = readFileSync(join(dir, 'big.w'), 'utf8').trim().split(' ').map(Number);
  const hit = await waitFor((a) => a.m?.id === id && a.m?.transport_type === 'stdio', opt.timeoutS * 1000);
  results.stdio = {
    bytes: big.bytes,
    written,
    captured: !!hit,
    intact: hit ? sha256(hit.m.raw ?? '') === big.sha256 : false,
    resultIntact: hit ? hit.m.result?.content?.[0]?.text === JSON.parse(big.line).result.content[0].text : false,
    writeToLineMs: hit ? hit.at - sentUs / 1000 : NaN,
    lineBytes: hit?.bytes,
    lines: arrivals.filter((a) => a.m?.id === id).length,
  };
}

// HTTPS
{
  const id = 7002;
  const server = startProc('https-server', nodeServer, [join(ROOT, 'bench/fixtures/https-server.mjs'), join(dir, 'cert.pem'), join(dir, 'key.pem'), String(textBytes)]);
  await server.waitForLine(/"port":\d+/, 15_000);
  let serverOut = '';
  server.child.stdout.on('data', (d) => (serverOut += d));
  const port = Number(/"port":(\d+)/.exec(server.stderr())[1]);
  const client = spawn(nodeClient, [join(ROOT, 'bench/fixtures/https-client.mjs'), String(port), String(id)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let clientOut = '';
  client.stdout.on('data', (d) => (clientOut += d));
  await new Promise((r) => client.on('close', r));
  await sleep(100);
  const sent = JSON.parse(/\{"id":.*\}/.exec(serverOut + server.stderr())[0]);
  const got = JSON.parse(clientOut.trim() || '{}');
  const resp = await waitFor((a) => a.m?.id === id && a.m?.transport_type === 'http' && a.m?.type === 'response', opt.timeoutS * 1000);
  const req = arrivals.find((a) => a.m?.id === id && a.m?.transport_type === 'http' && a.m?.type === 'request');
  await server.stop('SIGTERM', 5_000);
  results.https = {
    bytes: sent.bytes,
    clientReceived: got.bytes,
    requestCaptured: !!req,
    captured: !!resp,
    intact: resp ? sha256(resp.m.raw ?? '') === sent.sha256 : false,
    writeToLineMs: resp ? resp.at - sent.sentMs : NaN,
    clientReadMs: got.doneMs - sent.sentMs,
    lineBytes: resp?.bytes,
    lines: arrivals.filter((a) => a.m?.id === id).length,
  };
}

const { counters } = await scrapeCounters(mon.metricsPorts);
const mem = sampler.stop();
const loadEnd = loadAvg();
await mon.stop(30_000);
tailer.close();
const probe = counters.probe ?? {};
const s = results.stdio;
const h = results.https;
printTable(`pipeline-big: one message of ${fmt(s.bytes / 1e6, 1)} MB (stdio) / ${fmt(h.bytes / 1e6, 1)} MB (HTTPS body), embedded monitor, 2 vCPU shared`, [
  ['stdio: bytes in the one write(2)', `${fmt(s.written)} of ${fmt(s.bytes + 1)}`, '', ''],
  ['stdio: message captured', s.captured ? 'yes' : 'no', 'yes', verdict(s.captured)],
  ['stdio: sha256(raw) = sha256(sent line)', s.intact ? 'yes' : 'no', 'yes', verdict(s.intact)],
  ['stdio: result text identical', s.resultIntact ? 'yes' : 'no', 'yes', verdict(s.resultIntact)],
  ['stdio: lines for this id', fmt(s.lines), '1', verdict(s.lines === 1)],
  ['stdio: write -> line (ms)', fmt(s.writeToLineMs), '', ''],
  ['https: client received (bytes)', `${fmt(h.clientReceived)} of ${fmt(h.bytes)}`, '', ''],
  ['https: request captured', h.requestCaptured ? 'yes' : 'no', 'yes', verdict(h.requestCaptured)],
  ['https: response captured', h.captured ? 'yes' : 'no', 'yes', verdict(h.captured)],
  ['https: sha256(raw) = sha256(body sent)', h.intact ? 'yes' : 'no', 'yes', verdict(h.intact)],
  ['https: lines for this id (request + response)', fmt(h.lines), '2', verdict(h.lines === 2)],
  ['https: server write -> client has all bytes (ms)', fmt(h.clientReadMs), '', ''],
  ['https: server write -> line (ms)', fmt(h.writeToLineMs), '', ''],
  ['probe ringbuf_full / lost_bytes / gaps / batches_dropped', `${fmt(probe.ringbuf_full)} / ${fmt(probe.lost_bytes)} / ${fmt(probe.gaps)} / ${fmt(probe.batches_dropped)}`, '0', verdict(!probe.ringbuf_full && !probe.lost_bytes)],
  ['monitor RSS max (MB)', fmt(mem.rssMaxMb), '<= 300', verdict(mem.rssMaxMb <= 300)],
  ['load average start -> end', `${load0} -> ${loadEnd}`, '', ''],
]);
for (const p of mon.procs) {
  if (p.child.exitCode !== 0) console.log(`${p.name} exit ${p.child.exitCode ?? p.child.signalCode}; last stderr:\n${p.stderr().trim().split('\n').slice(-5).join('\n')}`);
}
emitResult('pipeline-big', {
  stdio: s, https: h, ringbuf_full: probe.ringbuf_full, lost_bytes: probe.lost_bytes, gaps: probe.gaps,
  batches_dropped: probe.batches_dropped, rssMaxMb: mem.rssMaxMb, load: `${load0} -> ${loadEnd}`,
});
