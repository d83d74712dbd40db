/**
 * The JSON text of an object of a message, worked out once per process.
 * Embedded, the stages hand each other the same objects, depth first: the
 * parser stringifies a request's `params` for its Store entry and, a moment
 * later, the sink would stringify them again for the JSONL line.
 * `jsonTextOf` keeps the last few (object, text) pairs by identity and
 * `heldJsonText` finds them; nothing is written on the objects (a symbol
 * property or a WeakMap cost as much as the stringify saved, measured).
 *
 * The contract that makes this safe: an object of a message is not changed
 * once it is built (no stage mutates `params`, `result`, `request`,
 * `stdio_transport`, ...). Over NATS every stage gets fresh objects and the
 * lookup simply misses. The ring keeps its last few objects alive, no more.
 */
const SIZE = 16; // a power of two
const objects: (object | undefined)[] = new Array(SIZE).fill(undefined);
const texts: string[] = new Array(SIZE).fill('');
let next = 0;

function keep(v: object, text: string): void {
  objects[next] = v;
  texts[next] = text;
  next = (next + 1) & (SIZE - 1);
}

/** JSON.stringify(v), byte for byte; for an object, kept for a later heldJsonText(v). */
export function jsonTextOf(v: unknown): string | undefined {
  const text = JSON.stringify(v);
  if (text !== undefined && v !== null && typeof v === 'object') keep(v, text);
  return text;
}

/** The text kept for this very object by a recent jsonTextOf/holdJsonText, or undefined: a lookup only. */
export function heldJsonText(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  for (let i = 0; i < SIZE; i++) if (objects[i] === v) return texts[i];
  return undefined;
}

/**
 * Records that `text` is JSON.stringify(v), for a `v` just made by
 * JSON.parse(text) where `text` came from JSON.stringify (a round trip gives
 * back the same text). Callers must only pass such pairs.
 */
export function holdJsonText(v: unknown, text: string): void {
  if (v !== null && typeof v === 'object') keep(v, text);
}
