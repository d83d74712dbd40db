/**
 * The methods of the MCP specification (2025-06-18, plus the 2025-11-25
 * additions: tasks and URL elicitation) with a short human description for
 * the console and the TUI. A method outside this table is "unknown": it is
 * only reported on streams that already carried MCP traffic, so other
 * JSON-RPC protocols sharing a pipe do not flood the output.
 */
const METHODS: Readonly<Record<string, string>> = {
  initialize: 'Initialize the session',
  ping: 'Check the peer is alive',
  'notifications/initialized': 'Client finished initialization',
  'notifications/cancelled': 'Cancel a request in progress',
  'notifications/progress': 'Progress of a long-running request',
  'notifications/message': 'Log message',
  'tools/list': 'List available tools',
  'tools/call': 'Execute a tool',
  'notifications/tools/list_changed': 'Tool list changed',
  'resources/list': 'List available resources',
  'resources/templates/list': 'List resource templates',
  'resources/read': 'Read a resource',
  'resources/subscribe': 'Subscribe to resource updates',
  'resources/unsubscribe': 'Unsubscribe from resource updates',
  'notifications/resources/updated': 'Resource updated',
  'notifications/resources/list_changed': 'Resource list changed',
  'prompts/list': 'List available prompts',
  'prompts/get': 'Get a prompt',
  'notifications/prompts/list_changed': 'Prompt list changed',
  'completion/complete': 'Complete an argument',
  'logging/setLevel': 'Set the logging level',
  'sampling/createMessage': 'Ask the client to sample an LLM',
  'elicitation/create': 'Ask the user for input',
  'notifications/elicitation/complete': 'Out-of-band elicitation finished',
  'roots/list': 'List client roots',
  'notifications/roots/list_changed': 'Root list changed',
  'tasks/get': 'Get the state of a task',
  'tasks/result': 'Get the result of a task',
  'tasks/list': 'List tasks',
  'tasks/cancel': 'Cancel a task',
  'notifications/tasks/status': 'Task status changed',
};

/** Short description of an MCP method, or undefined when the method is not in the spec. */
export function describeMethod(method: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method] : undefined;
}

export function isKnownMethod(method: string): boolean {
  return Object.prototype.hasOwnProperty.call(METHODS, method);
}

/** Every known method, for documentation and tests. */
export const KNOWN_METHODS: readonly string[] = Object.keys(METHODS);
