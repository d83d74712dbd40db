/**
 * The labelled corpus (apps/security/corpus/*.jsonl) and its evaluation.
 * Samples are written compactly (a form plus its text or tool list) and
 * expanded into real McpMessageEvent sequences here, so the evaluation runs
 * the same engine path as live traffic. Every sample belongs to the `dev`
 * split (rules may be tuned against it) or the `holdout` split (never looked
 * at while tuning); the split follows from a hash of the id, not from choice.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { AlertCategories, AlertCategory, McpMessageEvent, partitionOf, SecurityAlertEvent } from '@mcpspy/events';

export type SampleLabel = AlertCategory | 'benign';

export interface Sample {
  id: string;
  label: SampleLabel;
  /** Other categories that are also correct for this sample (an injection that also exfiltrates). */
  also?: AlertCategory[];
  /** From the id's hash, unless the sample pins itself to `holdout` (batches written after tuning began). */
  split: 'dev' | 'holdout';
  /** True when the split was pinned in the file rather than drawn from the hash. */
  pinned?: boolean;
  /** The corpus file it came from, without directory and extension. */
  source?: string;
  form: string;
  [k: string]: unknown;
}

export function splitOf(id: string): 'dev' | 'holdout' {
  return partitionOf(`corpus:${id}`, 10) < 3 ? 'holdout' : 'dev';
}

export function loadCorpus(paths: readonly string[]): Sample[] {
  const out: Sample[] = [];
  for (const p of paths) {
    for (const line of readFileSync(p, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const s = JSON.parse(line) as Sample;
      // A sample may pin itself to the held-out split; none may pin itself to dev.
      s.pinned = s.split === 'holdout';
      s.source = basename(p).replace(/\.jsonl$/, '');
      s.split = s.pinned ? 'holdout' : splitOf(s.id);
      out.push(s);
    }
  }
  return out;
}

let seq = 0;
const TS = '2025-02-11T09:00:00.000Z';

function stdio(fromComm: string, toComm: string, fromPid = 4100, toPid = 4000) {
  return { from_pid: fromPid, from_comm: fromComm, to_pid: toPid, to_comm: toComm };
}

function request(method: string, params: unknown, server = 'mcp-server'): McpMessageEvent {
  const id = ++seq;
  return { timestamp: TS, transport_type: 'stdio', stdio_transport: stdio('claude', server, 4000, 4100), type: 'request', id, method, params, error: {}, raw: '', msg_id: `corpus:${id}` };
}

interface ServerRef {
  comm?: string;
  host?: string;
  name?: string;
}

function response(method: string, result: unknown, server: ServerRef = { comm: 'mcp-server' }, session?: string): McpMessageEvent {
  const id = ++seq;
  const base = {
    timestamp: TS,
    type: 'response' as const,
    id,
    result,
    error: {},
    request: { type: 'request' as const, id, method, params: {}, error: {} as Record<string, never> },
    raw: '',
    session,
    msg_id: `corpus:${id}`,
  };
  if (server.host) return { ...base, transport_type: 'http', http_transport: { pid: 4000, comm: 'claude', host: server.host, is_request: false } };
  return { ...base, transport_type: 'stdio', stdio_transport: stdio(server.comm ?? 'mcp-server', 'claude') };
}

function listing(server: ServerRef, items: unknown[], session: string, kind: 'tools' | 'prompts' | 'resources' = 'tools'): McpMessageEvent[] {
  const msgs: McpMessageEvent[] = [];
  if (server.name) msgs.push(response('initialize', { protocolVersion: '2025-06-18', serverInfo: { name: server.name, version: '1.0.0' }, capabilities: {} }, server, session));
  msgs.push(response(`${kind}/list`, { [kind]: items }, server, session));
  return msgs;
}

/** The messages a sample stands for, in order. */
export function messagesOf(s: Sample): McpMessageEvent[] {
  const text = String(s.text ?? '');
  switch (s.form) {
    case 'call':
      return [request('tools/call', { name: s.tool ?? 'tool', arguments: s.args ?? {} })];
    case 'result':
      return [response('tools/call', { content: [{ type: 'text', text }], isError: false })];
    case 'tool':
      return [response('tools/list', { tools: s.tools })];
    case 'resource':
      return [response('resources/read', { contents: [{ uri: s.uri ?? 'file:///x', mimeType: 'text/plain', text }] })];
    case 'prompt':
      return [response('prompts/get', { description: 'prompt', messages: [{ role: 'user', content: { type: 'text', text } }] })];
    case 'prompts_list':
      return [response('prompts/list', { prompts: s.items })];
    case 'resources_list':
      return [response('resources/list', { resources: s.items })];
    case 'sampling':
      return [request('sampling/createMessage', { systemPrompt: s.system, messages: [{ role: 'user', content: { type: 'text', text } }], maxTokens: 500 })];
    case 'elicitation':
      return [request('elicitation/create', { message: text, requestedSchema: { type: 'object', properties: {} } })];
    case 'instructions':
      // A server's `initialize` answer: its instructions (and name) are what the agent reads first.
      return [response('initialize', { protocolVersion: '2025-11-25', serverInfo: { name: String(s.server_name ?? 'corpus-server'), version: '1.0.0' }, capabilities: {}, instructions: text })];
    case 'completion':
      return [request('completion/complete', { ref: { type: 'ref/prompt', name: 'search' }, argument: { name: 'q', value: text } })];
    case 'rug': {
      // `kind` (tools by default, or prompts / resources) says which listing changed.
      const kind = (s.kind as 'tools' | 'prompts' | 'resources' | undefined) ?? 'tools';
      const srv = { comm: 'mcp-server', name: 'corpus-server' };
      return [...listing(srv, s.before as unknown[], `s-${s.id}-1`, kind), ...listing(srv, s.after as unknown[], `s-${s.id}-2`, kind)];
    }
    case 'shadow':
      return (s.servers as (ServerRef & { tools: unknown[] })[]).flatMap((srv, i) => listing(srv, srv.tools, `s-${s.id}-${i}`));
    default:
      throw new Error(`failed to expand corpus sample ${s.id}: unknown form ${s.form}`);
  }
}

export interface CategoryMetrics {
  category: AlertCategory;
  positives: number;
  tp: number;
  fn: number;
  fp: number;
  benignHits: number;
  precision: number;
  recall: number;
  fpr: number;
}

export interface EvalReport {
  samples: number;
  benign: number;
  attacks: number;
  /** Attacks with at least one alert of any category. */
  attackDetection: number;
  /** Benign samples with any alert. */
  benignAlertRate: number;
  perCategory: CategoryMetrics[];
  failures: { id: string; label: SampleLabel; split: string; predicted: AlertCategory[]; reason: 'missed' | 'false_positive' }[];
}

export interface SampleResult {
  sample: Sample;
  alerts: SecurityAlertEvent[];
}

export function scoreResults(results: readonly SampleResult[]): EvalReport {
  const benign = results.filter((r) => r.sample.label === 'benign');
  const attacks = results.filter((r) => r.sample.label !== 'benign');
  const predicted = (r: SampleResult) => new Set(r.alerts.map((a) => a.category));
  const perCategory: CategoryMetrics[] = [];
  for (const c of AlertCategories) {
    let tp = 0, fn = 0, fp = 0, benignHits = 0, positives = 0;
    for (const r of results) {
      const p = predicted(r).has(c);
      const ok = r.sample.label === c || (r.sample.also ?? []).includes(c);
      if (r.sample.label === c) {
        positives++;
        if (p) tp++;
        else fn++;
      } else if (p && !ok) fp++;
      if (p && r.sample.label === 'benign') benignHits++;
    }
    perCategory.push({
      category: c,
      positives,
      tp,
      fn,
      fp,
      benignHits,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: positives === 0 ? 1 : tp / positives,
      fpr: benign.length === 0 ? 0 : benignHits / benign.length,
    });
  }
  const failures: EvalReport['failures'] = [];
  for (const r of results) {
    const p = [...predicted(r)];
    if (r.sample.label === 'benign' && p.length) failures.push({ id: r.sample.id, label: 'benign', split: r.sample.split, predicted: p, reason: 'false_positive' });
    if (r.sample.label !== 'benign' && !p.includes(r.sample.label)) failures.push({ id: r.sample.id, label: r.sample.label, split: r.sample.split, predicted: p, reason: 'missed' });
  }
  return {
    samples: results.length,
    benign: benign.length,
    attacks: attacks.length,
    attackDetection: attacks.length ? attacks.filter((r) => r.alerts.length > 0).length / attacks.length : 1,
    benignAlertRate: benign.length ? benign.filter((r) => r.alerts.length > 0).length / benign.length : 0,
    perCategory,
    failures,
  };
}
