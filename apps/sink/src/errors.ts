/** Named errors of the sink. Messages read `failed to <verb> <object>: <detail>`. */
import { McpspyError } from '@mcpspy/events';
// Extends McpspyError: the command prints our named errors as their one line, without a stack.
export class SinkError extends McpspyError {}

function detailOf(cause: unknown): string {
  // An UnsafeFileError already names the path: keep only its reason.
  const reason = (cause as { reason?: unknown } | undefined)?.reason;
  if (typeof reason === 'string') return reason;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The JSONL file could not be opened (bad path, permissions). */
export class OutputOpenError extends SinkError {
  constructor(readonly path: string, cause: unknown) {
    super(`failed to open output ${path}: ${detailOf(cause)}`, { cause });
  }
}

/** A write, rotation or fsync of the JSONL file failed. */
export class OutputWriteError extends SinkError {
  constructor(readonly path: string, what: string, cause: unknown) {
    super(`failed to ${what} output ${path}: ${detailOf(cause)}`, { cause });
  }
}

/** The TUI could not be started (ink failed to load, no terminal). */
export class TuiStartError extends SinkError {
  constructor(cause: unknown) {
    super(`failed to start TUI: ${detailOf(cause)}`, { cause });
  }
}

/** Several failures while closing the sink, reported together. */
export class SinkCloseError extends SinkError {
  constructor(readonly failures: unknown[]) {
    super(`failed to close sink: ${failures.map(detailOf).join('; ')}`, { cause: failures[0] });
  }
}

/** An OpenTelemetry setting that cannot work (`--otlp`, `OTEL_EXPORTER_OTLP_*`). */
export class OtlpConfigError extends SinkError {
  constructor(readonly setting: string, detail: string) {
    super(`failed to configure OpenTelemetry export: ${setting}: ${detail}`);
  }
}
