/** Named errors of libs/events. Messages read `failed to <verb> <object>: <detail>`. */
export class McpspyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A raw batch or record that is truncated or corrupt. */
export class RawCodecError extends McpspyError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`failed to decode raw batch: ${detail}`, options);
  }
}

/** A payload that failed its DTO validation at a service boundary. */
export class ValidationFailedError extends McpspyError {
  constructor(
    readonly schema: string,
    readonly reasons: string[],
  ) {
    super(`failed to validate ${schema}: ${reasons.join('; ')}`);
  }
}

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
