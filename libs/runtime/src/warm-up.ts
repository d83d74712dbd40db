/**
 * Warming a stage's hot paths before it says it is ready (`mcpspy serve`).
 *
 * A freshly started Node process runs its code in the interpreter first, then
 * in baseline code, and optimizes a function only after it ran enough with
 * stable types. Through NATS every stage starts cold at once; at 10k msg/s
 * their first second costs ~1.5x the CPU of the steady state, which on a busy
 * host builds a backlog of hundreds of ms that takes seconds to drain. A
 * warm-up runs the stage's own hot code on synthetic events — in a throwaway
 * engine with its own in-memory Store, its output dropped — before the ready
 * line, so the first real message meets warm code.
 *
 * Nothing of a warm-up reaches NATS, Redis, an output file or a counter: its
 * objects are its own and are dropped when it ends.
 *
 * Off by default (MCPSPY_WARMUP=1 turns it on): it takes mcp-parser's
 * interpreted functions out of the first second of traffic (profile in
 * bench/README.md), but the whole stack's first second was not measurably
 * cheaper or faster with it on this shared machine (that second costs ~1.3x
 * the steady CPU per message on a stack already warm too, after a pause),
 * while it adds 0.2–0.6 s to each stage's start and raised the five stages'
 * PSS by 1–9% in the same runs.
 *
 * Session 13 (bench/README.md "warm18") measured mcp-parser's alone: the
 * first-second p99 fell in two interleaved runs against a cold mcp-parser
 * (0.76, 0.86) but not against the session-start build (1.01), where the whole
 * run's CPU per message was 1.12 and PSS 1.08 of it; so it stays off. It
 * carries only part of the way: with it on, mcp-parser still ran ~100
 * optimizing compiles in its first seconds of real traffic, some of them
 * re-optimizations of code the warm-up had optimized and real records
 * deoptimized (branches the synthetic ones never took, object maps they never
 * had), the rest the code a throwaway engine never runs (ioredis, the nats
 * client, the publish encoding), while a stack warmed by 3 s of real traffic
 * had a first-second p99 0.36 of a cold one's.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BatchEncoder, decodeBatchBytes, validatorFor } from '@mcpspy/events';
import type { Logger } from 'pino';

/** Whether `serve` warms its stage before the ready line (MCPSPY_WARMUP=1; default off, see above). */
export function warmUpEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|on|yes)$/i.test(env.MCPSPY_WARMUP ?? '');
}

/**
 * The NATS codec of a batched subject, both ways, as NatsBus runs it: each
 * event stringified and added to a BatchEncoder, the batch sealed, then
 * decoded (`decodeBatchBytes`) and every event validated (`validatorFor`).
 * Each valid event, as the receiver gets it (parsed from the wire, so with
 * the same object shapes as real ones), goes to `onEvent` when given.
 * Returns the events decoded and valid (a test checks the warm-up really ran).
 */
export function warmBatchCodec(subject: string, events: readonly unknown[], rounds: number, onEvent?: (value: unknown) => void, perBatch = 500): number {
  const enc = new BatchEncoder(subject);
  const validate = validatorFor(subject);
  let valid = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < events.length; i++) {
      enc.add(JSON.stringify(events[i]));
      if (enc.count >= perBatch || i === events.length - 1) {
        const sealed = enc.seal();
        if (!sealed) continue;
        // A plain Uint8Array, as the nats client hands a payload over.
        const data = new Uint8Array(sealed.byteLength);
        data.set(sealed);
        const batch = decodeBatchBytes(data);
        for (const line of batch.lines) {
          if (!line.ok || !validate(line.value).ok) continue;
          valid++;
          onEvent?.(line.value);
        }
      }
    }
  }
  return valid;
}

/**
 * Runs a stage's warm-up, logs how long it took, and never throws: a warm-up
 * that fails leaves a colder start, not a stage that does not start.
 */
export async function runWarmUp(stage: string, logger: Logger, fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    await fn();
  } catch (err) {
    logger.warn({ stage, err: (err as Error)?.message ?? String(err) }, 'warm-up failed: starting cold');
    return performance.now() - t0;
  }
  // The warm-up's garbage is collected now, not left in the old generation to raise the stage's resident size.
  fullGc();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  logger.info({ stage, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }, 'warmed up the hot paths on synthetic events');
  return ms;
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'search', 'docs', 'index', 'query', 'weather', 'report', 'file', 'read', 'list', 'tools', 'prompt', 'result'];

/**
 * MCP messages as mcp-parser emits them (requests, paired responses,
 * notifications over stdio), for the receivers' warm-ups (sink, security):
 * `n` of them, with distinct ids and texts so no cache short-cuts the work.
 */
export function syntheticMcpMessages(n: number, instance = 'warm-up'): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const stdio = { from_pid: 1, from_comm: 'warm-up-client', to_pid: 2, to_comm: 'warm-up-server' };
  const back = { from_pid: 2, from_comm: 'warm-up-server', to_pid: 1, to_comm: 'warm-up-client' };
  for (let i = 0; out.length < n; i++) {
    const query = `${WORDS[i % 16]} ${WORDS[(i * 7) % 16]} ${WORDS[(i * 5 + 3) % 16]} ${i}`;
    const params = { name: 'search_docs', arguments: { query, limit: 5 + (i % 20), include_snippets: true }, _meta: { progressToken: `warm-${i}` } };
    const ts = new Date(Date.UTC(2024, 0, 1, 0, 0, 0, i % 1000)).toISOString();
    const req = { type: 'request', id: i, method: 'tools/call', params, error: {}, timestamp: ts };
    const reqRaw = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params });
    out.push({ timestamp: ts, transport_type: 'stdio', stdio_transport: stdio, type: 'request', id: i, method: 'tools/call', params, error: {}, raw: reqRaw, description: 'Execute a tool', seq: out.length + 1, msg_id: `${instance}:${out.length + 1}` });
    if (i % 2 === 0) {
      const result = { content: [{ type: 'text', text: `found ${i % 9} documents about ${query}` }], isError: false };
      out.push({ timestamp: ts, transport_type: 'stdio', stdio_transport: back, type: 'response', id: i, result, error: {}, request: req, raw: JSON.stringify({ jsonrpc: '2.0', id: i, result }), seq: out.length + 1, msg_id: `${instance}:${out.length + 1}` });
    }
    if (i % 16 === 0) {
      out.push({ timestamp: ts, transport_type: 'stdio', stdio_transport: stdio, type: 'notification', method: 'notifications/progress', params: { progressToken: `warm-${i}`, progress: i % 100 }, error: {}, raw: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: `warm-${i}`, progress: i % 100 } }), seq: out.length + 1, msg_id: `${instance}:${out.length + 1}` });
    }
  }
  return out.slice(0, n);
}

/** One full garbage collection (V8's `gc()`, exposed for the call); nothing when the runtime refuses. */
function fullGc(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    /* no collection: only memory is kept a little longer */
  }
}
