/** Builders of MCP messages for specs and tests (not part of the public API). */
import type { McpMessageEvent } from '@mcpspy/events';
import { ContextDetector } from './detectors/context.detector';
import { RulesDetector } from './detectors/rules.detector';
import type { AnalysisInput, TextUnit } from './types';

let n = 0;

export function toolCall(args: Record<string, unknown>, name = 'tool'): McpMessageEvent {
  const id = ++n;
  return {
    timestamp: '2025-02-11T09:00:00.000Z', transport_type: 'stdio',
    stdio_transport: { from_pid: 10, from_comm: 'claude', to_pid: 20, to_comm: 'server' },
    type: 'request', id, method: 'tools/call', params: { name, arguments: args }, error: {}, raw: '', msg_id: `t:${id}`, session: 's1',
  };
}

export function toolResult(text: string, method = 'tools/call'): McpMessageEvent {
  const id = ++n;
  return {
    timestamp: '2025-02-11T09:00:00.000Z', transport_type: 'stdio',
    stdio_transport: { from_pid: 20, from_comm: 'server', to_pid: 10, to_comm: 'claude' },
    type: 'response', id, result: { content: [{ type: 'text', text }] }, error: {},
    request: { type: 'request', id, method, params: {}, error: {} }, raw: '', msg_id: `t:${id}`, session: 's1',
  };
}

export function listResponse(tools: unknown[], opts: { comm?: string; host?: string; session?: string; pid?: number } = {}): McpMessageEvent {
  const id = ++n;
  const base = {
    timestamp: '2025-02-11T09:00:00.000Z', type: 'response' as const, id, result: { tools }, error: {},
    request: { type: 'request' as const, id, method: 'tools/list', params: {}, error: {} as Record<string, never> }, raw: '', msg_id: `t:${id}`, session: opts.session,
  };
  if (opts.host) return { ...base, transport_type: 'http', http_transport: { pid: 10, comm: 'claude', host: opts.host, is_request: false } };
  return { ...base, transport_type: 'stdio', stdio_transport: { from_pid: opts.pid ?? 999_999, from_comm: opts.comm ?? 'server', to_pid: 10, to_comm: 'claude' } };
}

export function initializeResponse(name: string, opts: { comm?: string; session: string }): McpMessageEvent {
  const id = ++n;
  return {
    timestamp: '2025-02-11T09:00:00.000Z', transport_type: 'stdio',
    stdio_transport: { from_pid: 999_999, from_comm: opts.comm ?? 'server', to_pid: 10, to_comm: 'claude' },
    type: 'response', id, result: { protocolVersion: '2025-06-18', serverInfo: { name, version: '1' }, capabilities: {} }, error: {},
    request: { type: 'request', id, method: 'initialize', params: {}, error: {} }, raw: '', session: opts.session,
  };
}

/** A prompts/list or resources/list answer (tools/list has listResponse). */
export function listingResponse(method: 'prompts/list' | 'resources/list', items: unknown[], opts: { comm?: string; session?: string } = {}): McpMessageEvent {
  const id = ++n;
  const key = method === 'prompts/list' ? 'prompts' : 'resources';
  return {
    timestamp: '2025-02-11T09:00:00.000Z', transport_type: 'stdio',
    stdio_transport: { from_pid: 999_999, from_comm: opts.comm ?? 'server', to_pid: 10, to_comm: 'claude' },
    type: 'response', id, result: { [key]: items }, error: {},
    request: { type: 'request', id, method, params: {}, error: {} }, raw: '', msg_id: `t:${id}`, session: opts.session,
  };
}

/** One text of a tools/list answer (a tool's description by default) as the detectors read a definition. */
export function definitionInput(text: string, field = 'result.tools[0].description'): AnalysisInput {
  return { msg: null as never, method: 'tools/list', direction: 'response', texts: [{ field, text, context: 'definition', origin: 'plain' }] };
}

/** The context detector's tool-poisoning score for one definition text (0 when it finds none). */
export function definitionPoisoning(text: string, field?: string): number {
  return new ContextDetector().detect(definitionInput(text, field)).find((f) => f.category === 'tool_poisoning')?.score ?? 0;
}

/** One plain text as the detectors read it, at `field`, in `context`. */
export function textUnit(text: string, field: string, context: TextUnit['context']): TextUnit {
  return { text, field, context, origin: 'plain' };
}

/** The rules detector's strongest jailbreak score for one text (0 when it finds none); an argument is a request's. */
export function jailbreakScore(u: TextUnit): number {
  return new RulesDetector()
    .detect({ direction: u.context === 'argument' ? 'request' : 'response', method: 'x', texts: [u] } as never)
    .filter((f) => f.category === 'jailbreak')
    .reduce((m, f) => Math.max(m, f.score), 0);
}

/** The context detector's prompt-injection score and cues for one text (a tool result's by default). */
export function injectionCues(text: string, context: TextUnit['context'] = 'result', field = 'result.content[0].text'): { score: number; cues: string[] } {
  const f = new ContextDetector()
    .detect({ direction: 'response', method: 'tools/call', texts: [textUnit(text, field, context)] } as never)
    .find((x) => x.category === 'prompt_injection');
  return { score: f?.score ?? 0, cues: (f?.details?.context_cues as string[] | undefined) ?? [] };
}
