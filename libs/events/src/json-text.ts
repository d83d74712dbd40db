/**
 * The JSON text of an object of a message, worked out once per process.
 * Embedded, the stages hand each other the same objects: mcp-parser
 * stringifies a request's `params` for its Store entry and the sink
 * stringifies them again for the JSONL line. `jsonTextOf` remembers the text
 * on the object under a symbol, non-enumerable (JSON.stringify, for-in,
 * Object.keys, spreads and structured clones do not see it), so the second
 * stage reuses the first one's text.
 *
 * The contract that makes this safe: an object of a message is not changed
 * once it is built (no stage mutates `params`, `result`, `request`,
 * `stdio_transport`, ...). Over NATS every stage gets fresh objects and the
 * cache simply misses.
 */
const JSON_TEXT = Symbol('mcpspy.jsonText');

type Holder = { [JSON_TEXT]?: string };

/** JSON.stringify(v), byte for byte; for an object, remembered on it for the next caller. */
export function jsonTextOf(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const held = (v as Holder)[JSON_TEXT];
  if (held !== undefined) return held;
  const text = JSON.stringify(v);
  if (text !== undefined && Object.isExtensible(v)) Object.defineProperty(v, JSON_TEXT, { value: text });
  return text;
}

/** The text an earlier stage remembered on `v` (undefined when none did): a lookup that stores nothing. */
export function heldJsonText(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as Holder)[JSON_TEXT] : undefined;
}

/**
 * Records that `text` is JSON.stringify(v), for a `v` just made by
 * JSON.parse(text) where `text` came from JSON.stringify (a round trip gives
 * back the same text). Callers must only pass such pairs.
 */
export function holdJsonText(v: unknown, text: string): void {
  if (v !== null && typeof v === 'object' && Object.isExtensible(v) && (v as Holder)[JSON_TEXT] === undefined) {
    Object.defineProperty(v, JSON_TEXT, { value: text });
  }
}
