/**
 * The warm-up of `mcpspy serve mcp-parser` (see libs/runtime warm-up.ts):
 * synthetic stdio traffic — a client's requests and notifications, a
 * server's responses, each write followed by its reader's elided read, as the
 * probe captures a pipe — through the raw batch codec into a throwaway
 * McpParserEngine with its own MemoryStore; every message it emits is
 * stringified into a BatchEncoder as NatsBus publishes it, then dropped.
 * Nothing reaches NATS, Redis or the stage's counters.
 */
import {
  decodeRawBatch,
  Direction,
  FdType,
  RawBatch,
  RawBatchWriter,
  RawFlags,
  RawKind,
  Subjects,
  BatchEncoder,
} from '@mcpspy/events';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { McpParserEngine } from './mcp-parser.engine';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'search', 'docs', 'index', 'query', 'weather', 'report', 'file', 'read', 'list', 'tools', 'prompt', 'result'];
const CLIENT = { pid: 2_000_001, comm: 'warm-up-client' };
const SERVER = { pid: 2_000_002, comm: 'warm-up-server' };
const TO_SERVER = 0x7700_0001n;
const TO_CLIENT = 0x7700_0002n;

/** Raw batches of `messages` MCP requests (half answered, some notifications), `perBatch` records each. */
export function warmUpBatches(messages: number, perBatch = 128): RawBatch[] {
  const w = new RawBatchWriter(1 << 20);
  const out: RawBatch[] = [];
  let seq = 0n;
  let call = 1n;
  let ts = 1_000_000_000n;
  const flush = () => {
    // A plain Uint8Array view into a larger buffer, as the nats client hands a message's payload over
    // (not a Buffer: code warmed on one typed-array kind deoptimizes on the other).
    if (w.recordCount === 0) return;
    const b = w.finish({ wallOffsetNs: 1_700_000_000_000_000_000n, seq: seq++ });
    const backing = new Uint8Array(b.byteLength + 16);
    backing.set(b, 16);
    out.push(decodeRawBatch(backing.subarray(16)));
  };
  const write = (from: typeof CLIENT, to: typeof CLIENT, stream: bigint, text: string) => {
    const data = Buffer.from(text, 'utf8');
    ts += 50_000n;
    const base = { kind: RawKind.io, fdType: FdType.pipe, tsNs: ts, streamId: stream, totalLen: data.byteLength, offset: 0, lostBytes: 0 };
    w.append({ ...base, direction: Direction.write, flags: RawFlags.first | RawFlags.last, pid: from.pid, tid: from.pid, fd: 1, callId: call++, comm: from.comm, data });
    // The reader's read: elided (its writer's record already carries the bytes), it only names the reader.
    w.append({ ...base, direction: Direction.read, flags: RawFlags.first | RawFlags.last | RawFlags.elided, pid: to.pid, tid: to.pid, fd: 0, callId: call++, comm: to.comm, data: new Uint8Array(0) });
    if (w.recordCount >= perBatch) flush();
  };
  for (let i = 0, n = 0; n < messages; i++) {
    const query = `${WORDS[i % 16]} ${WORDS[(i * 7) % 16]} ${WORDS[(i * 5 + 3) % 16]} ${i}`;
    write(CLIENT, SERVER, TO_SERVER, `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"search_docs","arguments":{"query":"${query}","limit":${5 + (i % 20)},"include_snippets":true},"_meta":{"progressToken":"warm-${i}"}}}\n`);
    n++;
    if (i % 2 === 0) {
      write(SERVER, CLIENT, TO_CLIENT, `{"jsonrpc":"2.0","id":${i},"result":{"content":[{"type":"text","text":"found ${i % 9} documents about ${query}"}],"isError":false}}\n`);
      n++;
    }
    if (i % 16 === 0) {
      write(CLIENT, SERVER, TO_SERVER, `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"warm-${i}","progress":${i % 100}}}\n`);
      n++;
    }
  }
  flush();
  return out;
}

/**
 * Runs `messages` synthetic MCP messages through a throwaway engine. Returns
 * how many messages it emitted (the warm-up test checks it ran the real path).
 */
export async function warmUpMcpParser(messages = 8000): Promise<number> {
  const store = new MemoryStore();
  const enc = new BatchEncoder(Subjects.mcpMessage);
  let emitted = 0;
  const engine = new McpParserEngine({
    store,
    logger: silentLogger(),
    instance: 'warm-up',
    emit: (m) => {
      emitted++;
      enc.add(JSON.stringify(m));
      if (enc.count >= 500) enc.seal();
    },
    emitNotice: () => undefined,
  });
  try {
    for (const b of warmUpBatches(messages)) await engine.onRawBatch(b);
    await engine.flush();
    enc.seal();
  } finally {
    await engine.close();
    await store.close();
  }
  return emitted;
}
