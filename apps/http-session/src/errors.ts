/** Named errors of http-session. Messages read `failed to <verb> <object>: <detail>`. */
import { McpspyError } from '@mcpspy/events';
// Extends McpspyError: the command prints our named errors as their one line, without a stack.
export class HttpSessionError extends McpspyError {}

/**
 * A byte stream that does not follow HTTP/1.x framing. The framer turns it
 * into a counter and a resync; it never escapes the engine.
 */
export class HttpFramingError extends HttpSessionError {
  constructor(
    readonly counter: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`failed to parse HTTP message: ${detail}`, options);
  }
}

/** A body whose Content-Encoding could not be undone. */
export class BodyDecodeError extends HttpSessionError {
  constructor(encoding: string, options?: { cause?: unknown }) {
    const detail = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`failed to decode ${encoding} body: ${detail}`, options);
  }
}
