#!/usr/bin/env node
// mcp-parser throughput on stdio: typical MCP lines, one write call each and
// the reader's read of it, through the real batch codec and the engine.
// Usage: npx tsc -b apps/mcp-parser && node bench/mcp-parser.mjs [messages]
// With REDIS_URL=redis://host:port the Store is RedisStore (pairing and pipe
// endpoints go through Redis, as in distributed mode).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ev = { ...require('@mcpspy/events'), ...require('@mcpspy/runtime') };
const { McpParserEngine } = require('@mcpspy/mcp-parser');

const N = Number(process.argv[2] ?? 200_000);
const WALL = 1_705_322_096_789n * 1_000_000n;

const lines = {
  request: (i) => `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"New York","units":"metric","days":3}}}`,
  response: (i) =>
    `{"jsonrpc":"2.0","id":${i},"result":{"content":[{"type":"text","text":"${'Weather in New York: 20°C, light wind from the west, humidity 40%. '.repeat(6)}"}],"isError":false}}`,
  notification: (i) => `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"tok-${i}","progress":${i},"total":${N}}}`,
};

function buildBatches(kind) {
  const batches = [];
  let w = new ev.RawBatchWriter(1 << 20);
  let callId = 1n;
  let seq = 0n;
  let bytes = 0;
  const push = (rec) => {
    if (!w.fits(rec.data.byteLength)) {
      batches.push(w.finish({ wallOffsetNs: WALL, seq: seq++ }));
    }
    w.append(rec);
  };
  for (let i = 0; i < N; i++) {
    let text, from, to, stream;
    if (kind === 'pairs' || kind === 'requests') {
      const isReq = kind === 'requests' || i % 2 === 0;
      text = isReq ? lines.request(i >> 1) : lines.response(i >> 1);
      from = isReq ? 100 : 200;
      to = isReq ? 200 : 100;
      stream = isReq ? 7001n : 7002n;
    } else {
      text = lines.notification(i);
      from = 200;
      to = 100;
      stream = 7002n;
    }
    const data = Buffer.from(text + '\n');
    bytes += data.length;
    const base = { kind: ev.RawKind.io, fdType: ev.FdType.pipe, flags: ev.RawFlags.first | ev.RawFlags.last, tid: 0, fd: 1, tsNs: BigInt(i) * 1000n, streamId: stream, totalLen: data.length, offset: 0, lostBytes: 0 };
    push({ ...base, direction: ev.Direction.write, pid: from, comm: from === 100 ? 'client' : 'server', callId: callId++, data });
    push({ ...base, direction: ev.Direction.read, pid: to, comm: to === 100 ? 'client' : 'server', callId: callId++, data });
  }
  batches.push(w.finish({ wallOffsetNs: WALL, seq: seq++ }));
  return { batches, bytes };
}

async function run(kind) {
  const tb = Date.now();
  const { batches, bytes } = buildBatches(kind);
  const buildMs = Date.now() - tb;
  const store = process.env.REDIS_URL
    ? await ev.RedisStore.connect({ url: process.env.REDIS_URL, prefix: `bench-${process.pid}:` })
    : new ev.MemoryStore();
  let count = 0;
  let paired = 0;
  const engine = new McpParserEngine({
    store,
    logger: ev.silentLogger(),
    instance: 'bench',
    emit: (m) => {
      count++;
      if (m.request) paired++;
    },
  });
  const t0 = process.hrtime.bigint();
  for (const b of batches) await engine.onRawBatch(ev.decodeRawBatch(b));
  await engine.flush();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  global.gc(); const hb = process.memoryUsage().heapUsed; batches.length = 0; global.gc(); console.log(kind, 'heap after (batches dropped)', (process.memoryUsage().heapUsed / 1048576).toFixed(0), 'MB; with batches', (hb/1048576).toFixed(0));
  await engine.close();
  await store.close();
  if (count !== N) throw new Error(`expected ${N} messages, got ${count}`);
  const rss = process.memoryUsage().rss / 1048576;
  console.log(
    `${kind.padEnd(13)} ${N} msgs (${(bytes / N).toFixed(0)} B avg, write+read events) in ${s.toFixed(2)} s: ` +
      `${Math.round(N / s).toLocaleString('en-US')} msg/s, ${(bytes / s / 1048576).toFixed(1)} MB/s` +
      (kind === 'pairs' || kind === 'requests' ? `, ${paired} responses paired` : '') +
      `, ${process.env.REDIS_URL ? 'RedisStore' : 'MemoryStore'}, rss ${rss.toFixed(0)} MB (input built in ${buildMs} ms, not timed)`,
  );
}

const heap0 = process.memoryUsage().heapUsed; let keep;
await run(process.argv[3] ?? 'requests'); global.gc?.(); console.log('heap used after', ((process.memoryUsage().heapUsed - heap0) / 1048576).toFixed(0), 'MB');
