/**
 * Prometheus metrics and health for every service (embedded or `serve`).
 * Stages register their Counters; at each scrape the current values are
 * exported as `mcpspy_stage_counter{stage,name}`, so no stage pays for
 * metrics between scrapes.
 */
import { createServer, Server } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { Counters } from './counters';

export type HealthCheck = () => { ok: boolean; detail?: string };

export class Metrics {
  readonly registry = new Registry();
  private readonly sources: Array<{ stage: string; counters: () => Record<string, number> }> = [];
  private readonly health: Array<[string, HealthCheck]> = [];
  private server?: Server;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mcpspy_' });
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

  /** Serves GET /metrics and /healthz on the port (0.0.0.0 by default). Resolves once listening. */
  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
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
