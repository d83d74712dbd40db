/**
 * `mcpspy scan`: the same analysis over a JSONL capture (our output format).
 * Message lines are analysed in order; alert lines already in the file and
 * blank lines are skipped; lines that are not JSON objects are counted as
 * invalid. Each alert is written as one JSON line to `out` (through
 * `safeJsonText`: U+2028/U+2029 and bidi controls as `\uXXXX`), or as the
 * caller's `format` gives it (the CLI's human alert blocks on a terminal).
 *
 * Lines are split here rather than by readline, so a line is held only up to
 * `maxLineBytes`: a longer one (a 512 MB line would not even fit in a
 * string) is skipped to its end without being kept, counted in `skipped`,
 * and the scan goes on with the next line.
 */
import { safeJsonText, type McpMessageEvent, type SecurityAlertEvent } from '@mcpspy/events';
import type { SecurityEngine } from './engine';
import { ScanInputError } from './errors';

/** Default bound of one line: far above any real MCP message, far below what a string can hold. */
export const SCAN_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface ScanOptions {
  /** Longest line analysed, in bytes (default SCAN_MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** How one alert is written (default: one JSON line through safeJsonText). */
  format?: (alert: SecurityAlertEvent) => string;
}

export interface ScanSummary {
  messages: number;
  alerts: number;
  /** Lines that are not JSON objects or not MCP messages. */
  invalid: number;
  /** Lines longer than maxLineBytes, skipped unread. */
  skipped: number;
}

/** Lines of a byte stream (without their `\n`), each at most `max` bytes; longer ones are reported to onSkip and dropped as they stream past. */
async function* boundedLines(input: NodeJS.ReadableStream, max: number, onSkip: (lineNo: number) => void): AsyncGenerator<{ lineNo: number; bytes: Buffer }> {
  let parts: Buffer[] = [];
  let len = 0;
  let skipping = false;
  let lineNo = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start <= buf.length) {
      const nl = buf.indexOf(10, start);
      const end = nl < 0 ? buf.length : nl;
      if (!skipping && end > start) {
        if (len + (end - start) > max) {
          skipping = true;
          parts = [];
          len = 0;
        } else {
          parts.push(buf.subarray(start, end));
          len += end - start;
        }
      }
      if (nl < 0) break;
      lineNo++;
      if (skipping) onSkip(lineNo);
      else yield { lineNo, bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts, len) };
      skipping = false;
      parts = [];
      len = 0;
      start = nl + 1;
    }
  }
  if (skipping) onSkip(lineNo + 1);
  else if (len > 0) yield { lineNo: lineNo + 1, bytes: Buffer.concat(parts, len) };
}

export async function scanJsonl(input: NodeJS.ReadableStream, engine: SecurityEngine, out: NodeJS.WritableStream, opts: ScanOptions = {}): Promise<ScanSummary> {
  const max = opts.maxLineBytes ?? SCAN_MAX_LINE_BYTES;
  const format = opts.format ?? ((a: SecurityAlertEvent) => safeJsonText(JSON.stringify(a)));
  let messages = 0;
  let alerts = 0;
  let invalid = 0;
  let skipped = 0;
  const onSkip = (lineNo: number) => {
    skipped++;
    engine.counters.reject(undefined, 'scan_skipped_lines', new ScanInputError(lineNo, `longer than ${max} bytes, skipped`).message);
  };
  for await (const { lineNo, bytes } of boundedLines(input, max, onSkip)) {
    const trimmed = bytes.toString('utf8').trim();
    if (!trimmed) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (err) {
      invalid++;
      engine.counters.reject(undefined, 'scan_invalid_lines', new ScanInputError(lineNo, 'not JSON', { cause: err }).message);
      continue;
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      invalid++;
      continue;
    }
    const rec = obj as Record<string, unknown>;
    if (rec.type === 'security_alert') continue;
    if (typeof rec.type !== 'string' || !['request', 'response', 'notification', 'error'].includes(rec.type)) {
      invalid++;
      continue;
    }
    messages++;
    for (const alert of await engine.analyze(rec as unknown as McpMessageEvent)) {
      alerts++;
      if (!out.write(format(alert) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  return { messages, alerts, invalid, skipped };
}
