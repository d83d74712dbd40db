/**
 * mcp-parser's warm-up through its real client paths (`MCPSPY_WARMUP=live`,
 * see libs/runtime warm-up.ts for the older throwaway one).
 *
 * The throwaway warm-up of session 13 ran the parse code alone, on an
 * in-memory Store and with no NATS: real traffic then deoptimized part of what
 * it had compiled and compiled the client code (ioredis, the nats client, the
 * publish encoding) in the first second anyway. This one runs the stage's own
 * connections:
 *
 * - Raw batches of synthetic stdio traffic are published on the stage's own
 *   NATS connection to a private core subject (`_INBOX.mcpspy-warm-up-<pid>-<random>.raw`)
 *   and received back on it, so the engine gets its payloads as the nats
 *   client hands real ones over (the client's parse and delivery code runs).
 * - A second McpParserEngine (its own counters, nothing of the stage's) pairs
 *   them with the stage's real Store — over Redis, ioredis's real commands —
 *   under process ids no real process can have (above Linux's PID_MAX_LIMIT
 *   of 2^22 and below 2^30, so they stay small integers as real ones are).
 *   Every key it wrote is deleted after it (they also carry their TTLs).
 * - Each message it emits is encoded as NatsBus encodes a batched event
 *   (`eventJsonText`, a BatchEncoder) and published to another private core
 *   subject nobody subscribes to, which nats-server drops.
 *
 * Nothing reaches JetStream, `mcp.message`, the sink, the stage's counters or
 * /metrics: the bus's own counters are not touched because the connection is
 * used directly. Bounded: `messages` messages or `wallMs` of wall time,
 * whichever comes first; when NATS or Redis does not answer, the warm-up is
 * cut at `wallMs`, says so once, and the stage starts anyway.
 */
import { randomInt } from 'node:crypto';
import {
  BatchEncoder,
  decodeRawBatch,
  Direction,
  eventJsonText,
  FdType,
  RawBatchWriter,
  RawFlags,
  RawKind,
  Subjects,
} from '@mcpspy/events';
import { silentLogger, StageRuntime, Store } from '@mcpspy/runtime';
import { McpParserEngine } from './mcp-parser.engine';

/** The part of a nats.js connection the warm-up uses. */
interface WarmConnection {
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string): AsyncIterable<{ data: Uint8Array }> & { unsubscribe(): void };
  flush(): Promise<void>;
}

export interface LiveWarmUpResult {
  /** MCP messages the warm-up engine emitted. */
  emitted: number;
  /** Raw batches received back from NATS and parsed. */
  batches: number;
  /** Redis keys deleted after it. */
  keysDeleted: number;
  /** Why it stopped early, or undefined when it ran to the end. */
  cut?: string;
  ms: number;
}

export interface LiveWarmUpOptions {
  messages?: number;
  wallMs?: number;
  /** Records per raw batch (the probe's batches carry ~100–300 at 10k msg/s). */
  perBatch?: number;
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'search', 'docs', 'index', 'query', 'weather', 'report', 'file', 'read', 'list', 'tools', 'prompt', 'result'];

/** Process ids no real process can have: above PID_MAX_LIMIT (2^22), even, below 2^30. */
export function warmUpPids(): { client: number; server: number } {
  const client = 2 * randomInt(4_200_000 / 2 + 1, 1_000_000_000 / 2);
  return { client, server: client + 1 };
}

/** The nats.js connection under the runtime's bus, when it is a NatsBus (embedded: none). */
function natsConnectionOf(rt: StageRuntime): WarmConnection | undefined {
  const nc = (rt.bus as unknown as { nc?: WarmConnection }).nc;
  return nc && typeof nc.publish === 'function' && typeof nc.subscribe === 'function' ? nc : undefined;
}

/**
 * The raw batches (encoded, as the probe publishes them) of `messages` MCP
 * messages between `pids`: every request answered (so pairing leaves no
 * pending entry), a notification now and then, each write followed by its
 * reader's elided read, and the Redis keys the engine will write.
 */
export function liveWarmUpTraffic(messages: number, pids: { client: number; server: number }, perBatch = 200): { batches: Uint8Array[]; keys: string[] } {
  const w = new RawBatchWriter(1 << 20);
  const batches: Uint8Array[] = [];
  const client = { pid: pids.client, comm: 'mcpspy-warm-c' };
  const server = { pid: pids.server, comm: 'mcpspy-warm-s' };
  // Pipe ids as the probe prints them (a kernel address); offset by the pid so two instances never share one.
  const toServer = 0xffff_9000_0000_0000n + BigInt(pids.client) * 16n;
  const toClient = toServer + 8n;
  let seq = 0n;
  let call = 1n;
  // Monotonic record times and the offset to the wall clock, as the probe sends them.
  let ts = process.hrtime.bigint();
  const wallOffsetNs = BigInt(Date.now()) * 1_000_000n - ts;
  const flush = () => {
    if (w.recordCount === 0) return;
    batches.push(w.finish({ wallOffsetNs, seq: seq++ }).slice());
  };
  const write = (from: typeof client, to: typeof client, stream: bigint, text: string) => {
    const data = Buffer.from(text, 'utf8');
    ts += 100_000n;
    const base = { kind: RawKind.io, fdType: FdType.pipe, tsNs: ts, streamId: stream, totalLen: data.byteLength, offset: 0, lostBytes: 0 };
    w.append({ ...base, direction: Direction.write, flags: RawFlags.first | RawFlags.last, pid: from.pid, tid: from.pid, fd: 1, callId: call++, comm: from.comm, data });
    w.append({ ...base, direction: Direction.read, flags: RawFlags.first | RawFlags.last | RawFlags.elided, pid: to.pid, tid: to.pid, fd: 0, callId: call++, comm: to.comm, data: new Uint8Array(0) });
    if (w.recordCount >= perBatch) flush();
  };
  for (let i = 0, n = 0; n < messages; i++) {
    const q = `${WORDS[i % 16]} ${WORDS[(i * 7) % 16]} ${WORDS[(i * 5 + 3) % 16]} ${i}`;
    if (i % 5 === 4) {
      write(client, server, toServer, `{"jsonrpc":"2.0","id":${i},"method":"resources/read","params":{"uri":"file:///warm/${WORDS[i % 16]}/${i}.md"}}\n`);
      write(server, client, toClient, `{"jsonrpc":"2.0","id":${i},"result":{"contents":[{"uri":"file:///warm/${WORDS[i % 16]}/${i}.md","mimeType":"text/markdown","text":"# ${q}\\n${q} ${q}"}]}}\n`);
    } else {
      write(client, server, toServer, `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"search_docs","arguments":{"query":"${q}","limit":${5 + (i % 20)}},"_meta":{"progressToken":"w${i}"}}}\n`);
      if (i % 8 === 0) write(server, client, toClient, `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"w${i}","progress":50,"total":100}}\n`);
      write(server, client, toClient, `{"jsonrpc":"2.0","id":${i},"result":{"content":[{"type":"text","text":"found ${i % 9} documents about ${q}"}],"isError":false}}\n`);
    }
    n += 2;
  }
  flush();
  const a = pids.client;
  const b = pids.server;
  const scopes = [`stdio:${a}>${b}`, `stdio:${b}>${a}`, `stdio:${a}>0`, `stdio:0>${b}`, `stdio:${b}>0`, `stdio:0>${a}`];
  const keys = [`mcp:pipe:pipe:${toServer}`, `mcp:pipe:pipe:${toClient}`, ...scopes.map((s) => `mcp:pending-h:${s}`)];
  return { batches, keys };
}

function timeout(ms: number): { promise: Promise<'timeout'>; cancel(): void } {
  let t: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    t = setTimeout(() => resolve('timeout'), ms);
  });
  return { promise, cancel: () => clearTimeout(t) };
}

/**
 * Runs the warm-up on the stage's runtime (see the top of this file). Never
 * throws; resolves within about `wallMs` whatever NATS and Redis do.
 */
export async function warmUpMcpParserLive(rt: StageRuntime, opts: LiveWarmUpOptions = {}): Promise<LiveWarmUpResult> {
  const t0 = performance.now();
  const messages = opts.messages ?? 6000;
  const wallMs = opts.wallMs ?? 3000;
  const nc = natsConnectionOf(rt);
  const pids = warmUpPids();
  const { batches, keys } = liveWarmUpTraffic(messages, pids, opts.perBatch ?? 200);
  // Under _INBOX: every stage's NATS user may publish and subscribe there (deploy/nats/nats.conf), and no stage reads it.
  const tag = `_INBOX.mcpspy-warm-up-${process.pid}-${randomInt(1 << 30)}`;
  const enc = new BatchEncoder(Subjects.mcpMessage);
  let emitted = 0;
  const sealAndSend = () => {
    const data = enc.seal();
    if (data && nc) nc.publish(`${tag}.out`, data);
  };
  const engine = new McpParserEngine({
    store: rt.store,
    logger: silentLogger(),
    instance: `warm-up-${process.pid}`,
    emit: (m) => {
      emitted++;
      enc.add(eventJsonText(m) as string);
      if (enc.count >= 500) sealAndSend();
    },
    emitNotice: () => undefined,
    // No reader or twin waits that outlive the warm-up.
    readerWaitMs: 50,
    firstReaderWaitMs: 50,
  });
  let received = 0;
  let stopped = false;
  let sub: ReturnType<WarmConnection['subscribe']> | undefined;
  const cap = timeout(wallMs);
  const run = async (): Promise<void> => {
    if (!nc) {
      // The in-process bus: no client path to warm, the parse code alone.
      for (const b of batches) {
        if (stopped) return;
        await engine.onRawBatch(decodeRawBatch(b));
      }
    } else {
      const s = (sub = nc.subscribe(`${tag}.raw`));
      const loop = (async () => {
        for await (const m of s) {
          if (stopped) break;
          await engine.onRawBatch(decodeRawBatch(m.data));
          if (++received >= batches.length) break;
        }
      })();
      for (const b of batches) nc.publish(`${tag}.raw`, b);
      try {
        await loop;
      } finally {
        s.unsubscribe();
      }
    }
    if (stopped) return;
    await engine.flush();
    sealAndSend();
  };
  let cut: string | undefined;
  const done = run().catch((err: unknown) => {
    cut = `failed: ${(err as Error)?.message ?? String(err)}`;
  });
  if ((await Promise.race([done, cap.promise])) === 'timeout') {
    cut = `cut at ${wallMs} ms (NATS or Redis slow or away)`;
    // No more batches are taken: the one in the engine finishes, the rest stay unread.
    stopped = true;
    try {
      sub?.unsubscribe();
    } catch {
      /* already closed */
    }
  }
  cap.cancel();
  // The engine's timers go now; once its last Store write was issued, whatever the warm-up wrote in the Store is
  // deleted (after it, so no write of it lands later). When that takes longer than the cap it goes on in the
  // background: with Redis away, ioredis sends the deletions when it is back (and every key has its TTL anyway).
  let keysDeleted = 0;
  const cleanUp = engine
    .close()
    .catch(() => undefined)
    .then(() => Promise.all(keys.map((k) => deleteKey(rt.store, k).then((ok) => void (ok && keysDeleted++)))));
  const left = Math.max(200, wallMs - (performance.now() - t0));
  const end = timeout(left);
  if ((await Promise.race([cleanUp, end.promise])) === 'timeout') cut ??= `its clean-up did not finish within ${Math.round(left)} ms`;
  end.cancel();
  return { emitted, batches: nc ? received : batches.length, keysDeleted, cut, ms: performance.now() - t0 };
}

async function deleteKey(store: Store, key: string): Promise<boolean> {
  try {
    await store.del(key);
    return true;
  } catch {
    return false;
  }
}
