/** Named errors of the runtime. Messages read `failed to <verb> <object>: <detail>`. */
import { McpspyError } from '@mcpspy/events/errors';

/** NATS could not be reached or lost. */
export class BusConnectError extends McpspyError {
  constructor(url: string, options?: { cause?: unknown }) {
    const detail = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`failed to connect to NATS at ${url}: ${detail}`, options);
  }
}

/** Redis could not be reached or lost. */
export class StoreConnectError extends McpspyError {
  constructor(url: string, options?: { cause?: unknown }) {
    const detail = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`failed to connect to Redis at ${url}: ${detail}`, options);
  }
}

/** Bad configuration (flags or MCPSPY_* variables). Exit code 2 at the CLI. */
export class ConfigError extends McpspyError {}

/** Several failures while closing resources, reported together. */
export class CloseError extends McpspyError {
  constructor(
    what: string,
    readonly failures: unknown[],
  ) {
    super(`failed to close ${what}: ${failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ')}`, {
      cause: failures[0],
    });
  }
}
