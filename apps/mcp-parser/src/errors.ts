/** Named errors of mcp-parser. Messages read `failed to <verb> <object>: <detail>`. */
import { McpspyError } from '@mcpspy/events';
// Extends McpspyError: the command prints our named errors as their one line, without a stack.
export class McpParserError extends McpspyError {}

/** The Store refused or lost a read/write of parser state (pending requests, pipe endpoints). */
export class ParserStoreError extends McpParserError {
  constructor(op: string, key: string, options?: { cause?: unknown }) {
    const detail = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`failed to ${op} parser state ${key}: ${detail}`, options);
  }
}

/** The emit callback threw while being handed a message. */
export class EmitError extends McpParserError {
  constructor(msgId: string, options?: { cause?: unknown }) {
    const detail = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`failed to emit MCP message ${msgId}: ${detail}`, options);
  }
}
