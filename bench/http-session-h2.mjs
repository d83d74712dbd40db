#!/usr/bin/env node
// Throughput of the http-session engine on MCP Streamable HTTP over HTTP/2:
// the workload of bench/http-session.mjs (tools/call POSTs answered by an SSE
// event, 1 in 50 results 64 KB), as h2 frames on 64 connections (HPACK with
// dynamic tables, DATA frames of 16 KB), next to the same exchanges over
// HTTP/1.1. Build first:
//   npx tsc -b apps/http-session && node bench/http-session-h2.mjs [seconds]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { HttpSessionEngine } = require('../apps/http-session/dist/src/index.js');
const { PREFACE, settings, headers, data, HpackEncoder, requestFields, responseFields } = require('../apps/http-session/dist/test/h2-builder.js');
const { RawBatchWriter, decodeRawBatch, RawKind, FdType, Direction, RawFlags } = require('../libs/events/dist/src/index.js');
const { silentLogger } = require('../libs/runtime/dist/src/index.js');

const seconds = Number(process.argv[2] ?? 5);
const CHUNK = 4096;
const CONNS = 64;
let callId = 1n;
let ts = 1_000_000_000n;

function* chunks(streamId, direction, bytes) {
  const id = callId++;
  ts += 1000n;
  for (let off = 0; off < bytes.length; off += CHUNK) {
    const d = bytes.subarray(off, off + CHUNK);
    yield {
      kind: RawKind.tls, direction, fdType: FdType.none,
      flags: (off === 0 ? RawFlags.first : 0) | (off + d.length >= bytes.length ? RawFlags.last : 0),
      pid: 1000, tid: 1000, fd: -1, tsNs: ts, streamId, callId: id, totalLen: bytes.length, offset: off, lostBytes: 0, comm: 'node', data: d,
    };
  }
}

const conns = Array.from({ length: CONNS }, () => ({ c: new HpackEncoder(), s: new HpackEncoder(), next: 1, started: false }));
const events = [];
let payload = 0;
const SID = '3f1c2a9e-6b7d-4e2a-9f51-0c8d7e6a5b4c';
for (let i = 0; i < 20_000; i++) {
  const k = i % CONNS;
  const conn = conns[k];
  const sid = BigInt(0x7f0000 + k);
  if (!conn.started) {
    conn.started = true;
    events.push(...chunks(sid, Direction.write, Buffer.concat([PREFACE, settings()])), ...chunks(sid, Direction.read, settings()));
  }
  const st = conn.next;
  conn.next += 2;
  const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'search', arguments: { query: `item ${i}`, limit: 10 } } });
  const reqBlock = conn.c.encode(requestFields('POST', '/mcp', '127.0.0.1:3000', [['content-type', 'application/json'], ['accept', 'application/json, text/event-stream'], ['mcp-session-id', SID]]));
  const req = Buffer.concat([headers(st, reqBlock), data(st, Buffer.from(body), { endStream: true })]);
  const result = JSON.stringify({ jsonrpc: '2.0', id: i, result: { content: [{ type: 'text', text: 'x'.repeat(i % 50 === 0 ? 65536 : 600) }] } });
  const resBlock = conn.s.encode(responseFields(200, [['content-type', 'text/event-stream'], ['cache-control', 'no-cache'], ['mcp-session-id', SID]]));
  const res = Buffer.concat([headers(st, resBlock), data(st, Buffer.from(`event: message\ndata: ${result}\n\n`), { endStream: true })]);
  events.push(...chunks(sid, Direction.write, req), ...chunks(sid, Direction.read, res));
}
const batches = [];
let w = new RawBatchWriter(1 << 20);
for (const ev of events) {
  if (!w.fits(ev.data.length)) batches.push(w.finish({ wallOffsetNs: 0n, seq: BigInt(batches.length) }));
  w.append(ev);
  payload += ev.data.length;
}
batches.push(w.finish({ wallOffsetNs: 0n, seq: BigInt(batches.length) }));

let messages = 0;
let rounds = 0;
const t0 = process.hrtime.bigint();
while (Number(process.hrtime.bigint() - t0) / 1e9 < seconds) {
  const engine = new HttpSessionEngine({ logger: silentLogger(), emit: () => { messages++; } });
  for (const b of batches) engine.onBatch(decodeRawBatch(b));
  rounds++;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`MCP over h2 (TLS plaintext): 20000 exchanges on ${CONNS} connections (${messages / rounds} messages, ${(payload / 1e6).toFixed(1)} MB) x ${rounds} rounds in ${secs.toFixed(2)} s`);
console.log(`  ${Math.round(messages / secs).toLocaleString('en')} messages/s, ${((payload * rounds) / 1e6 / secs).toFixed(1)} MB/s`);
