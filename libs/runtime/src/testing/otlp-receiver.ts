/**
 * A local OTLP/HTTP receiver for tests (OpenTelemetry export of the sink): an http server on 127.0.0.1 that
 * takes `/v1/traces` and `/v1/metrics` in both encodings the exporters speak
 * (`application/x-protobuf`, decoded with protobufjs from the subset of the
 * OTLP protos below, and `application/json`), and turns both into one plain
 * shape so a test asserts the same things whatever the encoding.
 *
 * The proto subset follows opentelemetry-proto (trace/v1, metrics/v1,
 * common/v1, resource/v1); field numbers are the wire contract.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import protobuf from 'protobufjs';

const OTLP_PROTO = `
syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  repeated Event events = 11; repeated Link links = 13; Status status = 15; fixed32 flags = 16;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message NumberDataPoint { fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
message HistogramDataPoint { fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4; double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; repeated KeyValue attributes = 9; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Metric { string name = 1; string description = 2; string unit = 3; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const TraceRequest = root.lookupType('ExportTraceServiceRequest');
const MetricsRequest = root.lookupType('ExportMetricsServiceRequest');

export interface ReceivedSpan {
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; timeNs: bigint; attributes: Record<string, unknown> }>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, unknown>;
}

export interface ReceivedPoint {
  attributes: Record<string, unknown>;
  value?: number;
  count?: number;
  sum?: number;
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram';
  points: ReceivedPoint[];
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
}

type Obj = Record<string, any>;

function hex(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') return v.toLowerCase(); // OTLP/JSON ids are hex already
  return Buffer.from(v as Uint8Array).toString('hex');
}

function big(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'object' && 'low' in (v as Obj)) {
    const l = v as { low: number; high: number };
    return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
  }
  return BigInt(String(v));
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  return Number(typeof v === 'object' ? big(v) : v);
}

function anyValue(v: Obj | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return num(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return ((v.arrayValue.values ?? []) as Obj[]).map(anyValue);
  return undefined;
}

function attrs(kvs: Obj[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

/** Both encodings as the same plain objects (protobufjs toObject and OTLP/JSON share the camelCase names). */
function spansOf(req: Obj): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          name: s.name,
          kind: Number(s.kind ?? 0),
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          startNs: big(s.startTimeUnixNano),
          endNs: big(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          events: ((s.events ?? []) as Obj[]).map((e) => ({ name: e.name, timeNs: big(e.timeUnixNano), attributes: attrs(e.attributes) })),
          status: { code: Number(s.status?.code ?? 0), message: s.status?.message ?? '' },
          resource,
        });
      }
    }
  }
  return out;
}

function metricsOf(req: Obj): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of req.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        if (m.histogram) {
          out.push({
            name: m.name,
            unit: m.unit ?? '',
            kind: 'histogram',
            points: ((m.histogram.dataPoints ?? []) as Obj[]).map((p) => ({ attributes: attrs(p.attributes), count: num(p.count), sum: num(p.sum) })),
          });
        } else {
          const data = m.sum ?? m.gauge;
          out.push({
            name: m.name,
            unit: m.unit ?? '',
            kind: m.sum ? 'sum' : 'gauge',
            points: ((data?.dataPoints ?? []) as Obj[]).map((p) => ({ attributes: attrs(p.attributes), value: num(p.asDouble ?? p.asInt) })),
          });
        }
      }
    }
  }
  return out;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  readonly requests: ReceivedRequest[] = [];
  readonly errors: string[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const path = (req.url ?? '').split('?')[0];
        const contentType = String(req.headers['content-type'] ?? '');
        this.requests.push({ path, contentType, headers: req.headers });
        try {
          const json = contentType.includes('json');
          const type = path === '/v1/traces' ? TraceRequest : path === '/v1/metrics' ? MetricsRequest : undefined;
          if (!type) throw new Error(`unexpected path ${path}`);
          const obj: Obj = json ? JSON.parse(body.toString('utf8')) : type.toObject(type.decode(body), { longs: String, enums: Number, defaults: false });
          if (type === TraceRequest) this.spans.push(...spansOf(obj));
          else this.metrics.push(...metricsOf(obj));
          res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
          res.end(json ? '{}' : Buffer.alloc(0));
        } catch (err) {
          this.errors.push(String((err as Error).message));
          res.writeHead(400);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const addr = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${addr.port}`;
    return this;
  }

  span(name: string): ReceivedSpan | undefined {
    return this.spans.find((s) => s.name === name);
  }

  /** The last reported points of a metric (cumulative temporality: the newest export holds the totals). */
  metric(name: string): ReceivedMetric | undefined {
    return [...this.metrics].reverse().find((m) => m.name === name);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
