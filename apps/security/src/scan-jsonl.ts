/**
 * `mcpspy scan`: the same analysis over a JSONL capture (our output format).
 * Message lines are analysed in order; alert lines already in the file and
 * blank lines are skipped; lines that are not JSON objects are counted as
 * invalid. Each alert is written as one JSON line to `out` (through
 * `safeJsonText`: U+2028/U+2029 and bidi controls as `\uXXXX`), or as the
 * caller's `format` gives it (the CLI's human alert blocks on a terminal).
 */
import { createInterface } from 'node:readline';
import { safeJsonText, type McpMessageEvent, type SecurityAlertEvent } from '@mcpspy/events';
import type { SecurityEngine } from './engine';
import { ScanInputError } from './errors';

export async function scanJsonl(
  input: NodeJS.ReadableStream,
  engine: SecurityEngine,
  out: NodeJS.WritableStream,
  format: (alert: SecurityAlertEvent) => string = (a) => safeJsonText(JSON.stringify(a)),
): Promise<{ messages: number; alerts: number; invalid: number }> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let messages = 0;
  let alerts = 0;
  let invalid = 0;
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    const trimmed = line.trim();
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
  return { messages, alerts, invalid };
}
