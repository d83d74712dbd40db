/**
 * A stage off the latency path gives way to the others on a busy host.
 *
 * Through NATS, with verdicts asynchronous (the default), the security stage
 * is not between a write and its JSONL line: the sink writes each message
 * without waiting for a verdict. It is also the stack's largest user of CPU
 * (~35-45 µs per message at 10k msg/s against ~25-30 for mcp-parser and
 * ~15-20 for the sink, bench/README.md). When the host is short of CPU, the
 * onset of traffic queues behind all of them alike; a higher nice value on
 * security lets the probe, mcp-parser and the sink run first, while
 * security's share waits in its durable JetStream consumer and is judged as
 * soon as a CPU is free (its alerts come later, none is lost).
 *
 * Linux keeps a nice value per thread, and threads inherit it from the one
 * that creates them: every thread of the process at the time of the call is
 * changed (V8's and libuv's helpers start before any stage code), and the
 * threads made later (the offline worker) inherit it.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parseIntStrict } from './config';

export interface LoweredPriority {
  /** Nice value before and after (of the main thread). */
  from: number;
  to: number;
  /** Threads changed, and threads that could not be (gone in between, refused). */
  threads: number;
  failed: number;
}

/** Raises the nice value of every thread of this process by `by` (capped at 19). Never throws. */
export function lowerPriority(by: number): LoweredPriority | undefined {
  if (!(by > 0) || process.platform !== 'linux') return undefined;
  let from: number;
  try {
    from = getPriority(0);
  } catch {
    return undefined;
  }
  const to = Math.min(19, from + Math.floor(by));
  if (to <= from) return { from, to: from, threads: 0, failed: 0 };
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter((t) => Number.isInteger(t) && t > 0);
  } catch {
    tids = [process.pid];
  }
  let threads = 0;
  let failed = 0;
  for (const tid of tids) {
    try {
      setPriority(tid, to);
      threads++;
    } catch {
      failed++;
    }
  }
  return { from, to, threads, failed };
}

/** How much `serve security` lowers its priority: MCPSPY_SECURITY_NICE, 0–19 (0 keeps it as it is), default 10. */
export function securityNice(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.MCPSPY_SECURITY_NICE;
  if (v === undefined || v.trim() === '') return 10;
  return parseIntStrict('MCPSPY_SECURITY_NICE', v, 0, 19);
}
