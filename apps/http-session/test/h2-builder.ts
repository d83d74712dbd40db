/**
 * HTTP/2 wire bytes for tests: frames (RFC 9113 §4.1) and a small HPACK
 * encoder of our own (indexed fields from a dynamic table it keeps in step
 * with the decoder's, literals with incremental indexing otherwise, no
 * Huffman), so the decoder's dynamic table is exercised on every stream.
 */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const T = { data: 0, headers: 1, priority: 2, rst: 3, settings: 4, push: 5, ping: 6, goaway: 7, window: 8, continuation: 9 } as const;
export const F = { endStream: 0x1, ack: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

export function settings(): Buffer {
  const p = Buffer.alloc(12);
  p.writeUInt16BE(0x3, 0); // MAX_CONCURRENT_STREAMS
  p.writeUInt32BE(100, 2);
  p.writeUInt16BE(0x4, 6); // INITIAL_WINDOW_SIZE
  p.writeUInt32BE(1 << 20, 8);
  return frame(T.settings, 0, 0, p);
}

function int(value: number, prefix: number, first: number): Buffer {
  const max = (1 << prefix) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([int(b.length, 7, 0), b]);
}

export class HpackEncoder {
  private table: [string, string][] = [];
  private size = 0;

  encode(fields: [string, string][]): Buffer {
    const out: Buffer[] = [];
    for (const [n, v] of fields) {
      const i = this.table.findIndex(([a, b]) => a === n && b === v);
      if (i >= 0) {
        out.push(int(62 + i, 7, 0x80));
        continue;
      }
      out.push(Buffer.from([0x40]), str(n), str(v));
      const sz = Buffer.byteLength(n) + Buffer.byteLength(v) + 32;
      while (this.table.length > 0 && this.size + sz > 4096) {
        const [a, b] = this.table.pop()!;
        this.size -= Buffer.byteLength(a) + Buffer.byteLength(b) + 32;
      }
      if (sz <= 4096) {
        this.table.unshift([n, v]);
        this.size += sz;
      }
    }
    return Buffer.concat(out);
  }
}

export interface HeadersOptions {
  endStream?: boolean;
  /** Split the block into HEADERS + CONTINUATION frames of at most this many bytes. */
  fragment?: number;
  padding?: number;
  priority?: boolean;
}

/** HEADERS (and CONTINUATION) frames carrying `block`. */
export function headers(streamId: number, block: Buffer, o: HeadersOptions = {}): Buffer {
  const size = o.fragment ?? block.length;
  const pieces: Buffer[] = [];
  for (let i = 0; i < block.length || i === 0; i += Math.max(1, size)) pieces.push(block.subarray(i, i + Math.max(1, size)));
  const out: Buffer[] = [];
  pieces.forEach((piece, k) => {
    const last = k === pieces.length - 1;
    if (k === 0) {
      let flags = (o.endStream ? F.endStream : 0) | (last ? F.endHeaders : 0);
      const pre: Buffer[] = [];
      let post = Buffer.alloc(0);
      if (o.padding !== undefined) {
        flags |= F.padded;
        pre.push(Buffer.from([o.padding]));
        post = Buffer.alloc(o.padding);
      }
      if (o.priority) {
        flags |= F.priority;
        pre.push(Buffer.from([0, 0, 0, 0, 16]));
      }
      out.push(frame(T.headers, flags, streamId, Buffer.concat([...pre, piece, post])));
    } else {
      out.push(frame(T.continuation, last ? F.endHeaders : 0, streamId, piece));
    }
  });
  return Buffer.concat(out);
}

/** DATA frames of at most `size` bytes each, the last one with END_STREAM when asked. */
export function data(streamId: number, body: Buffer, o: { endStream?: boolean; size?: number; padding?: number } = {}): Buffer {
  const size = Math.max(1, o.size ?? 16384);
  const out: Buffer[] = [];
  for (let i = 0; i < body.length || i === 0; i += size) {
    const piece = body.subarray(i, i + size);
    const last = i + size >= body.length;
    let flags = last && o.endStream ? F.endStream : 0;
    let payload = piece;
    if (o.padding !== undefined) {
      flags |= F.padded;
      payload = Buffer.concat([Buffer.from([o.padding]), piece, Buffer.alloc(o.padding)]);
    }
    out.push(frame(T.data, flags, streamId, payload));
    if (body.length === 0) break;
  }
  return Buffer.concat(out);
}

export function rst(streamId: number, code = 8): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(T.rst, 0, streamId, p);
}

export function requestFields(method: string, path: string, authority: string, extra: [string, string][] = []): [string, string][] {
  return [[':method', method], [':scheme', 'http'], [':path', path], [':authority', authority], ...extra];
}

export function responseFields(status: number, extra: [string, string][] = []): [string, string][] {
  return [[':status', String(status)], ...extra];
}
