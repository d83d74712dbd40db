/** Named errors of the contracts (every mcpspy error extends McpspyError). Messages read `failed to <verb> <object>: <detail>`. */
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
