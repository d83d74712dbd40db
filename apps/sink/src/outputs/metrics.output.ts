/**
 * Prometheus series of what a user asks first (which tool is slow, which one
 * fails), from the messages the sink releases: requests, errors and durations
 * per method and tool (durations from the parser's pairing: response time
 * minus its request's), notifications, responses whose request was not seen,
 * security alerts by category and risk, capture notices by reason.
 *
 * Low cardinality by design: no ids, no URIs, no pids. A method is its name
 * only when the MCP method table knows it (else `other`); tool names are the
 * first `maxTools` distinct ones (later ones are `other`), escaped and cut to
 * 64 characters; error types are bounded the same way.
 *
 * Registered on the process's prom-client registry (`Metrics.registry` of
 * @mcpspy/runtime), so `/metrics` of the embedded monitor and of `serve sink`
 * both carry them.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { AlertCategories, NOTICE_REASONS, RiskLevels, type McpMessageEvent, type NoticeEvent, type SecurityAlertEvent } from '@mcpspy/events';
import { BoundedLabels, epochMs, methodLabel, methodOf, outcomeOf, targetOf } from './mcp-call-fields';
import { MCP_DURATION_BUCKETS } from './otlp.output';
import type { SinkOutput } from './output';

export interface McpMetricsOutputOptions {
  registry: Registry;
  /** Distinct tool names kept as label values (default 100); later ones are `other`. */
  maxTools?: number;
}

/** The series this output exports (documented in the sink README). */
export const MCP_METRIC_NAMES = {
  requests: 'mcpspy_mcp_requests_total',
  errors: 'mcpspy_mcp_errors_total',
  duration: 'mcpspy_mcp_request_duration_seconds',
  notifications: 'mcpspy_mcp_notifications_total',
  unpaired: 'mcpspy_mcp_responses_without_request_total',
  alerts: 'mcpspy_security_alerts_total',
  notices: 'mcpspy_notices_total',
} as const;

const KNOWN_REASONS = new Set<string>(NOTICE_REASONS);
const KNOWN_CATEGORIES = new Set<string>(AlertCategories);
const KNOWN_RISKS = new Set<string>(RiskLevels);

export class McpMetricsOutput implements SinkOutput {
  readonly name = 'metrics';
  private readonly requests: Counter<'method' | 'tool' | 'transport'>;
  private readonly errors: Counter<'method' | 'tool' | 'transport' | 'error_type'>;
  private readonly duration: Histogram<'method' | 'tool' | 'transport' | 'outcome'>;
  private readonly notifications: Counter<'method' | 'transport'>;
  private readonly unpaired: Counter<'transport'>;
  private readonly alerts: Counter<'category' | 'risk'>;
  private readonly notices: Counter<'reason'>;
  private readonly tools: BoundedLabels;
  private readonly errorTypes = new BoundedLabels(20, 16);
  // Last count seen per (reason, stage, pid, stream): a notice repeats with a growing count.
  private readonly noticeCounts = new Map<string, number>();
  /** Requests not yet added to the counter, by label set: prom-client hashes its labels on every inc. */
  private readonly pendingRequests = new Map<string, { labels: { method: string; tool: string; transport: string }; n: number }>();
  /** The entry of the last request counted (an entry of pendingRequests until that is cleared). */
  private lastRequest: { labels: { method: string; tool: string; transport: string }; n: number } | undefined;

  constructor(opts: McpMetricsOutputOptions) {
    const registers = [opts.registry];
    this.tools = new BoundedLabels(opts.maxTools ?? 100, 64);
    const pendingRequests = this.pendingRequests;
    this.requests = new Counter({
      name: MCP_METRIC_NAMES.requests,
      help: 'MCP requests seen, by method and tool',
      labelNames: ['method', 'tool', 'transport'],
      registers,
      // Requests are counted here per message and handed to prom-client when it is read.
      collect(this: Counter<'method' | 'tool' | 'transport'>) {
        for (const p of pendingRequests.values()) {
          if (p.n > 0) this.inc(p.labels, p.n);
          p.n = 0;
        }
      },
    });
    this.errors = new Counter({
      name: MCP_METRIC_NAMES.errors,
      help: 'MCP requests that failed: a JSON-RPC error (error_type = its code) or a tool result with isError (error_type = tool_error)',
      labelNames: ['method', 'tool', 'transport', 'error_type'],
      registers,
    });
    this.duration = new Histogram({
      name: MCP_METRIC_NAMES.duration,
      help: 'Time from an MCP request to its response (kernel times of both), by method, tool and outcome',
      labelNames: ['method', 'tool', 'transport', 'outcome'],
      buckets: MCP_DURATION_BUCKETS,
      registers,
    });
    this.notifications = new Counter({ name: MCP_METRIC_NAMES.notifications, help: 'MCP notifications seen, by method', labelNames: ['method', 'transport'], registers });
    this.unpaired = new Counter({ name: MCP_METRIC_NAMES.unpaired, help: 'MCP responses whose request was not seen (no duration)', labelNames: ['transport'], registers });
    this.alerts = new Counter({ name: MCP_METRIC_NAMES.alerts, help: 'Security alerts, by category and risk', labelNames: ['category', 'risk'], registers });
    this.notices = new Counter({ name: MCP_METRIC_NAMES.notices, help: 'Capture notices: occurrences of what a stage saw but cannot show, or saw done wrong, by reason', labelNames: ['reason'], registers });
  }

  message(m: McpMessageEvent): void {
    const transport = m.transport_type === 'http' ? 'http' : 'stdio';
    const method = methodOf(m);
    const target = targetOf(method, m.type === 'request' ? m.params : m.request?.params);
    const methodText = methodLabel(method);
    const tool = this.tools.label(target.tool);
    if (m.type === 'request') {
      // Requests come in runs of one method and tool: the last one's entry is counted without its key and lookup.
      const last = this.lastRequest;
      if (last !== undefined && last.labels.method === methodText && last.labels.tool === tool && last.labels.transport === transport) {
        last.n++;
        return;
      }
      const key = `${methodText}\u0000${tool}\u0000${transport}`;
      let p = this.pendingRequests.get(key);
      if (p) p.n++;
      else {
        // Bounded like the labels themselves (methods, tools); past it the pending counts go in first.
        if (this.pendingRequests.size >= 10_000) this.flushRequests();
        p = { labels: { method: methodText, tool, transport }, n: 1 };
        this.pendingRequests.set(key, p);
      }
      this.lastRequest = p;
      return;
    }
    const labels = { method: methodText, tool, transport };
    if (m.type === 'notification') {
      this.notifications.inc({ method: labels.method, transport });
      return;
    }
    const outcome = outcomeOf(m);
    if (outcome.errorType) this.errors.inc({ ...labels, error_type: this.errorTypes.label(outcome.errorType) });
    const end = epochMs(m.timestamp);
    const start = epochMs(m.request?.timestamp);
    if (end === undefined || start === undefined) {
      this.unpaired.inc({ transport });
      return;
    }
    this.duration.observe({ ...labels, outcome: outcome.errorType ? 'error' : 'ok' }, Math.max(0, end - start) / 1000);
  }

  alert(a: SecurityAlertEvent): void {
    this.alerts.inc({
      category: KNOWN_CATEGORIES.has(a.category) ? a.category : 'other',
      risk: KNOWN_RISKS.has(a.risk) ? a.risk : 'other',
    });
  }

  notice(n: NoticeEvent): void {
    const reason = KNOWN_REASONS.has(n.reason) ? n.reason : 'unknown';
    const count = Number.isSafeInteger(n.count) && n.count > 0 ? n.count : 1;
    const key = `${reason}\u0000${n.stage}\u0000${n.pid ?? ''}\u0000${n.stream ?? ''}`;
    const before = this.noticeCounts.get(key);
    // A notice says how often it happened so far: count what is new since the last one (a first one counts whole).
    const delta = before === undefined ? count : Math.max(0, count - before);
    if (before === undefined && this.noticeCounts.size >= 10_000) this.noticeCounts.clear();
    this.noticeCounts.set(key, Math.max(count, before ?? 0));
    if (delta > 0) this.notices.inc({ reason }, delta);
  }

  private flushRequests(): void {
    for (const p of this.pendingRequests.values()) if (p.n > 0) this.requests.inc(p.labels, p.n);
    this.pendingRequests.clear();
    // Its only caller sets lastRequest right after; cleared here too so no other caller can count on a dropped entry.
    this.lastRequest = undefined;
  }

  stats(): Record<string, number> {
    return { tools_overflowed: this.tools.overflowed };
  }

  close(): void {
    // Series stay registered: /metrics still reads them while the process stops.
  }
}
