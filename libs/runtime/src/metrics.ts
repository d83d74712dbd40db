/**
 * Prometheus metrics and health for every service (embedded or `serve`).
 * Stages register their Counters; at each scrape the current values are
 * exported as `mcpspy_stage_counter{stage,name}`, so no stage pays for
 * metrics between scrapes.
 *
 * The endpoints listen on 127.0.0.1 unless told otherwise, and require
 * `Authorization: Bearer <token>` when a token is set: counters such as
 * alerts per category tell whoever reads them whether a payload was caught.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { Counters } from './counters';

export type HealthCheck = () => { ok: boolean; detail?: string };

/**
 * A stall: work keeps arriving (or waits) while nothing is done for
 * `stallMs`. `sample()` returns two monotonic numbers: `work`, which grows
 * when there is something to do (kernel records emitted, messages received),
 * and `done`, which grows when it is done (batches drained, handlers
 * finished); `busy` says work is waiting right now (a handler running).
 * Idle is healthy: no work and nothing done is not a stall.
 */
export class StallWatch {
  private lastDone = -1;
  private lastWork = 0;
  private lastProgressAt: number;

  constructor(
    private readonly what: string,
    private readonly stallMs: number,
    private readonly sample: () => { work: number; done: number; busy?: boolean },
    private readonly now: () => number = () => Date.now(),
  ) {
    this.lastProgressAt = now();
  }

  readonly check: HealthCheck = () => {
    const { work, done, busy } = this.sample();
    const t = this.now();
    if (done !== this.lastDone) {
      this.lastDone = done;
      this.lastWork = work;
      this.lastProgressAt = t;
      return { ok: true };
    }
    const waiting = work > this.lastWork || busy === true;
    const idleMs = t - this.lastProgressAt;
    if (waiting && idleMs >= this.stallMs) {
      return { ok: false, detail: `${this.what}: no progress for ${Math.round(idleMs / 1000)} s while work waits (${work - this.lastWork} new)` };
    }
    if (!waiting) this.lastProgressAt = t; // idle: the clock starts when work arrives
    return { ok: true };
  };
}

/** How often the `mcpspy_nodejs_eventloop_lag_*` gauges sample the event loop by default (ms): prom-client's 10. */
export const EVENT_LOOP_LAG_SAMPLE_MS = 10;

/** The sampling period: MCPSPY_EVENT_LOOP_LAG_MS when it is a positive integer, else EVENT_LOOP_LAG_SAMPLE_MS. */
export function eventLoopLagSampleMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.MCPSPY_EVENT_LOOP_LAG_MS);
  return Number.isInteger(v) && v > 0 ? v : EVENT_LOOP_LAG_SAMPLE_MS;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly sources: Array<{ stage: string; counters: () => Record<string, number> }> = [];
  private readonly health: Array<[string, HealthCheck]> = [];
  private server?: Server;

  constructor() {
    // prom-client's event-loop lag gauges sample the loop with a libuv timer every eventLoopMonitoringPrecision ms: at
    // 10 (the default) that is 100 wake-ups a second of every stage process, idle or not. MCPSPY_EVENT_LOOP_LAG_MS=100
    // cuts them to 10 and an idle monitor's CPU with them, but raised the embedded p50 (0.3-1.1 ms at 10k msg/s,
    // 3-4 ms at 100-1,000 msg/s on a loaded machine; bench/README.md, session 10, cpu14), so it is not the default.
    collectDefaultMetrics({ register: this.registry, prefix: 'mcpspy_', eventLoopMonitoringPrecision: eventLoopLagSampleMs() });
    const sources = this.sources;
    new Gauge({
      name: 'mcpspy_stage_counter',
      help: 'Counters of each mcpspy stage (messages in/out, drops, invalid payloads, probe counters)',
      labelNames: ['stage', 'name'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of sources) {
          for (const [name, value] of Object.entries(s.counters())) this.set({ stage: s.stage, name }, value);
        }
      },
    });
  }

  /** Exports a stage's counters (a Counters object or a function returning a snapshot). */
  addCounters(stage: string, counters: Counters | (() => Record<string, number>)): void {
    this.sources.push({ stage, counters: counters instanceof Counters ? () => counters.snapshot() : counters });
  }

  addHealthCheck(name: string, check: HealthCheck): void {
    this.health.push([name, check]);
  }

  healthReport(): { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> } {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    let ok = true;
    for (const [name, check] of this.health) {
      let r: { ok: boolean; detail?: string };
      try {
        r = check();
      } catch (err) {
        r = { ok: false, detail: (err as Error).message };
      }
      checks[name] = r;
      ok &&= r.ok;
    }
    return { ok, checks };
  }

  /**
   * Serves GET /metrics and /healthz on host:port (127.0.0.1 by default).
   * With a token, both answer 401 without `Authorization: Bearer <token>`.
   * Resolves once listening.
   */
  async listen(port: number, host = '127.0.0.1', opts: { token?: string } = {}): Promise<number> {
    const token = opts.token ? Buffer.from(opts.token) : undefined;
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (token && !bearerMatches(req, token)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="mcpspy"' });
        res.end('unauthorized\n');
        return;
      }
      if (path === '/metrics') {
        this.registry
          .metrics()
          .then((body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(body);
          })
          .catch((err: Error) => {
            res.writeHead(500);
            res.end(err.message);
          });
      } else if (path === '/healthz') {
        const report = this.healthReport();
        res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report));
      } else {
        res.writeHead(404);
        res.end('not found: try /metrics or /healthz\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

function bearerMatches(req: IncomingMessage, token: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]);
  return given.length === token.length && timingSafeEqual(given, token);
}
