/**
 * Builds raw batches the way the probe would: each call split into chunks
 * at growing offsets, encoded with RawBatchWriter and decoded back, so the
 * engine sees exactly what it sees in production.
 */
import {
  decodeRawBatch,
  Direction,
  FdType,
  HttpMessageEvent,
  RawBatch,
  RawBatchWriter,
  RawEvent,
  RawFlags,
  RawKind,
} from '@mcpspy/events';
import { silentLogger } from '@mcpspy/runtime';
import { HttpSessionEngine, HttpSessionOptions } from '../src/index';

export const WALL_OFFSET_NS = 1_750_000_000_000_000_000n;
let clock = 1_000_000_000n;
let callSeq = 1n;

export type RawInput = Omit<RawEvent, 'data'> & { data: Uint8Array };

export interface ConnOptions {
  kind?: 'tls' | 'inet';
  pid?: number;
  streamId?: bigint;
  comm?: string;
}

/** One observed connection end: produces events for writes (egress) and reads (ingress). */
export class Conn {
  readonly kind: 'tls' | 'inet';
  readonly pid: number;
  readonly streamId: bigint;
  readonly comm: string;

  constructor(o: ConnOptions = {}) {
    this.kind = o.kind ?? 'inet';
    this.pid = o.pid ?? 4242;
    this.streamId = o.streamId ?? 77n;
    this.comm = o.comm ?? 'node';
  }

  write(bytes: Uint8Array | string, chunkSize = 1 << 30, flags = 0): RawInput[] {
    return this.call(Direction.write, bytes, chunkSize, flags);
  }

  read(bytes: Uint8Array | string, chunkSize = 1 << 30, flags = 0): RawInput[] {
    return this.call(Direction.read, bytes, chunkSize, flags);
  }

  /** One call moving `bytes`, emitted as chunks of at most chunkSize (or the sizes given). */
  call(direction: number, bytes: Uint8Array | string, chunk: number | number[], flags = 0): RawInput[] {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const callId = callSeq++;
    const ts = (clock += 1000n);
    const out: RawInput[] = [];
    let off = 0;
    let k = 0;
    do {
      const size = Array.isArray(chunk) ? chunk[Math.min(k, chunk.length - 1)] : chunk;
      const n = Math.max(1, Math.min(size, data.length - off));
      const part = data.subarray(off, off + n);
      let f = 0;
      if (off === 0) f |= RawFlags.first | flags;
      if (off + part.length >= data.length) f |= RawFlags.last;
      out.push({
        kind: this.kind === 'tls' ? RawKind.tls : RawKind.io,
        direction,
        fdType: this.kind === 'tls' ? FdType.none : FdType.inet,
        flags: f,
        pid: this.pid,
        tid: this.pid,
        fd: this.kind === 'tls' ? -1 : 9,
        tsNs: ts,
        streamId: this.streamId,
        callId,
        totalLen: data.length,
        offset: off,
        lostBytes: 0,
        comm: this.comm,
        data: part,
      });
      off += part.length;
      k++;
    } while (off < data.length);
    return out;
  }
}

/** Packs events into batches of at most `maxBytes` and decodes them back. */
export function toBatches(events: RawInput[], maxBytes = 1 << 20): RawBatch[] {
  const batches: RawBatch[] = [];
  let w = new RawBatchWriter(maxBytes);
  let seq = 0n;
  const flush = () => {
    if (w.recordCount === 0) return;
    batches.push(decodeRawBatch(w.finish({ wallOffsetNs: WALL_OFFSET_NS, seq: seq++ })));
  };
  for (const ev of events) {
    if (!w.fits(ev.data.byteLength)) {
      flush();
      if (!w.fits(ev.data.byteLength)) w = new RawBatchWriter(80 + ev.data.byteLength + 64 + 32);
    }
    w.append(ev);
  }
  flush();
  return batches;
}

export interface Run {
  engine: HttpSessionEngine;
  messages: HttpMessageEvent[];
}

export function newEngine(opts: Partial<HttpSessionOptions> = {}): Run {
  const messages: HttpMessageEvent[] = [];
  const engine = new HttpSessionEngine({ logger: silentLogger(), emit: (m) => messages.push(m), ...opts });
  return { engine, messages };
}

/** Runs events through a fresh engine. */
export function run(events: RawInput[], opts: Partial<HttpSessionOptions> = {}, maxBatchBytes?: number): Run {
  const r = newEngine(opts);
  for (const b of toBatches(events, maxBatchBytes)) r.engine.onBatch(b);
  return r;
}

/** Messages without the fields that depend on how bytes were split in time. */
export function stable(messages: HttpMessageEvent[]): Omit<HttpMessageEvent, 'timestamp' | 'ts_ns'>[] {
  return messages.map(({ timestamp: _t, ts_ns: _n, ...rest }) => rest);
}
