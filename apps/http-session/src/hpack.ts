/**
 * HPACK header block decoding (RFC 7541): integers with an N-bit prefix,
 * string literals (plain or Huffman), the static table and one dynamic
 * table per decoder, with size updates and eviction. One `HpackDecoder` per
 * direction of a connection, fed every header block of that direction in
 * order: skipping one corrupts every later block, so any error is final for
 * the connection (the caller stops decoding it and reports why).
 *
 * Written here rather than taken from npm: `hpack.js` (last release 2017) and
 * the decoders inside HTTP/2 servers expect to own the connection; a passive
 * decoder needs only the decompression half, and needs it to fail cleanly.
 */
import { HttpSessionError } from './errors';

export class HpackError extends HttpSessionError {
  constructor(detail: string) {
    super(`failed to decode HPACK header block: ${detail}`);
  }
}

export type HeaderField = [name: string, value: string];

// RFC 7541 Appendix A.
const STATIC_TABLE: readonly HeaderField[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

// RFC 7541 Appendix B, code lengths of symbols 0..255 then EOS (256). The
// code is canonical (codes of one length are consecutive, in symbol order,
// and shorter codes come first), so the lengths determine every code.
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;
const MAX_CODE_LEN = 30;

/** Canonical decoding tables: for each length, its first code, how many codes, where its symbols start. */
const firstCode = new Int32Array(MAX_CODE_LEN + 2);
const countAt = new Int32Array(MAX_CODE_LEN + 2);
const offsetAt = new Int32Array(MAX_CODE_LEN + 2);
const symbolsByCode: number[] = [];
{
  for (const len of CODE_LENGTHS) countAt[len]++;
  let code = 0;
  let offset = 0;
  for (let len = 1; len <= MAX_CODE_LEN; len++) {
    firstCode[len] = code;
    offsetAt[len] = offset;
    code = (code + countAt[len]) << 1;
    offset += countAt[len];
  }
  const order = CODE_LENGTHS.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym);
  for (const { sym } of order) symbolsByCode.push(sym);
}

/** The Huffman code of `sym` (tests compare it with Appendix B). */
export function huffmanCode(sym: number): { code: number; bits: number } {
  const len = CODE_LENGTHS[sym];
  const idx = symbolsByCode.indexOf(sym);
  return { code: firstCode[len] + (idx - offsetAt[len]), bits: len };
}

/** Decodes a Huffman-coded string literal (RFC 7541 §5.2). */
export function huffmanDecode(b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil((b.length * 8) / 5));
  let n = 0;
  let code = 0;
  let len = 0;
  for (let i = 0; i < b.length; i++) {
    const byte = b[i];
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const k = code - firstCode[len];
      if (k >= 0 && k < countAt[len]) {
        const sym = symbolsByCode[offsetAt[len] + k];
        if (sym === EOS) throw new HpackError('EOS symbol inside a Huffman string');
        out[n++] = sym;
        code = 0;
        len = 0;
      } else if (len >= MAX_CODE_LEN) {
        throw new HpackError('invalid Huffman code');
      }
    }
  }
  // §5.2: padding is fewer than 8 bits, all ones (the start of EOS).
  if (len > 7) throw new HpackError('Huffman padding longer than 7 bits');
  if (len > 0 && code !== (1 << len) - 1) throw new HpackError('Huffman padding is not the EOS prefix');
  return out.subarray(0, n);
}

/** Size of an entry as the table counts it (§4.1): name and value octets plus 32. */
function entrySize(f: HeaderField): number {
  return Buffer.byteLength(f[0]) + Buffer.byteLength(f[1]) + 32;
}

export interface HpackDecoderOptions {
  /** Largest table size an update may set (the receiver's SETTINGS_HEADER_TABLE_SIZE, unknown to a passive observer). */
  maxTableSize?: number;
  /** Largest decoded header list (names + values + 32 per field). */
  maxHeaderListSize?: number;
  /** Table size before any update (4096, the protocol's initial value; RFC 7541 C.5/C.6 use 256). */
  initialTableSize?: number;
}

export class HpackDecoder {
  /** Newest first. */
  private readonly dynamic: HeaderField[] = [];
  private size = 0;
  private maxSize = 4096;
  private readonly limit: number;
  private readonly maxList: number;

  constructor(opts: HpackDecoderOptions = {}) {
    this.limit = opts.maxTableSize ?? 1 << 20;
    this.maxList = opts.maxHeaderListSize ?? 1 << 20;
    this.maxSize = opts.initialTableSize ?? 4096;
  }

  /** Current dynamic table, newest first (for tests). */
  table(): HeaderField[] {
    return this.dynamic.map((f) => [f[0], f[1]]);
  }

  get tableSize(): number {
    return this.size;
  }

  /** Decodes one complete header block; throws HpackError (state is then unusable). */
  decode(block: Uint8Array): HeaderField[] {
    const out: HeaderField[] = [];
    const r = { pos: 0 };
    let listSize = 0;
    let fieldsSeen = false;
    while (r.pos < block.length) {
      const b = block[r.pos];
      let field: HeaderField;
      if (b & 0x80) {
        // §6.1 indexed header field.
        field = this.at(readInt(block, r, 7));
      } else if (b & 0x40) {
        // §6.2.1 literal with incremental indexing.
        field = this.literal(block, r, 6);
        this.add(field);
      } else if (b & 0x20) {
        // §6.3 dynamic table size update: only at the start of a block (§4.2).
        if (fieldsSeen) throw new HpackError('table size update after a header field');
        const size = readInt(block, r, 5);
        if (size > this.limit) throw new HpackError(`table size update to ${size} above ${this.limit}`);
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        // §6.2.2 without indexing, §6.2.3 never indexed: both 4-bit prefixes.
        field = this.literal(block, r, 4);
      }
      fieldsSeen = true;
      listSize += entrySize(field);
      if (listSize > this.maxList) throw new HpackError(`header list larger than ${this.maxList} bytes`);
      out.push(field);
    }
    return out;
  }

  private at(index: number): HeaderField {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const f = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!f) throw new HpackError(`index ${index} beyond the tables (${STATIC_TABLE.length} + ${this.dynamic.length})`);
    return f;
  }

  private literal(block: Uint8Array, r: { pos: number }, prefix: number): HeaderField {
    const index = readInt(block, r, prefix);
    const name = index === 0 ? readString(block, r) : this.at(index)[0];
    const value = readString(block, r);
    return [name, value];
  }

  private add(f: HeaderField): void {
    const size = entrySize(f);
    // §4.4: an entry larger than the table empties it and is not added.
    this.evict(size);
    if (size <= this.maxSize) {
      this.dynamic.unshift(f);
      this.size += size;
    }
  }

  /** Evicts oldest entries until `room` more bytes fit. */
  private evict(room: number): void {
    while (this.dynamic.length > 0 && this.size + room > this.maxSize) {
      this.size -= entrySize(this.dynamic.pop()!);
    }
  }
}

/** §5.1 integer with an N-bit prefix. */
function readInt(b: Uint8Array, r: { pos: number }, prefix: number): number {
  if (r.pos >= b.length) throw new HpackError('block ends inside an integer');
  const max = (1 << prefix) - 1;
  let v = b[r.pos++] & max;
  if (v < max) return v;
  let m = 0;
  for (;;) {
    if (r.pos >= b.length) throw new HpackError('block ends inside an integer');
    const c = b[r.pos++];
    v += (c & 0x7f) * 2 ** m;
    m += 7;
    if ((c & 0x80) === 0) break;
    if (m > 28) throw new HpackError('integer too large');
  }
  return v;
}

/** §5.2 string literal. */
function readString(b: Uint8Array, r: { pos: number }): string {
  if (r.pos >= b.length) throw new HpackError('block ends before a string');
  const huffman = (b[r.pos] & 0x80) !== 0;
  const len = readInt(b, r, 7);
  if (r.pos + len > b.length) throw new HpackError('string longer than its block');
  const raw = b.subarray(r.pos, r.pos + len);
  r.pos += len;
  const bytes = huffman ? huffmanDecode(raw) : raw;
  // Field values are octets; latin1 keeps each one as it was (UTF-8 values are re-read by the caller if wanted).
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
