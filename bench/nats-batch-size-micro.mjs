#!/usr/bin/env node
// What a NATS batch of mcp.message events costs per event, by batch size: one
// publisher NatsBus and two durable consumers (as security and sink, with
// validation, handlers that do nothing) in this process, one nats-server
// (JetStream, file storage) started here. TOTAL events are published SIZE at a
// time (one event-loop turn each, then SIZE/20 ms of quiet) until both
// consumers have them all. Prints nats-server's CPU (utime + stime from
// /proc) and this process's CPU per event, each size twice, interleaved.
//   node bench/nats-batch-size-micro.mjs [--sizes 10,100,500] [--total 20000]   (needs: npx tsc -b libs/runtime)
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs, CLK_TCK } from './pipeline-common.mjs';

const opt = parseArgs({ sizes: '10,100,500', total: 20000 });
const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const require = createRequire(join(here, 'package.json'));
const rt = require(join(here, 'libs/runtime/dist/src/index.js'));
const { startNats } = require(join(here, 'libs/runtime/dist/src/testing/index.js'));
const sizes = String(opt.sizes).split(',').map(Number);

function event(n) {
  const params = { sent_us: 1765000000000000 + n, name: 'search_docs', arguments: { query: 'alpha beta gamma delta search docs index query vector node rust kernel tracing'.slice(0, 40 + (n % 60)), limit: 5 }, _meta: { progressToken: `bench-${n}` } };
  return {
    timestamp: new Date(1765000000000 + n).toISOString(), transport_type: 'stdio',
    stdio_transport: { from_pid: 1234, from_comm: 'mcpbw-abcd', to_pid: 1235, to_comm: 'mcpbr-abcd' },
    type: 'request', id: n, method: 'tools/call', params, error: {},
    raw: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params }), session: 'stdio:1234:1235', seq: n, msg_id: `p1:${n}`,
  };
}
const events = Array.from({ length: 1000 }, (_, i) => event(i));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const nats = await startNats();
const buses = [];
try {
  const pid = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).find((d) => {
    try {
      const c = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      return c.includes('nats-server') && c.includes(String(nats.port));
    } catch {
      return false;
    }
  });
  if (!pid) throw new Error('nats-server process not found');
  const serverUs = () => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) / CLK_TCK) * 1e6;
  };
  const pub = await rt.NatsBus.connect({ url: nats.url, name: 'batch-size-pub' });
  buses.push(pub);
  let got = 0;
  for (const name of ['security', 'sink']) {
    const b = await rt.NatsBus.connect({ url: nats.url, name });
    await b.subscribe('mcpspy.v1.mcp.message', () => void got++, { queue: name, durable: name });
    buses.push(b);
  }
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${opt.total} events per run, ~${JSON.stringify(events[0]).length} B each`);
  for (const size of [...sizes, ...sizes]) {
    got = 0;
    const s0 = serverUs();
    const c0 = process.cpuUsage();
    for (let n = 0; n < opt.total; ) {
      for (let i = 0; i < size && n < opt.total; i++, n++) pub.publish('mcpspy.v1.mcp.message', events[n % events.length]);
      await sleep(size / 20);
    }
    while (got < 2 * opt.total) await sleep(5);
    const c = process.cpuUsage(c0);
    const s = serverUs() - s0;
    console.log(`batches of ${String(size).padStart(4)}: nats-server ${(s / opt.total).toFixed(1)} µs per event, publisher + 2 consumers ${((c.user + c.system) / opt.total).toFixed(1)} µs per event`);
  }
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  for (const b of buses) await b.close().catch(() => undefined);
  await nats.dispose();
}
