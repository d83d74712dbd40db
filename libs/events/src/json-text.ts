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

const hasOwn = Object.prototype.hasOwnProperty;

/** Per key seen: `"key":` built once, and the last short string under that key with its text (events repeat both). */
interface KeySlot {
  key: string;
  lastString: string | undefined;
  lastText: string;
  /** The last frozen object under that key (a channel's shared `stdio_transport`) and its text. */
  lastFrozen: object | undefined;
  lastFrozenText: string;
}
const slots = new Map<string, KeySlot>();
const MAX_SLOTS = 256;
/** Strings shorter than this are compared with the slot's last one (`===` compares at most this many units). */
const SHORT = 64;

function slotOf(k: string): KeySlot {
  let slot = slots.get(k);
  if (slot === undefined) {
    slot = { key: `${JSON.stringify(k)}:`, lastString: undefined, lastText: '', lastFrozen: undefined, lastFrozenText: '' };
    if (slots.size < MAX_SLOTS) slots.set(k, slot);
  }
  return slot;
}

/**
 * JSON.stringify(v), byte for byte, where `v` is a plain data object whose
 * members may be objects with a held text (holdJsonText/jsonTextOf): those
 * members are taken from their text instead of being stringified again. Over
 * NATS this is mcp-parser's event text: a request's `params`, a response's
 * `result` (the captured text, proven JSON.stringify's by the parser) and a
 * paired response's `request` (the Store's text) are not written twice.
 * Without a held member, or for what is not a plain data object (an array,
 * another prototype, a `toJSON` on the object or on a member), it is
 * JSON.stringify's one pass. Members are read twice (a getter runs twice).
 */
export function eventJsonText(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype || typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(v);
  const o = v as Record<string, unknown>;
  // Member by member only when a member's text is held: otherwise JSON.stringify's one native pass is cheaper.
  let held = false;
  for (const k in o) {
    const m = o[k];
    if (m !== null && typeof m === 'object' && heldJsonText(m) !== undefined) {
      held = true;
      break;
    }
  }
  if (!held) return JSON.stringify(v);
  let out = '';
  // for-in lists own keys in JSON.stringify's order (array-index keys first, then insertion order);
  // an enumerable key added to Object.prototype is listed after them and skipped here.
  for (const k in o) {
    if (!hasOwn.call(o, k)) continue;
    const m = o[k];
    const slot = slotOf(k);
    let text: string | undefined;
    if (typeof m === 'string') {
      if (m === slot.lastString) text = slot.lastText;
      else {
        text = JSON.stringify(m);
        if (m.length < SHORT) {
          slot.lastString = m;
          slot.lastText = text;
        }
      }
    } else if (m !== null && typeof m === 'object') {
      if (m === slot.lastFrozen) text = slot.lastFrozenText;
      else {
        if (typeof (m as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(v);
        text = heldJsonText(m) ?? JSON.stringify(m);
        // A frozen member is the same text while it lives (messages' objects are never changed once built, and
        // mcp-parser freezes a channel's stdio_transport, shared by its messages).
        if (Object.isFrozen(m)) {
          slot.lastFrozen = m;
          slot.lastFrozenText = text;
        }
      }
    } else {
      // undefined, functions and symbols: no member (JSON.stringify leaves them out); a BigInt throws as it would.
      text = JSON.stringify(m);
      if (text === undefined) continue;
    }
    out += out.length === 0 ? `{${slot.key}${text}` : `,${slot.key}${text}`;
  }
  return out.length === 0 ? '{}' : `${out}}`;
}

/**
 * The bytes a message's `raw` text was decoded from, while the parser hands
 * that message on in the same call (embedded: the sink writes the line
 * inside it). The sink escapes `raw` for its line from these bytes instead of
 * running JSON.stringify on the text and encoding the result again
 * (JsonlWriter.writeJsonWithRaw); a byte outside printable ASCII sends it
 * back to the text. One pair at a time, dropped by the parser when its call
 * ends, so no later message can meet bytes that were reused.
 *
 * The contract: `text` is `bytes` decoded as UTF-8 (for printable ASCII the
 * two are the same units), and `bytes` is not changed while held. A lookup
 * compares the text by value, so an equal text stands for the same bytes.
 */
let capturedText: string | undefined;
let capturedBytes: Uint8Array | undefined;

export function holdCapturedBytes(text: string, bytes: Uint8Array): void {
  capturedText = text;
  capturedBytes = bytes;
}

export function releaseCapturedBytes(): void {
  capturedText = undefined;
  capturedBytes = undefined;
}

/** The held bytes of this text (by value), or undefined. */
export function capturedBytesOf(text: unknown): Uint8Array | undefined {
  return capturedText !== undefined && text === capturedText ? capturedBytes : undefined;
}
