/**
 * OpenTelemetry export (`--otlp`): every MCP request/response pair as a span
 * and the MCP metrics of the OpenTelemetry semantic conventions
 * (`docs/gen-ai/mcp.md`), sent over OTLP/HTTP by the official SDK's
 * exporters, configured by the standard `OTEL_*` variables.
 *
 * Spans:
 * - one per request/response pair, named `{mcp.method.name} {target}` (target:
 *   the tool or prompt name; never the resource URI, high cardinality), from
 *   the request's kernel time to the response's (the JSONL timestamps);
 * - kind CLIENT: the span covers what the initiator waits for (send → response),
 *   like `mcp.client.operation.duration`. mcpspy does not process the call, so
 *   it is not a SERVER span: an instrumented server's own SERVER span stays the
 *   only one, and service maps get no invented server edge;
 * - a `traceparent` in the request's `params._meta` is the parent, so the span
 *   joins the agent's own trace;
 * - a notification is a zero-length span of its own (the conventions give
 *   notifications spans too), the child of the request it reports on when a
 *   progress token or cancelled request id names a pending one;
 * - JSON-RPC errors and `isError` tool results set `error.type` and status ERROR;
 * - a security alert is an event on the span of the message it names, and a
 *   count in `mcpspy.security.alerts`;
 * - a request whose response does not come within `pendingTimeoutMs` ends at
 *   that timeout, marked `mcpspy.unpaired=timeout`, `error.type=timeout`.
 *
 * Memory is bounded: at most `maxPending` open requests (the oldest is ended,
 * marked `evicted`, and counted), `maxSessions` sessions, and ended spans wait
 * at most `alertGraceMs` for late alerts before they are handed to the SDK.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Counter, type Histogram, type Span } from '@opentelemetry/api';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ExportResult } from '@opentelemetry/core';
import { visibleText, type McpMessageEvent, type NoticeEvent, type SecurityAlertEvent } from '@mcpspy/events';
import type { Logger } from '@mcpspy/runtime';
import { OtlpConfigError } from '../errors';
import {
  BoundedLabels,
  epochMs,
  methodOf,
  outcomeOf,
  peersOf,
  statedProtocolVersion,
  targetOf,
  traceContextOf,
  type CallPeers,
  type CallTarget,
} from './mcp-call-fields';
import type { SinkOutput } from './output';

/** Bucket boundaries (seconds) the conventions give for every MCP duration histogram. */
export const MCP_DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpOutputOptions {
  logger: Logger;
  /** Base OTLP/HTTP endpoint (`--otlp URL`); `/v1/traces` and `/v1/metrics` are appended. Default: the `OTEL_EXPORTER_OTLP_*` variables, else http://localhost:4318. */
  endpoint?: string;
  /** Where `OTEL_*` settings are read (the exporters themselves read `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** A request with no response after this long ends as unpaired (default 60 s, `MCPSPY_OTLP_PENDING_TIMEOUT_MS`). */
  pendingTimeoutMs?: number;
  /** Open requests kept at most (default 10 000). */
  maxPending?: number;
  /** How long an ended span waits for late security alerts (default 5 s: the security stage runs beside the sink). */
  alertGraceMs?: number;
  /** A session with no message for this long is over: its duration is recorded (default 5 min). */
  sessionIdleMs?: number;
  maxSessions?: number;
  /** Distinct tool/prompt names kept as metric attributes; later ones are `other` (default 100). */
  maxNames?: number;
  /** Metric export interval (default `OTEL_METRIC_EXPORT_INTERVAL`, else 60 s). */
  metricIntervalMs?: number;
  /** Longest close() waits for the exporters to flush (default 5 s). */
  closeTimeoutMs?: number;
  /** Housekeeping period (timeouts, grace, idle sessions); default 250 ms. */
  sweepMs?: number;
}

interface CallSpan {
  span: Span;
  startMs: number;
  /** Wall clock when it was opened (timeouts run on wall time: a replay's event times are old). */
  openedAt: number;
  key?: string;
  session?: string;
  id?: string | number;
  progressToken?: string;
  msgIds: string[];
  /** Set once the end time is known: the span waits in `closing` until `due`. */
  endMs?: number;
  due?: number;
}

interface SessionState {
  firstMs: number;
  lastMs: number;
  lastSeen: number;
  version?: string;
  /** stdio: the process that sent `initialize` is the client of the conversation. */
  clientPid?: number;
  attrs: Attributes;
}

const DEFAULTS = {
  pendingTimeoutMs: 60_000,
  maxPending: 10_000,
  alertGraceMs: 5_000,
  sessionIdleMs: 300_000,
  maxSessions: 10_000,
  maxNames: 100,
  closeTimeoutMs: 5_000,
  sweepMs: 250,
};

/** `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
export function otlpProtocol(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): OtlpProtocol {
  const own = `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`;
  const name = env[own] ? own : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const v = (env[name] || 'http/protobuf').trim();
  if (v === 'http/protobuf' || v === 'http/json') return v;
  throw new OtlpConfigError(
    name,
    `"${v}" is not supported (mcpspy exports OTLP over HTTP: http/protobuf or http/json; point a collector's otlp receiver http endpoint at it)`,
  );
}

/** The signal URL to pass to an exporter, or undefined to let it read `OTEL_EXPORTER_OTLP_*` itself. */
export function otlpSignalUrl(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS', base: string | undefined): string | undefined {
  if (env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]) return undefined;
  if (!base) return undefined;
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new OtlpConfigError('--otlp', `"${base}" is not a URL (expected http://HOST:4318)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OtlpConfigError('--otlp', `"${base}" is not an http(s) URL`);
  return `${base.replace(/\/+$/, '')}/v1/${signal.toLowerCase()}`;
}

export class OtlpOutput implements SinkOutput {
  readonly name = 'otlp';
  private readonly o: Required<Omit<OtlpOutputOptions, 'endpoint' | 'env' | 'logger' | 'metricIntervalMs'>> & { metricIntervalMs: number };
  private readonly env: NodeJS.ProcessEnv;
  private tracerProvider?: BasicTracerProvider;
  private meterProvider?: MeterProvider;
  private tracer = trace.getTracer('noop');
  private clientDuration?: Histogram;
  private serverDuration?: Histogram;
  private clientSession?: Histogram;
  private serverSession?: Histogram;
  private alertsCounter?: Counter;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly pending = new Map<string, CallSpan>();
  private readonly byMsgId = new Map<string, CallSpan>();
  private readonly earlyAlerts = new Map<string, { alerts: SecurityAlertEvent[]; due: number }>();
  private readonly closing = new Set<CallSpan>();
  private readonly sessions = new Map<string, SessionState>();
  private readonly names: BoundedLabels;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly counts = {
    spans: 0,
    spans_unpaired_timeout: 0,
    spans_unpaired_shutdown: 0,
    pending_evicted: 0,
    pending_replaced: 0,
    responses_without_request: 0,
    notifications: 0,
    alerts: 0,
    alerts_without_span: 0,
    sessions_ended: 0,
    sessions_evicted: 0,
    export_errors: 0,
    bad_timestamps: 0,
    spans_exported: 0,
    spans_export_failed: 0,
    /** Set at close: spans ended but never accepted by the collector (queue full, export failed, exit). */
    spans_not_exported: 0,
  };

  constructor(private readonly opts: OtlpOutputOptions) {
    this.env = opts.env ?? process.env;
    const intervalEnv = Number(this.env.OTEL_METRIC_EXPORT_INTERVAL);
    const pendingEnv = Number(this.env.MCPSPY_OTLP_PENDING_TIMEOUT_MS);
    this.o = {
      ...DEFAULTS,
      ...(Number.isSafeInteger(pendingEnv) && pendingEnv > 0 ? { pendingTimeoutMs: pendingEnv } : {}),
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
      metricIntervalMs: opts.metricIntervalMs ?? (Number.isFinite(intervalEnv) && intervalEnv > 0 ? intervalEnv : 60_000),
    } as OtlpOutput['o'];
    this.names = new BoundedLabels(this.o.maxNames, 128);
    // Fail at construction, before any stage starts, when the settings cannot work.
    otlpProtocol(this.env, 'TRACES');
    otlpProtocol(this.env, 'METRICS');
    otlpSignalUrl(this.env, 'TRACES', opts.endpoint);
  }

  start(): void {
    const env = this.env;
    const traceUrl = otlpSignalUrl(env, 'TRACES', this.opts.endpoint);
    const metricUrl = otlpSignalUrl(env, 'METRICS', this.opts.endpoint);
    const traceCfg = traceUrl ? { url: traceUrl } : {};
    const metricCfg = metricUrl ? { url: metricUrl } : {};
    const spanExporter = otlpProtocol(env, 'TRACES') === 'http/json' ? new JsonTraceExporter(traceCfg) : new ProtoTraceExporter(traceCfg);
    const metricExporter = otlpProtocol(env, 'METRICS') === 'http/json' ? new JsonMetricExporter(metricCfg) : new ProtoMetricExporter(metricCfg);
    // Our name and version under whatever OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES say (they win).
    const resource = defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'mcpspy', 'service.version': '0.1.0' }))
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes(env.OTEL_SERVICE_NAME ? { 'service.name': env.OTEL_SERVICE_NAME } : {}));
    let loggedExport = false;
    setGlobalErrorHandler((err) => {
      this.counts.export_errors++;
      if (loggedExport) return;
      loggedExport = true;
      this.opts.logger.warn({ err: String((err as Error)?.message ?? err) }, 'otlp: export failed (logged once; further failures are only counted as otlp_export_errors)');
    });
    // The SDK's queue default (2048 spans) drops a burst such as every open call ending at exit: ours is larger
    // unless OTEL_BSP_* says otherwise. What never reached the collector is counted (spans_not_exported).
    const bsp = {
      ...(env.OTEL_BSP_MAX_QUEUE_SIZE ? {} : { maxQueueSize: 32_768 }),
      ...(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ? {} : { maxExportBatchSize: 2_048 }),
      ...(env.OTEL_BSP_SCHEDULE_DELAY ? {} : { scheduledDelayMillis: 1_000 }),
    };
    this.tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(new CountingExporter(spanExporter, this.counts), bsp)],
      generalLimits: { attributeValueLengthLimit: 4096 },
    });
    this.meterProvider = new MeterProvider({
      resource,
      readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: this.o.metricIntervalMs, exportTimeoutMillis: Math.min(30_000, this.o.metricIntervalMs) })],
    });
    this.tracer = this.tracerProvider.getTracer('mcpspy', '0.1.0');
    const meter = this.meterProvider.getMeter('mcpspy', '0.1.0');
    const advice = { explicitBucketBoundaries: MCP_DURATION_BUCKETS };
    this.clientDuration = meter.createHistogram('mcp.client.operation.duration', { unit: 's', description: 'MCP request duration from the request to its response, as mcpspy saw them on the wire', advice });
    this.serverDuration = meter.createHistogram('mcp.server.operation.duration', { unit: 's', description: 'MCP request duration from the request to its response, as mcpspy saw them on the wire', advice });
    this.clientSession = meter.createHistogram('mcp.client.session.duration', { unit: 's', description: 'MCP session duration: first to last message mcpspy saw in it', advice });
    this.serverSession = meter.createHistogram('mcp.server.session.duration', { unit: 's', description: 'MCP session duration: first to last message mcpspy saw in it', advice });
    this.alertsCounter = meter.createCounter('mcpspy.security.alerts', { unit: '{alert}', description: 'Security alerts by category and risk' });
    this.timer = setInterval(() => this.sweep(Date.now()), this.o.sweepMs);
    this.timer.unref();
  }

  message(m: McpMessageEvent): void {
    if (this.closed) return;
    const t = epochMs(m.timestamp);
    if (t === undefined) this.counts.bad_timestamps++;
    const at = t ?? Date.now();
    const session = this.touchSession(m, at);
    if (m.type === 'request') this.onRequest(m, at, session);
    else if (m.type === 'notification') this.onNotification(m, at, session);
    else this.onResponse(m, at, session);
  }

  alert(a: SecurityAlertEvent): void {
    if (this.closed) return;
    this.counts.alerts++;
    this.alertsCounter?.add(1, { 'mcpspy.alert.category': String(a.category), 'mcpspy.alert.risk': String(a.risk) });
    const msgId = a.message?.msg_id;
    const call = msgId ? this.byMsgId.get(msgId) : undefined;
    if (call) {
      this.addAlertEvent(call, a);
      return;
    }
    if (!msgId) {
      this.counts.alerts_without_span++;
      return;
    }
    // Distributed: alerts and messages come through different consumers, so an alert can come first.
    // It waits (bounded, `alertGraceMs`) for its message.
    const waiting = this.earlyAlerts.get(msgId);
    if (waiting) waiting.alerts.push(a);
    else this.earlyAlerts.set(msgId, { alerts: [a], due: Date.now() + this.o.alertGraceMs });
    if (this.earlyAlerts.size > 1_000) this.dropEarly(this.earlyAlerts.keys().next().value as string);
  }

  private dropEarly(msgId: string): void {
    const e = this.earlyAlerts.get(msgId);
    if (!e) return;
    this.earlyAlerts.delete(msgId);
    this.counts.alerts_without_span += e.alerts.length;
  }

  private addAlertEvent(call: CallSpan, a: SecurityAlertEvent): void {
    const ev = a.evidence?.[0];
    call.span.addEvent(
      'mcpspy.security_alert',
      {
        'mcpspy.alert.category': String(a.category),
        'mcpspy.alert.risk': String(a.risk),
        'mcpspy.alert.score': typeof a.score === 'number' ? a.score : 0,
        'mcpspy.alert.detector': visibleText(String(a.detector), 64),
        'mcpspy.alert.summary': visibleText(String(a.summary ?? ''), 512),
        'mcpspy.alert.evidence_count': Array.isArray(a.evidence) ? a.evidence.length : 0,
        ...(ev ? { 'mcpspy.alert.rule': visibleText(String(ev.rule), 128), 'mcpspy.alert.field': visibleText(String(ev.field), 256) } : {}),
        'mcpspy.message.id': a.message.msg_id!,
      },
      epochMs(a.timestamp) ?? Date.now(),
    );
  }

  notice(_n: NoticeEvent): void {
    // Notices are counted by the Prometheus output; they name no call to hang on a span.
  }

  stats(): Record<string, number> {
    return { ...this.counts, pending: this.pending.size, sessions: this.sessions.size, names_overflowed: this.names.overflowed };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const now = Date.now();
    for (const call of [...this.pending.values()]) this.endUnpaired(call, 'shutdown', call.startMs + Math.max(0, now - call.openedAt));
    for (const call of [...this.closing]) this.finish(call);
    for (const msgId of [...this.earlyAlerts.keys()]) this.dropEarly(msgId);
    for (const [key, s] of [...this.sessions]) this.endSession(key, s);
    const failures: unknown[] = [];
    const bounded = (p: Promise<void> | undefined, what: string) =>
      p === undefined
        ? Promise.resolve()
        : Promise.race([
            p,
            new Promise<void>((resolve) => setTimeout(() => {
              failures.push(new Error(`${what} did not finish within ${this.o.closeTimeoutMs} ms`));
              resolve();
            }, this.o.closeTimeoutMs).unref()),
          ]).catch((e) => {
            failures.push(e);
          });
    await Promise.all([bounded(this.tracerProvider?.shutdown(), 'trace export'), bounded(this.meterProvider?.shutdown(), 'metric export')]);
    this.counts.spans_not_exported = Math.max(0, this.counts.spans - this.counts.spans_exported);
    if (failures.length > 0) {
      // An unreachable collector must not fail the monitor's exit: what it could not take is counted and said once.
      this.counts.export_errors += failures.length;
      this.opts.logger.warn({ failures: failures.map((f) => String((f as Error)?.message ?? f)) }, 'otlp: the last export did not complete');
    }
  }

  // ── requests, responses, notifications ──

  private onRequest(m: McpMessageEvent, at: number, session: SessionState | undefined): void {
    const method = methodOf(m) ?? '';
    const target = targetOf(method, m.params);
    const peers = peersOf(m, session?.clientPid);
    const parent = this.parentOf(m);
    const span = this.tracer.startSpan(
      spanName(method, target),
      { kind: SpanKind.CLIENT, startTime: at, attributes: this.callAttributes(m, method, target, peers, session) },
      parent,
    );
    this.counts.spans++;
    const call: CallSpan = { span, startMs: at, openedAt: Date.now(), session: m.session, id: m.id ?? undefined, msgIds: [] };
    if (m.msg_id) this.index(call, m.msg_id);
    const key = pairKey(m.id, m.timestamp, m.method);
    if (key) {
      const old = this.pending.get(key);
      if (old) {
        // The same id again before an answer: the first call will never be paired any more.
        this.counts.pending_replaced++;
        this.endUnpaired(old, 'evicted', at);
      }
      call.key = key;
      const token = progressTokenOf(m.params);
      if (token) call.progressToken = token;
      this.pending.set(key, call);
      while (this.pending.size > this.o.maxPending) {
        const oldest = this.pending.values().next().value as CallSpan;
        this.counts.pending_evicted++;
        this.endUnpaired(oldest, 'evicted', at);
      }
    } else {
      this.close0(call, at);
    }
  }

  private onResponse(m: McpMessageEvent, at: number, session: SessionState | undefined): void {
    // The parser paired the response with its request (same conversation and direction); its copy of the
    // request names the call we opened. A response it could not pair has no request and opens no pending call.
    const key = m.request ? pairKey(m.request.id, m.request.timestamp, m.request.method) : undefined;
    let call = key ? this.pending.get(key) : undefined;
    if (call) this.pending.delete(key!);
    const method = methodOf(m) ?? '';
    const requestParams = m.request?.params;
    const target = targetOf(method, requestParams);
    const peers = peersOf(m, session?.clientPid);
    // The parser's pairing gives the request's kernel time; it is the span's start whoever opened it.
    const requestAt = epochMs(m.request?.timestamp);
    if (!call) {
      if (!m.request) this.counts.responses_without_request++;
      const span = this.tracer.startSpan(
        spanName(method, target),
        {
          kind: SpanKind.CLIENT,
          startTime: requestAt ?? at,
          attributes: { ...this.callAttributes(m, method, target, peers, session), ...(m.request ? {} : { 'mcpspy.request.seen': false }) },
        },
        this.parentOf(m),
      );
      this.counts.spans++;
      call = { span, startMs: requestAt ?? at, openedAt: Date.now(), session: m.session, msgIds: [] };
    } else if (session?.version) {
      call.span.setAttribute('mcp.protocol.version', session.version);
    }
    if (requestAt !== undefined) call.startMs = requestAt;
    if (m.msg_id) this.index(call, m.msg_id);
    const outcome = outcomeOf(m);
    if (outcome.errorType) {
      call.span.setAttribute('error.type', outcome.errorType);
      if (outcome.code) call.span.setAttribute('rpc.response.status_code', outcome.code);
      call.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message !== undefined ? visibleText(outcome.message, 512) : undefined });
    }
    const endMs = Math.max(at, call.startMs);
    const seconds = (endMs - call.startMs) / 1000;
    const attrs: Attributes = {
      'mcp.method.name': visibleText(method, 128),
      'network.transport': peers.transport,
      ...(peers.protocolName ? { 'network.protocol.name': peers.protocolName } : {}),
      ...(session?.version ? { 'mcp.protocol.version': session.version } : {}),
      ...(target.tool ? { 'gen_ai.tool.name': this.names.label(target.tool), 'gen_ai.operation.name': 'execute_tool' } : {}),
      ...(target.prompt ? { 'gen_ai.prompt.name': this.names.label(target.prompt) } : {}),
      ...(outcome.errorType ? { 'error.type': outcome.errorType } : {}),
      ...(outcome.code ? { 'rpc.response.status_code': outcome.code } : {}),
    };
    this.clientDuration?.record(seconds, attrs);
    this.serverDuration?.record(seconds, attrs);
    this.close0(call, endMs);
  }

  private onNotification(m: McpMessageEvent, at: number, session: SessionState | undefined): void {
    this.counts.notifications++;
    const method = methodOf(m) ?? '';
    const target = targetOf(method, m.params);
    const peers = peersOf(m, session?.clientPid);
    const parent = this.parentOf(m) ?? this.requestContextOf(m);
    const span = this.tracer.startSpan(
      spanName(method, target),
      { kind: SpanKind.CLIENT, startTime: at, attributes: this.callAttributes(m, method, target, peers, session) },
      parent,
    );
    this.counts.spans++;
    const call: CallSpan = { span, startMs: at, openedAt: Date.now(), session: m.session, msgIds: [] };
    if (m.msg_id) this.index(call, m.msg_id);
    this.close0(call, at);
  }

  /** The agent's trace context from the request's `_meta`, as the remote parent. */
  private parentOf(m: McpMessageEvent): Context | undefined {
    const tc = traceContextOf(m);
    if (!tc) return undefined;
    const ctx = this.propagator.extract(ROOT_CONTEXT, tc, {
      get: (carrier, key) => (carrier as Record<string, string>)[key],
      keys: (carrier) => Object.keys(carrier as object),
    });
    return trace.getSpanContext(ctx) ? ctx : undefined;
  }

  /** A progress or cancelled notification about a request still open in the same session: that request's span. */
  private requestContextOf(m: McpMessageEvent): Context | undefined {
    const p = m.params as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object') return undefined;
    let call: CallSpan | undefined;
    if (m.method === 'notifications/cancelled' && (typeof p.requestId === 'string' || typeof p.requestId === 'number')) {
      for (const c of [...this.pending.values()].reverse()) {
        if (c.session === m.session && c.id === p.requestId) {
          call = c;
          break;
        }
      }
    } else if (m.method === 'notifications/progress' && (typeof p.progressToken === 'string' || typeof p.progressToken === 'number')) {
      const token = String(p.progressToken);
      // Newest first: the open calls of a session are few, and a token is reused only after its call ended.
      for (const c of [...this.pending.values()].reverse()) {
        if (c.session === m.session && c.progressToken === token) {
          call = c;
          break;
        }
      }
    }
    return call ? trace.setSpan(context.active(), call.span) : undefined;
  }

  private callAttributes(m: McpMessageEvent, method: string, target: CallTarget, peers: CallPeers, session: SessionState | undefined): Attributes {
    const a: Attributes = {
      'mcp.method.name': visibleText(method, 128),
      'network.transport': peers.transport,
      'mcpspy.transport': m.transport_type,
    };
    if (m.id !== undefined && m.id !== null && (m.type === 'request' || m.type === 'response' || m.type === 'error')) a['jsonrpc.request.id'] = visibleText(String(m.id), 128);
    const sessionId = m.http_transport?.session_id;
    if (sessionId) a['mcp.session.id'] = visibleText(sessionId, 256);
    else if (m.session) a['mcpspy.session'] = visibleText(m.session, 256);
    if (session?.version) a['mcp.protocol.version'] = session.version;
    if (target.tool) {
      a['gen_ai.tool.name'] = visibleText(target.tool, 256);
      a['gen_ai.operation.name'] = 'execute_tool';
    }
    if (target.prompt) a['gen_ai.prompt.name'] = visibleText(target.prompt, 256);
    if (target.uri) a['mcp.resource.uri'] = visibleText(target.uri, 2048);
    if (peers.protocolName) a['network.protocol.name'] = peers.protocolName;
    if (peers.serverAddress) a['server.address'] = peers.serverAddress;
    if (peers.serverPort) a['server.port'] = peers.serverPort;
    if (peers.client.pid) a['mcpspy.client.pid'] = peers.client.pid;
    if (peers.client.comm) a['mcpspy.client.comm'] = visibleText(peers.client.comm, 64);
    if (peers.server.pid) a['mcpspy.server.pid'] = peers.server.pid;
    if (peers.server.comm) a['mcpspy.server.comm'] = visibleText(peers.server.comm, 64);
    if (m.http_transport?.tls !== undefined) a['mcpspy.tls'] = m.http_transport.tls;
    if (m.msg_id) a['mcpspy.message.id'] = m.msg_id;
    return a;
  }

  // ── span lifetimes ──

  private index(call: CallSpan, msgId: string): void {
    call.msgIds.push(msgId);
    this.byMsgId.set(msgId, call);
    const early = this.earlyAlerts.get(msgId);
    if (early) {
      this.earlyAlerts.delete(msgId);
      for (const a of early.alerts) this.addAlertEvent(call, a);
    }
  }

  /** The end time is known: wait `alertGraceMs` for alerts on this call's messages, then end. */
  private close0(call: CallSpan, endMs: number): void {
    call.endMs = endMs;
    call.due = Date.now() + this.o.alertGraceMs;
    this.closing.add(call);
    // Bounded like the open calls: past the cap the oldest ends now (its alerts would find no span).
    if (this.closing.size > this.o.maxPending) this.finish(this.closing.values().next().value as CallSpan);
  }

  private finish(call: CallSpan): void {
    this.closing.delete(call);
    for (const id of call.msgIds) if (this.byMsgId.get(id) === call) this.byMsgId.delete(id);
    call.span.end(call.endMs ?? call.startMs);
  }

  private endUnpaired(call: CallSpan, why: 'timeout' | 'evicted' | 'shutdown', endMs: number): void {
    if (call.key) this.pending.delete(call.key);
    call.span.setAttribute('mcpspy.unpaired', why);
    call.span.setAttribute('mcpspy.response.seen', false);
    if (why === 'timeout') {
      this.counts.spans_unpaired_timeout++;
      call.span.setAttribute('error.type', 'timeout');
      call.span.setStatus({ code: SpanStatusCode.ERROR, message: `no response seen within ${this.o.pendingTimeoutMs} ms` });
    } else if (why === 'shutdown') this.counts.spans_unpaired_shutdown++;
    this.close0(call, endMs);
  }

  private sweep(now: number): void {
    for (const call of this.pending.values()) {
      if (call.openedAt + this.o.pendingTimeoutMs > now) break; // oldest first
      this.endUnpaired(call, 'timeout', call.startMs + this.o.pendingTimeoutMs);
    }
    for (const call of this.closing) {
      if ((call.due ?? 0) > now) break; // added in due order
      this.finish(call);
    }
    for (const [msgId, e] of this.earlyAlerts) {
      if (e.due > now) break;
      this.dropEarly(msgId);
    }
    for (const [key, s] of this.sessions) {
      if (s.lastSeen + this.o.sessionIdleMs > now) continue;
      this.endSession(key, s);
    }
  }

  // ── sessions ──

  private touchSession(m: McpMessageEvent, at: number): SessionState | undefined {
    const key = m.session;
    if (!key) return undefined;
    let s = this.sessions.get(key);
    if (!s) {
      const peers = peersOf(m);
      s = {
        firstMs: at,
        lastMs: at,
        lastSeen: Date.now(),
        attrs: { 'network.transport': peers.transport, ...(peers.protocolName ? { 'network.protocol.name': peers.protocolName } : {}) },
      };
      this.sessions.set(key, s);
      if (this.sessions.size > this.o.maxSessions) {
        const [oldKey, old] = this.sessions.entries().next().value as [string, SessionState];
        this.counts.sessions_evicted++;
        this.endSession(oldKey, old);
      }
    } else {
      // Re-insert: the map stays in order of last activity, so eviction takes the quietest.
      this.sessions.delete(key);
      this.sessions.set(key, s);
      s.lastMs = Math.max(s.lastMs, at);
      s.lastSeen = Date.now();
    }
    const v = statedProtocolVersion(m);
    if (v) s.version = visibleText(v, 32);
    if (m.type === 'request' && m.method === 'initialize' && m.stdio_transport) s.clientPid = m.stdio_transport.from_pid;
    return s;
  }

  private endSession(key: string, s: SessionState): void {
    this.sessions.delete(key);
    this.counts.sessions_ended++;
    const attrs = { ...s.attrs, ...(s.version ? { 'mcp.protocol.version': s.version } : {}) };
    const seconds = Math.max(0, s.lastMs - s.firstMs) / 1000;
    this.clientSession?.record(seconds, attrs);
    this.serverSession?.record(seconds, attrs);
  }
}

function spanName(method: string, target: CallTarget): string {
  const name = target.tool ?? target.prompt;
  const m = visibleText(method || 'unknown', 128);
  return name ? `${m} ${visibleText(name, 128)}` : m;
}

/** A request as the parser's pairing copies it into its response: id, kernel time, method. */
function pairKey(id: unknown, timestamp: string | undefined, method: string | undefined): string | undefined {
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  return `${typeof id}:${id}\u0000${timestamp ?? ''}\u0000${method ?? ''}`;
}

function progressTokenOf(params: unknown): string | undefined {
  const meta = params && typeof params === 'object' ? (params as Record<string, unknown>)._meta : undefined;
  const t = meta && typeof meta === 'object' ? (meta as Record<string, unknown>).progressToken : undefined;
  return typeof t === 'string' || typeof t === 'number' ? String(t) : undefined;
}

/** The exporter as the SDK sees it, counting what the collector accepted and what it refused. */
class CountingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly counts: { spans_exported: number; spans_export_failed: number },
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === 0) this.counts.spans_exported += spans.length;
      else this.counts.spans_export_failed += spans.length;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
