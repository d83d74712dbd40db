/**
 * The JSONL line of a message received over NATS, without stringifying it
 * again. The bus keeps each batched event's own line (`holdJsonText`, libs/
 * runtime nats.bus.ts): mcp-parser's NATS publisher wrote it with
 * JSON.stringify, and mcp-parser builds its events in MCPSpy's field order
 * (`error` always present), so when the parsed message's keys are the fixed
 * fields in that order followed only by extra ones, `messageToJsonl` would
 * write exactly that text: it is written as it came (through the same
 * `safeLine`). Anything else — another order, a missing or null `error`, an
 * array-index or prototype key, a message no bus line is held for (embedded
 * mode, a held line evicted from the ring) — takes messageToJsonl.
 *
 * The bytes equal messageToJsonl's for every line a JSON.stringify wrote
 * (received-line.spec.ts checks the fixtures). A publisher on NATS that
 * writes non-canonical JSON (spaces, `\u0041`, duplicate keys) has its valid,
 * parsed and validated line written as it sent it.
 */
import { heldJsonText, type McpMessageEvent } from '@mcpspy/events';
import { INDEX_KEY, MESSAGE_ORDER, safeLine } from './jsonl-format';

const ORDER_INDEX: ReadonlyMap<string, number> = new Map(MESSAGE_ORDER.map((k, i) => [k, i]));

/** The message's line as received, when it is byte for byte messageToJsonl's; otherwise undefined. */
export function receivedJsonl(m: McpMessageEvent): string | undefined {
  const text = heldJsonText(m);
  if (text === undefined) return undefined;
  const src = m as unknown as Record<string, unknown>;
  // messageToJsonl writes `"error":{}` where there is none.
  if (src.error === undefined || src.error === null) return undefined;
  let next = 0;
  let extra = false;
  for (const k in src) {
    const i = ORDER_INDEX.get(k);
    if (i === undefined) {
      if (!Object.prototype.hasOwnProperty.call(src, k) || INDEX_KEY.test(k) || k in Object.prototype) return undefined;
      extra = true;
      continue;
    }
    // A fixed field after an extra one, or out of order.
    if (extra || i < next) return undefined;
    next = i + 1;
  }
  return safeLine(text);
}
