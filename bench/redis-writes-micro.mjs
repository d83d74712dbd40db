#!/usr/bin/env node
// What one pending request's Store write costs through Redis, client and
// server apart: TURNS event-loop turns of N `set(key, ~430 B value, ttl)` on a
// RedisStore (mcp-parser's write of a pending request), each turn awaited, on
// one redis-server started here. Prints this process's CPU (process.cpuUsage)
// and redis-server's (INFO cpu: used_cpu_user + used_cpu_sys) per write.
// MCPSPY_REDIS_GATHER=0 sends each write as its own command (for A/B).
// Each round runs both forms, interleaved: `set` (a key per request, SET PX
// inside the gathered-writes script: mcp-parser before session 10) and `hput`
// (a field of the session's hash, one HSET + PEXPIRE per turn: since session 10).
//   node bench/redis-writes-micro.mjs [--rounds 5] [--turns 400] [--per 100]   (needs: npx tsc -b libs/runtime)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ rounds: 5, turns: 400, per: 100 });
const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const require = createRequire(join(here, 'package.json'));
const { RedisStore } = require(join(here, 'libs/runtime/dist/src/index.js'));
const { startRedis } = require(join(here, 'libs/runtime/dist/src/testing/index.js'));
const Redis = require('ioredis');

const srv = await startRedis();
let store;
let admin;
try {
  store = await RedisStore.connect({ url: srv.url });
  admin = new Redis(srv.url);
  const serverUs = async () => {
    const t = await admin.info('cpu');
    return (Number(/used_cpu_user:([\d.]+)/.exec(t)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(t)[1])) * 1e6;
  };
  // A pending request as mcp-parser stores it (request-pairing.ts storedValue): method, tab, timestamp, params, msg_id.
  const value = `"tools/call"\t"2026-12-06T14:00:00.000000000Z","params":{"name":"search_docs","arguments":{"query":"${'alpha beta '.repeat(30)}","limit":5},"_meta":{"progressToken":"bench"}}}\nmcp-parser-1:123456`;
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${opt.turns} turns of ${opt.per} writes of ${value.length} B; gathered: ${process.env.MCPSPY_REDIS_GATHER ?? 'yes'}`);
  let k = 0;
  const forms = {
    set: () => store.set(`mcp:pending:stdio:1234>5678:${k++}`, value, 600_000),
    hput: () => store.hput('mcp:pending-h:stdio:1234>5678', String(k++), value, 600_000),
  };
  const seen = { set: [], hput: [] };
  for (let r = 0; r < opt.rounds; r++) {
    for (const [form, write] of Object.entries(forms)) {
      await admin.flushall();
      const s0 = await serverUs();
      const c0 = process.cpuUsage();
      for (let t = 0; t < opt.turns; t++) {
        const writes = [];
        for (let i = 0; i < opt.per; i++) writes.push(write());
        await Promise.all(writes);
      }
      const c = process.cpuUsage(c0);
      const s = (await serverUs()) - s0;
      const n = opt.turns * opt.per;
      seen[form].push([(c.user + c.system) / n, s / n]);
      console.log(`round ${r + 1} ${form}: client ${((c.user + c.system) / n).toFixed(2)} µs per write, redis-server ${(s / n).toFixed(2)} µs per write`);
    }
  }
  const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  for (const [form, v] of Object.entries(seen)) console.log(`${form}: median client ${median(v.map((x) => x[0])).toFixed(2)} µs, redis-server ${median(v.map((x) => x[1])).toFixed(2)} µs per write`);
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  admin?.disconnect();
  await store?.close();
  await srv.dispose();
}
