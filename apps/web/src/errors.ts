/** Named errors of the web stage. Messages read `failed to <verb> <object>: <detail>`. */
import { McpspyError } from '@mcpspy/events';

export class WebError extends McpspyError {}

/** The web view could not listen (address in use, not allowed) or its page is not built. */
export class WebListenError extends WebError {
  constructor(readonly address: string, detail: string, cause?: unknown) {
    super(`failed to start the web view on ${address}: ${detail}`, { cause });
  }
}
