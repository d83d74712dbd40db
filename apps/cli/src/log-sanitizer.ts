/**
 * Log lines can carry text from traffic (a method, a process name, an error
 * a peer provoked). On a terminal pino-pretty prints those strings as they
 * are, and a JSON log file is read with `less` or `tail`: every string that
 * reaches a log line goes through `visibleText` first (issue #17), so no
 * control, bidi or zero-width character from a peer reaches a person.
 */
import { hasInvisible, visibleText } from '@mcpspy/events';
import type { LoggerOptions } from 'pino';

const MAX_DEPTH = 6;

function clean(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return hasInvisible(v) ? visibleText(v) : v;
  if (v === null || typeof v !== 'object' || depth >= MAX_DEPTH) return v;
  if (v instanceof Error) {
    // pino's error serializer reads these fields; a copy keeps the thrower's object untouched.
    const e = v as Error & Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(e)) copy[k] = clean(e[k], depth + 1);
    copy.type = e.name;
    copy.message = clean(e.message, depth + 1);
    if (e.stack) copy.stack = clean(e.stack, depth + 1);
    if (e.cause !== undefined) copy.cause = clean(e.cause, depth + 1);
    return copy;
  }
  if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
  if (Buffer.isBuffer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[visibleText(k)] = clean(x, depth + 1);
  return out;
}

/** pino options that escape every string of a log line: the message, its arguments and the merged object. */
export function safeLogOptions(): Pick<LoggerOptions, 'hooks' | 'formatters'> {
  return {
    hooks: {
      logMethod(args, method) {
        return method.apply(this, args.map((a) => clean(a, 0)) as Parameters<typeof method>);
      },
    },
    formatters: {
      log: (obj) => clean(obj, 0) as Record<string, unknown>,
    },
  };
}
