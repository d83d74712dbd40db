/** Named errors of the security stage. Messages read `failed to <verb> <object>: <detail>`. */
import { McpspyError } from '@mcpspy/events';
// Extends McpspyError: the command prints our named errors as their one line, without a stack.
export class SecurityError extends McpspyError {}

/** A model directory that is missing, incomplete, or whose runtime is not installed. */
export class ModelLoadError extends SecurityError {
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(`failed to load security model from ${path}: ${detail}`, options);
  }
}

/** A tokenizer.json this stage cannot read, or one that uses parts it does not implement. */
export class TokenizerLoadError extends SecurityError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`failed to load tokenizer: ${detail}`, options);
  }
}

/** The HuggingFace Inference API answered with an error, bad JSON, or not in time. */
export class HfApiError extends SecurityError {
  constructor(
    detail: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`failed to classify text with the HuggingFace API: ${detail}`, options);
  }
}

/** A JSONL line that is not an MCP message. */
export class ScanInputError extends SecurityError {
  constructor(line: number, detail: string, options?: { cause?: unknown }) {
    super(`failed to parse JSONL line ${line}: ${detail}`, options);
  }
}
