#!/usr/bin/env node
// Throughput of the http-session engine on typical MCP Streamable HTTP
// traffic (JSON-RPC POSTs answered by small SSE streams, some large tool
// results), pre-encoded into 1 MB raw batches. Build first:
//   npx tsc -b apps/http-session && node bench/http-session.mjs [seconds]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { HttpSessionEngine } = require('../apps/http-session/dist/src/index.js');
const { RawBatchWriter, decodeRawBatch, RawKind, FdType, Direction, RawFlags } = require('../libs/events/dist/src/index.js');
const { silentLogger } = require('../libs/runtime/dist/src/index.js');

const seconds = Number(process.argv[2] ?? 5);
const CHUNK = 4096;
let callId = 1n;
let ts = 1_000_000_000n;

function* chunks(streamId, direction, bytes) {
  const id = callId++;
  ts += 1000n;
  for (let off = 0; off < bytes.length; off += CHUNK) {
    const data = bytes.subarray(off, off + CHUNK);
    yield {
      kind: RawKind.tls, direction, fdType: FdType.none,
      flags: (off === 0 ? RawFlags.first : 0) | (off + data.length >= bytes.length ? RawFlags.last : 0),
      pid: 1000, tid: 1000, fd: -1, tsNs: ts, streamId, callId: id, totalLen: bytes.length, offset: off, lostBytes: 0, comm: 'node', data,
    };
  }
}

function exchange(i, resultBytes) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'search', arguments: { query: `item ${i}`, limit: 10 } } });
  const req = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: 3f1c2a9e-6b7d-4e2a-9f51-0c8d7e6a5b4c\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const result = JSON.stringify({ jsonrpc: '2.0', id: i, result: { content: [{ type: 'text', text: 'x'.repeat(resultBytes) }] } });
  const event = `event: message\ndata: ${result}\n\n`;
  const res = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nMcp-Session-Id: 3f1c2a9e-6b7d-4e2a-9f51-0c8d7e6a5b4c\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n0\r\n\r\n`;
  return [Buffer.from(req), Buffer.from(res)];
}

// 64 connections; 1 in 50 results is 64 KB, the rest ~700 B.
const events = [];
let exchanges = 0;
for (let i = 0; i < 20_000; i++) {
  const [req, res] = exchange(i, i % 50 === 0 ? 65536 : 600);
  const sid = BigInt(0x7f0000 + (i % 64));
  events.push(...chunks(sid, Direction.write, req), ...chunks(sid, Direction.read, res));
  exchanges++;
}
const batches = [];
let payload = 0;
let w = new RawBatchWriter(1 << 20);
for (const ev of events) {
  if (!w.fits(ev.data.length)) { batches.push(w.finish({ wallOffsetNs: 0n, seq: BigInt(batches.length) })); }
  w.append(ev);
  payload += ev.data.length;
}
batches.push(w.finish({ wallOffsetNs: 0n, seq: BigInt(batches.length) }));

let messages = 0;
const t0 = process.hrtime.bigint();
let rounds = 0;
while (Number(process.hrtime.bigint() - t0) / 1e9 < seconds) {
  const engine = new HttpSessionEngine({ logger: silentLogger(), emit: () => { messages++; } });
  for (const b of batches) engine.onBatch(decodeRawBatch(b));
  rounds++;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const perRound = messages / rounds;
console.log(`typical MCP over TLS: ${exchanges} exchanges (${perRound} messages, ${(payload / 1e6).toFixed(1)} MB) x ${rounds} rounds in ${secs.toFixed(2)} s`);
console.log(`  ${Math.round(messages / secs).toLocaleString('en')} messages/s, ${((payload * rounds) / 1e6 / secs).toFixed(1)} MB/s`);

// One 10 MB chunked JSON response, as SSL_read records of 16 KB split into 4 KB chunks.
const big = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { blob: 'y'.repeat(10 * 1024 * 1024) } }));
const parts = [];
for (let off = 0; off < big.length; off += 16384) {
  const p = big.subarray(off, off + 16384);
  parts.push(Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n'));
}
const wire = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'), ...parts, Buffer.from('0\r\n\r\n')]);
const bigEvents = [...chunks(1n, Direction.write, Buffer.from('GET /big HTTP/1.1\r\nHost: h\r\n\r\n'))];
for (let off = 0; off < wire.length; off += 16384) bigEvents.push(...chunks(1n, Direction.read, wire.subarray(off, off + 16384)));
const bigBatches = [];
w = new RawBatchWriter(1 << 20);
for (const ev of bigEvents) {
  if (!w.fits(ev.data.length)) bigBatches.push(w.finish({ wallOffsetNs: 0n, seq: 0n }));
  w.append(ev);
}
bigBatches.push(w.finish({ wallOffsetNs: 0n, seq: 0n }));
let got = 0;
const t1 = process.hrtime.bigint();
const engine = new HttpSessionEngine({ logger: silentLogger(), emit: (m) => { if (!m.is_request) got = m.body.length; } });
for (const b of bigBatches) engine.onBatch(decodeRawBatch(b));
const s1 = Number(process.hrtime.bigint() - t1) / 1e9;
console.log(`10 MB chunked response: ${(s1 * 1000).toFixed(0)} ms, ${(wire.length / 1e6 / s1).toFixed(1)} MB/s, body ${got === big.length ? 'intact' : 'WRONG'}`);
