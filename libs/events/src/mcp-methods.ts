/**
 * The one table of MCP methods: every method and notification of the protocol
 * revisions mcpspy speaks, with what each stage needs to know about it. The
 * parser names and describes messages from it, the security stage decides
 * what it judges from it, and the sink's synchronous mode holds exactly the
 * messages the security stage judges (both call `judgedMethod`).
 *
 * Add a method here and nowhere else.
 */
import type { McpMessageEvent } from './mcp.events';

/** Protocol revisions, oldest first. */
export const MCP_REVISIONS = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'] as const;
export type McpRevision = (typeof MCP_REVISIONS)[number];

export type McpMethodFamily =
  | 'lifecycle'
  | 'utility'
  | 'tools'
  | 'resources'
  | 'prompts'
  | 'completion'
  | 'logging'
  | 'sampling'
  | 'elicitation'
  | 'roots'
  | 'tasks'
  | 'discovery'
  | 'subscriptions';

/** Extensions that define methods of their own (2026-07-28 and later). */
export const MCP_TASKS_EXTENSION = 'io.modelcontextprotocol/tasks' as const;

export type McpDirection = 'client_to_server' | 'server_to_client' | 'both';

/**
 * What the security stage reads in a method's messages: `content` — texts a
 * model reads in the request and the response (arguments, results); `listing` —
 * definitions in the response (tool poisoning, rug pulls); `instructions` — a
 * response the model takes as standing instructions (`initialize`'s
 * `instructions` and `serverInfo`), judged like definitions; `notification` —
 * a notification whose text reaches the model or the user (log and progress
 * messages); `none`.
 */
export type McpSecurityScope = 'content' | 'listing' | 'instructions' | 'notification' | 'none';

export interface McpMethodInfo {
  readonly method: string;
  /** Short human description for the console, the TUI and the JSONL `description`. */
  readonly description: string;
  readonly kind: 'request' | 'notification';
  readonly family: McpMethodFamily;
  /** Who sends it. */
  readonly direction: McpDirection;
  /** First revision that defines it, and the last one (undefined: still defined). */
  readonly since: McpRevision;
  readonly until?: McpRevision;
  readonly security: McpSecurityScope;
  /**
   * The extension that defines it from 2026-07-28 on, when it is not core
   * (the Tasks extension `io.modelcontextprotocol/tasks`).
   */
  readonly extension?: string;
}

type Row = [
  method: string,
  description: string,
  family: McpMethodFamily,
  direction: McpDirection,
  since: McpRevision,
  security?: McpSecurityScope,
  until?: McpRevision,
  extension?: string,
];

const C2S: McpDirection = 'client_to_server';
const S2C: McpDirection = 'server_to_client';
const BOTH: McpDirection = 'both';

const LAST_STATEFUL: McpRevision = '2025-11-25';
const TASKS = MCP_TASKS_EXTENSION;

// Requests and notifications are told apart by the `notifications/` prefix, as the specification names them.
// Checked against schema/2025-11-25/schema.ts and schema/2026-07-28/schema.ts of
// modelcontextprotocol/modelcontextprotocol, the Tasks extension (SEP-2663) and
// the method literals of @modelcontextprotocol/core 2.4.0.
// 2026-07-28 is stateless: no initialize handshake, ping, logging/setLevel,
// resources/(un)subscribe or roots/list_changed; server-to-client requests
// (sampling, elicitation, roots) travel inside an input_required result
// (Multi Round-Trip Requests) instead of as JSON-RPC requests, but their
// method names stay defined (`inputRequests` values carry them).
const ROWS: readonly Row[] = [
  // lifecycle (2025-11-25 and earlier: one initialize per session)
  ['initialize', 'Initialize the session', 'lifecycle', C2S, '2024-11-05', 'instructions', LAST_STATEFUL],
  ['notifications/initialized', 'Client finished initialization', 'lifecycle', C2S, '2024-11-05', 'none', LAST_STATEFUL],
  // discovery and subscriptions (2026-07-28: stateless)
  ['server/discover', 'Discover server versions and capabilities', 'discovery', C2S, '2026-07-28'],
  ['subscriptions/listen', 'Open a notification subscription', 'subscriptions', C2S, '2026-07-28'],
  ['notifications/subscriptions/acknowledged', 'Subscription acknowledged', 'subscriptions', S2C, '2026-07-28'],
  ['ping', 'Check the peer is alive', 'utility', BOTH, '2024-11-05', 'none', LAST_STATEFUL],
  ['notifications/cancelled', 'Cancel a request in progress', 'utility', BOTH, '2024-11-05'],
  ['notifications/progress', 'Progress of a long-running request', 'utility', BOTH, '2024-11-05', 'notification'],
  ['notifications/message', 'Log message', 'logging', S2C, '2024-11-05', 'notification'],
  ['logging/setLevel', 'Set the logging level', 'logging', C2S, '2024-11-05', 'none', LAST_STATEFUL],
  ['tools/list', 'List available tools', 'tools', C2S, '2024-11-05', 'listing'],
  ['tools/call', 'Execute a tool', 'tools', C2S, '2024-11-05', 'content'],
  ['notifications/tools/list_changed', 'Tool list changed', 'tools', S2C, '2024-11-05'],
  ['resources/list', 'List available resources', 'resources', C2S, '2024-11-05', 'listing'],
  ['resources/templates/list', 'List resource templates', 'resources', C2S, '2024-11-05', 'listing'],
  ['resources/read', 'Read a resource', 'resources', C2S, '2024-11-05', 'content'],
  ['resources/subscribe', 'Subscribe to resource updates', 'resources', C2S, '2024-11-05', 'none', LAST_STATEFUL],
  ['resources/unsubscribe', 'Unsubscribe from resource updates', 'resources', C2S, '2024-11-05', 'none', LAST_STATEFUL],
  ['notifications/resources/updated', 'Resource updated', 'resources', S2C, '2024-11-05'],
  ['notifications/resources/list_changed', 'Resource list changed', 'resources', S2C, '2024-11-05'],
  ['prompts/list', 'List available prompts', 'prompts', C2S, '2024-11-05', 'listing'],
  ['prompts/get', 'Get a prompt', 'prompts', C2S, '2024-11-05', 'content'],
  ['notifications/prompts/list_changed', 'Prompt list changed', 'prompts', S2C, '2024-11-05'],
  ['completion/complete', 'Complete an argument', 'completion', C2S, '2024-11-05', 'content'],
  ['sampling/createMessage', 'Ask the client to sample an LLM', 'sampling', S2C, '2024-11-05', 'content'],
  ['roots/list', 'List client roots', 'roots', S2C, '2024-11-05'],
  ['notifications/roots/list_changed', 'Root list changed', 'roots', C2S, '2024-11-05', 'none', LAST_STATEFUL],
  ['elicitation/create', 'Ask the user for input', 'elicitation', S2C, '2025-06-18', 'content'],
  ['notifications/elicitation/complete', 'Out-of-band elicitation finished', 'elicitation', S2C, '2025-11-25', 'none', LAST_STATEFUL],
  // tasks: core and experimental in 2025-11-25 (both directions); from 2026-07-28 the Tasks extension (client polls)
  ['tasks/get', 'Get the state of a task', 'tasks', BOTH, '2025-11-25', 'none', undefined, TASKS],
  ['tasks/update', 'Give a task the input it asked for', 'tasks', C2S, '2026-07-28', 'none', undefined, TASKS],
  ['tasks/cancel', 'Cancel a task', 'tasks', BOTH, '2025-11-25', 'none', undefined, TASKS],
  ['notifications/tasks', 'Task state changed', 'tasks', S2C, '2026-07-28', 'none', undefined, TASKS],
  ['tasks/result', 'Get the result of a task', 'tasks', BOTH, '2025-11-25', 'none', LAST_STATEFUL],
  ['tasks/list', 'List tasks', 'tasks', BOTH, '2025-11-25', 'none', LAST_STATEFUL],
  ['notifications/tasks/status', 'Task status changed', 'tasks', BOTH, '2025-11-25', 'none', LAST_STATEFUL],
];

const TABLE: ReadonlyMap<string, McpMethodInfo> = new Map(
  ROWS.map(([method, description, family, direction, since, security = 'none', until, extension]) => [
    method,
    Object.freeze({
      method,
      description,
      kind: method.startsWith('notifications/') ? 'notification' : 'request',
      family,
      direction,
      since,
      until,
      security,
      ...(extension ? { extension } : {}),
    }),
  ]),
);

/** Every method of the table, in table order. */
export const MCP_METHODS: readonly McpMethodInfo[] = [...TABLE.values()];
export const KNOWN_METHODS: readonly string[] = [...TABLE.keys()];

export function methodInfo(method: string | undefined): McpMethodInfo | undefined {
  return method === undefined ? undefined : TABLE.get(method);
}

export function isKnownMethod(method: string): boolean {
  return TABLE.has(method);
}

/** Short description of a method, or undefined when no revision defines it. */
export function describeMethod(method: string | undefined): string | undefined {
  return methodInfo(method)?.description;
}

/** A response's method when its request was not seen, from the shape of its result (a hint, never a certainty). */
export function inferResultMethod(result: unknown): string | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  if (Array.isArray(r.tools)) return 'tools/list';
  if (Array.isArray(r.prompts)) return 'prompts/list';
  if (Array.isArray(r.resources)) return 'resources/list';
  if (Array.isArray(r.resourceTemplates)) return 'resources/templates/list';
  if (r.serverInfo && typeof r.serverInfo === 'object' && typeof r.protocolVersion === 'string') return 'initialize';
  if (Array.isArray(r.contents)) return 'resources/read';
  if (Array.isArray(r.messages)) return 'prompts/get';
  if (Array.isArray(r.content)) return 'tools/call';
  if (Array.isArray(r.supportedVersions)) return 'server/discover';
  return undefined;
}

/** Whether a revision defines the method (core or through its extension). */
export function methodInRevision(method: string, revision: McpRevision): boolean {
  const info = TABLE.get(method);
  if (!info) return false;
  const at = MCP_REVISIONS.indexOf(revision);
  return MCP_REVISIONS.indexOf(info.since) <= at && (info.until === undefined || at <= MCP_REVISIONS.indexOf(info.until));
}

/**
 * Result kinds (`result.resultType`, 2026-07-28): `complete` is an ordinary
 * result (also what a result without the field means); `input_required` is a
 * Multi Round-Trip Requests interim result whose `inputRequests` the client
 * answers by re-issuing the call with `inputResponses` (and the server's
 * opaque `requestState`); `task` is the Tasks extension's CreateTaskResult.
 */
export const MCP_RESULT_TYPES = {
  complete: 'Completed',
  input_required: 'Input required: the client must answer and retry',
  task: 'Running as a task',
} as const;
export type McpResultType = keyof typeof MCP_RESULT_TYPES;

/** `result.resultType` when the result names one (any string: newer kinds pass through), else undefined. */
export function resultTypeOf(result: unknown): string | undefined {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const t = (result as Record<string, unknown>).resultType;
  return typeof t === 'string' ? t : undefined;
}

/** Short description of a result kind; undefined for an ordinary (complete or untagged) result. */
export function describeResultType(resultType: string | undefined): string | undefined {
  if (resultType === undefined || resultType === 'complete') return undefined;
  return (MCP_RESULT_TYPES as Record<string, string>)[resultType] ?? `Result type ${resultType}`;
}

export interface JudgedAs {
  method: string;
  direction: 'request' | 'response' | 'notification';
  scope: Exclude<McpSecurityScope, 'none'>;
}

/**
 * The method under which the security stage judges a message, or undefined
 * when it does not judge it. A request is judged when its method's texts are
 * content, a notification when its text reaches the model or the user; a
 * response (or error) with its request's method, or, when the request was not
 * seen, the method its result's shape suggests. The sink's
 * synchronous mode holds exactly these messages.
 */
export function judgedMethod(msg: Pick<McpMessageEvent, 'type' | 'method' | 'request' | 'result' | 'request_method'>): JudgedAs | undefined {
  if (msg.type === 'request') {
    const info = methodInfo(msg.method);
    return info && info.security === 'content' ? { method: info.method, direction: 'request', scope: 'content' } : undefined;
  }
  if (msg.type === 'notification') {
    const info = methodInfo(msg.method);
    return info && info.security === 'notification' ? { method: info.method, direction: 'notification', scope: 'notification' } : undefined;
  }
  if (msg.type !== 'response' && msg.type !== 'error') return undefined;
  const info = methodInfo(msg.request?.method ?? msg.method ?? msg.request_method ?? inferResultMethod(msg.result));
  if (!info || info.security === 'none' || info.security === 'notification') return undefined;
  return { method: info.method, direction: 'response', scope: info.security };
}

/** Methods whose messages the security stage reads, by scope (documentation and tests). */
export function methodsJudged(scope?: Exclude<McpSecurityScope, 'none'>): string[] {
  return MCP_METHODS.filter((m) => (scope ? m.security === scope : m.security !== 'none')).map((m) => m.method);
}
