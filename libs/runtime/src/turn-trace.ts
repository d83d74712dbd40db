/**
 * An opt-in record of where time goes inside one monitor process, for finding latency (not for production):
 * `MCPSPY_TURN_TRACE=FILE` makes the process keep, in memory,
 *  - every ring drain (when it started, how late its timer fired, how long the turn's synchronous work took, records
 *    and ring bytes it found, and the kernel time of its oldest record, so the wait in the ring is known);
 *  - every write of JSONL bytes (start, duration, bytes, lines);
 *  - every GC pause (PerformanceObserver 'gc': start, duration, kind);
 *  - the event loop's delay (perf_hooks.monitorEventLoopDelay, 1-ms resolution);
 * and writes them to FILE as one JSON object when the process exits. Times are ms on performance.now()'s clock; the
 * kernel times are turned onto that clock once (CLOCK_MONOTONIC on both sides). Off (the default), every hook is one
 * check of a constant `false`.
 *
 * What the records hold comes from the monitor itself (counts and times), never from the traffic.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const FILE = process.env.MCPSPY_TURN_TRACE || '';
/** At most this many records of each kind are kept (a long run keeps its first ones). */
const MAX_RECORDS = 2_000_000;

class Series {
  private data: Float64Array;
  private n = 0;
  constructor(readonly width: number) {
    this.data = new Float64Array(width * 4096);
  }
  push(a: number, b: number, c: number, d: number, e = 0, f = 0, g = 0, h = 0): void {
    if (this.n >= MAX_RECORDS) return;
    const w = this.width;
    if ((this.n + 1) * w > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const at = this.n * w;
    const v = [a, b, c, d, e, f, g, h];
    for (let i = 0; i < w; i++) this.data[at + i] = v[i];
    this.n++;
  }
  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.n * this.width), (x) => Math.round(x * 1000) / 1000);
  }
}

export class TurnTrace {
  readonly enabled: boolean;
  /**
   * [start, lateMs, durMs, records, pendingBytes, oldestMs, cpuMs, waitMs] per drain (oldestMs: the oldest record's
   * kernel time, -1 none; cpuMs and waitMs: the main thread's CPU time and time runnable but waiting for a CPU, summed
   * since the process started, from /proc/thread-self/schedstat).
   */
  private readonly drains = new Series(8);
  /** [start, durMs, bytes, lines] per write of JSONL bytes. */
  private readonly writes = new Series(4);
  /** [start, durMs, kind] per GC pause. */
  private readonly gcs = new Series(3);
  private eld?: IntervalHistogram;
  private gcObserver?: PerformanceObserver;
  /** performance.now() − CLOCK_MONOTONIC in ms. */
  private readonly monoToPerf: number;

  constructor(private readonly file: string) {
    this.enabled = file !== '';
    this.monoToPerf = performance.now() - Number(process.hrtime.bigint()) / 1e6;
    if (!this.enabled) return;
    this.eld = monitorEventLoopDelay({ resolution: 1 });
    this.eld.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        this.gcs.push(e.startTime, e.duration, kind, 0);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    process.once('exit', () => this.save());
  }

  /** A kernel CLOCK_MONOTONIC time (ns, as two u32 halves of a ring record) on performance.now()'s clock. */
  kernelMs(lo: number, hi: number): number {
    return (hi * 4294967296 + (lo >>> 0)) / 1e6 + this.monoToPerf;
  }

  drain(start: number, lateMs: number, durMs: number, records: number, pendingBytes: number, oldestMs: number): void {
    let cpu = -1;
    let wait = -1;
    try {
      const f = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
      cpu = Number(f[0]) / 1e6;
      wait = Number(f[1]) / 1e6;
    } catch {
      // no schedstat (a kernel without CONFIG_SCHED_INFO): -1
    }
    this.drains.push(start, lateMs, durMs, records, pendingBytes, oldestMs, cpu, wait);
  }

  write(start: number, durMs: number, bytes: number, lines: number): void {
    this.writes.push(start, durMs, bytes, lines);
  }

  private save(): void {
    try {
      const e = this.eld;
      e?.disable();
      this.gcObserver?.disconnect();
      const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
      const out = {
        pid: process.pid,
        drains: { fields: ['start', 'lateMs', 'durMs', 'records', 'pendingBytes', 'oldestMs', 'cpuMs', 'waitMs'], data: this.drains.toArray() },
        writes: { fields: ['start', 'durMs', 'bytes', 'lines'], data: this.writes.toArray() },
        gc: { fields: ['start', 'durMs', 'kind'], data: this.gcs.toArray() },
        eventLoopDelayMs: e ? { p50: ms(e.percentile(50)), p99: ms(e.percentile(99)), max: ms(e.max), mean: ms(e.mean), count: e.count } : undefined,
      };
      writeFileSync(this.file, JSON.stringify(out), { mode: 0o600 });
    } catch {
      // A diagnostic: never in the way of the process's exit.
    }
  }
}

/** The process's trace (enabled by MCPSPY_TURN_TRACE). */
export const turnTrace = new TurnTrace(FILE);
