/**
 * The UTF-16 code units of a text in a typed array, for the passes that read
 * a text character by character (the trigger automata, the classifier's
 * hashing, the quote finder). On Node 20 a loop over `charCodeAt` costs ~3.5
 * ns per character and one over a Uint16Array ~1.1 ns; the copy (one native
 * write) costs ~0.5 µs per KB, and the last few texts keep theirs, so the
 * passes over one text share one copy (bench/README.md, session 5).
 *
 * The array returned is a view into a buffer reused once SLOTS other texts
 * have been asked for: read it at once, do not keep it.
 */
const SLOTS = 4;
/** Texts longer than this get an array of their own, not kept (a slot must not pin megabytes). */
const SLOT_MAX = 64 * 1024;

const slotText: (string | undefined)[] = [undefined, undefined, undefined, undefined];
const slotBuf: (Buffer | undefined)[] = [undefined, undefined, undefined, undefined];
const slotView: (Uint16Array | undefined)[] = [undefined, undefined, undefined, undefined];
let next = 0;

function write(t: string, buf: Buffer): Uint16Array {
  // utf16le copies the code units as they are (lone surrogates included); the buffer starts its own ArrayBuffer, so it is aligned.
  buf.write(t, 0, 'utf16le');
  return new Uint16Array(buf.buffer, buf.byteOffset, t.length);
}

export function codeUnitsOf(t: string): Uint16Array {
  for (let i = 0; i < SLOTS; i++) if (slotText[i] === t) return slotView[i]!;
  if (t.length > SLOT_MAX) return write(t, Buffer.allocUnsafeSlow(t.length * 2));
  const k = next;
  next = (next + 1) % SLOTS;
  let buf = slotBuf[k];
  if (!buf || buf.length < t.length * 2) buf = slotBuf[k] = Buffer.allocUnsafeSlow(Math.max(4096, t.length * 4));
  const view = write(t, buf);
  slotText[k] = t;
  slotView[k] = view;
  return view;
}
