/**
 * One HTTP/2 connection (RFC 9113) as a passive observer sees it: the two
 * byte directions cut into frames, each direction's header blocks decoded by
 * its own HPACK decoder (every block, in order, including trailers and
 * PUSH_PROMISE, so the dynamic tables stay in step), and each stream's
 * request and response handed to the host as messages, exactly like HTTP/1
 * ones: DATA across frames, END_STREAM, trailers (skipped), RST_STREAM.
 * Bytes missing in a direction lose its frame boundaries and its HPACK
 * table: that direction stops, with a notice, rather than guess.
 */
import { visibleBytes } from '@mcpspy/events';
import { HpackDecoder, HpackError } from './hpack';
import type { MessageHead } from './http-head';
import type { StreamBudget } from './memory-budget';

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FrameType = { data: 0, headers: 1, priority: 2, rstStream: 3, settings: 4, pushPromise: 5, ping: 6, goaway: 7, windowUpdate: 8, continuation: 9 } as const;
const Flag = { endStream: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;
/** SETTINGS_MAX_FRAME_SIZE before the receiver says otherwise (RFC 9113 §6.5.2). */
const DEFAULT_MAX_FRAME = 16_384;
/** The frame length field's own bound: used while the receiver's SETTINGS are unknown. */
const MAX_FRAME_FIELD = (1 << 24) - 1;
/** Largest header block (HEADERS + CONTINUATION) kept before giving up on the direction. */
const MAX_HEADER_BLOCK = 256 * 1024;
/** Streams followed at once per connection (requests waiting for their response), like HTTP/1's pending bound. */
const MAX_OPEN_STREAMS = 1024;

/** A message in progress, owned by the host (HttpStream's Message). */
export type HostMessage = object;

export interface H2RequestInfo {
  exchange: number;
  method?: string;
  path?: string;
  host?: string;
  sessionId?: string;
}

export interface H2Host {
  readonly budget: StreamBudget;
  count(name: string): void;
  /** Logs once per counter and raises a notice once per connection. */
  problem(reason: 'h2_unsupported' | 'hpack_state_lost', counter: string, detail: string, sample?: Uint8Array): void;
  newRequest(head: MessageHead): H2RequestInfo;
  /** Opens the message of a head; `hasBody` false when the HEADERS frame ended the stream. */
  open(d: number, head: MessageHead, req: H2RequestInfo | undefined, h2Stream: number, hasBody: boolean): HostMessage;
  body(msg: HostMessage, data: Uint8Array): void;
  end(d: number, msg: HostMessage): void;
  /** The message will not complete (`cause` gap: capture lost bytes; reset: a peer cancelled the stream). */
  abort(d: number, msg: HostMessage, cause: 'gap' | 'reset'): void;
  isSse(msg: HostMessage): boolean;
}

interface H2Stream {
  req?: H2RequestInfo;
  /** Message in progress per direction (index = direction). */
  msg: [HostMessage | undefined, HostMessage | undefined];
  /** Whether the direction's head was seen (a later HEADERS is a trailer section). */
  headSeen: [boolean, boolean];
  done: [boolean, boolean];
  /** Promised by PUSH_PROMISE: consumed, not reported (MCP does not push). */
  pushed: boolean;
}

type ReaderState = 'preface' | 'header' | 'payload' | 'dead';

class FrameReader {
  state: ReaderState;
  private prefaceSeen = 0;
  private readonly hdr = Buffer.alloc(9);
  private hdrLen = 0;
  private type = 0;
  private flags = 0;
  private streamId = 0;
  private length = 0;
  private parts: Buffer[] = [];
  private got = 0;
  hpack = new HpackDecoder();
  /**
   * Largest payload the receiver of this direction allows (its
   * SETTINGS_MAX_FRAME_SIZE), once its SETTINGS were seen. Until then no
   * bound but the field's: the kernel prefilter drops an endpoint's first
   * SETTINGS when it is sent before the connection is tracked.
   */
  maxFrame = MAX_FRAME_FIELD;
  /** Frames read so far in this direction. */
  frames = 0;
  /** After the client's preface the first frame must be SETTINGS (RFC 9113 §3.4). */
  private readonly settingsFirst: boolean;
  /** Header block being collected across HEADERS / PUSH_PROMISE + CONTINUATION. */
  block?: { streamId: number; parts: Buffer[]; len: number; endStream: boolean; push: boolean };

  constructor(
    expectPreface: boolean,
    private readonly onFrame: (type: number, flags: number, streamId: number, payload: Uint8Array) => void,
    private readonly fail: (reason: 'h2_unsupported', counter: string, detail: string, sample?: Uint8Array) => void,
    private readonly budget: StreamBudget,
    /** The client's preface again at a frame boundary: a new connection under the same key (a reused SSL*). */
    private readonly onRestart?: () => void,
  ) {
    this.state = expectPreface ? 'preface' : 'header';
    this.settingsFirst = expectPreface;
  }

  get held(): number {
    return this.got;
  }

  feed(data: Uint8Array): void {
    let pos = 0;
    while (pos < data.length && this.state !== 'dead') {
      switch (this.state) {
        case 'preface': {
          const n = Math.min(H2_PREFACE.length - this.prefaceSeen, data.length - pos);
          for (let i = 0; i < n; i++) {
            if (data[pos + i] !== H2_PREFACE[this.prefaceSeen + i]) {
              this.fail('h2_unsupported', 'h2_bad_preface', 'the client did not start with the HTTP/2 connection preface', data.subarray(pos, pos + 32));
              return;
            }
          }
          this.prefaceSeen += n;
          pos += n;
          if (this.prefaceSeen === H2_PREFACE.length) this.state = 'header';
          break;
        }
        case 'header': {
          // The whole frame in this buffer: no copy.
          if (this.hdrLen === 0 && data.length - pos >= 9) {
            const len = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2];
            if (data.length - pos - 9 >= len) {
              if (!this.setHeader(data.subarray(pos, pos + 9))) {
                if (this.isDead()) return;
                pos += 9;
                break;
              }
              pos += 9;
              const payload = data.subarray(pos, pos + len);
              pos += len;
              this.state = 'header';
              this.onFrame(this.type, this.flags, this.streamId, payload);
              break;
            }
          }
          const n = Math.min(9 - this.hdrLen, data.length - pos);
          this.hdr.set(data.subarray(pos, pos + n), this.hdrLen);
          this.hdrLen += n;
          pos += n;
          if (this.hdrLen < 9) break;
          this.hdrLen = 0;
          if (!this.setHeader(this.hdr)) {
            if (this.isDead()) return;
            break;
          }
          if (this.length === 0) {
            this.state = 'header';
            this.onFrame(this.type, this.flags, this.streamId, new Uint8Array(0));
          } else {
            this.state = 'payload';
          }
          break;
        }
        case 'payload': {
          const n = Math.min(this.length - this.got, data.length - pos);
          if (this.budget.take(n) !== 'ok') {
            this.fail('h2_unsupported', 'stream_bound_hit', 'an HTTP/2 frame larger than the memory bound');
            return;
          }
          this.parts.push(Buffer.from(data.subarray(pos, pos + n)));
          this.got += n;
          pos += n;
          if (this.got === this.length) {
            const payload = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.got);
            this.budget.give(this.got);
            this.parts = [];
            this.got = 0;
            this.state = 'header';
            this.onFrame(this.type, this.flags, this.streamId, payload);
          }
          break;
        }
        default:
          return;
      }
    }
  }

  /** Read through a method: callbacks may have stopped the reader during this call. */
  isDead(): boolean {
    return this.state === 'dead';
  }

  /** Stops reading this direction for good and releases what it holds. */
  kill(): void {
    this.state = 'dead';
    this.budget.give(this.got + (this.block?.len ?? 0));
    this.parts = [];
    this.got = 0;
    this.block = undefined;
  }

  /** Reads a frame header; false when it was not one (the reader stopped, or restarts at a new preface). */
  private setHeader(h: Uint8Array): boolean {
    if (this.settingsFirst && this.onRestart && startsPreface(h)) {
      this.state = 'preface';
      this.prefaceSeen = 9;
      this.frames = 0;
      this.hpack = new HpackDecoder();
      if (this.block) this.budget.give(this.block.len);
      this.block = undefined;
      this.onRestart();
      return false;
    }
    this.length = (h[0] << 16) | (h[1] << 8) | h[2];
    this.type = h[3];
    this.flags = h[4];
    this.streamId = ((h[5] & 0x7f) << 24) | (h[6] << 16) | (h[7] << 8) | h[8];
    if (this.frames++ === 0 && this.settingsFirst && this.type !== 4) {
      this.fail('h2_unsupported', 'h2_bad_preface', 'the client preface is not followed by a SETTINGS frame: not HTTP/2 framing', h);
      return false;
    }
    if (this.length > this.maxFrame) {
      this.fail('h2_unsupported', 'h2_frame_too_large', `a frame of ${this.length} bytes where the receiver allows ${this.maxFrame}: not HTTP/2 framing`, h);
      return false;
    }
    return true;
  }

  /** A fresh start of the other direction of a restarted connection: frames, no preface, a new HPACK table. */
  resetForNewConnection(): void {
    this.kill();
    this.state = 'header';
    this.frames = 0;
    this.hdrLen = 0;
    this.maxFrame = MAX_FRAME_FIELD;
    this.hpack = new HpackDecoder();
  }
}

function startsPreface(h: Uint8Array): boolean {
  for (let i = 0; i < 9; i++) if (h[i] !== H2_PREFACE[i]) return false;
  return true;
}

export class H2Connection {
  private readonly readers: [FrameReader, FrameReader];
  private readonly streams = new Map<number, H2Stream>();
  /** Streams already finished or reset: late frames for them are ignored, not reported. */
  private readonly closed = new Set<number>();

  /**
   * `reqDir`: the direction (0 read, 1 write) that carries requests.
   * `upgraded`: the connection switched from HTTP/1.1 (`Upgrade: h2c`): the
   * response direction starts with frames, not a preface, and stream 1
   * carries the response to the upgrade request `upgradeReq`.
   */
  constructor(
    private readonly host: H2Host,
    private readonly reqDir: number,
    upgradeReq?: H2RequestInfo,
  ) {
    const mk = (d: number) =>
      new FrameReader(
        d === reqDir,
        (type, flags, id, payload) => this.onFrame(d, type, flags, id, payload),
        (reason, counter, detail, sample) => this.stopDirection(d, reason, counter, detail, sample),
        host.budget,
        d === reqDir ? () => this.restart() : undefined,
      );
    this.readers = [mk(0), mk(1)];
    if (upgradeReq) {
      // RFC 9113 §3.2 (RFC 7540 §3.2): the upgrade request is stream 1, half-closed from the client.
      this.streams.set(1, { req: upgradeReq, msg: [undefined, undefined], headSeen: [reqDir === 0, reqDir === 1], done: [reqDir === 0, reqDir === 1], pushed: false });
    }
  }

  /** Whether a response stream is an open event stream (such connections idle between events). */
  get streamingSse(): boolean {
    for (const s of this.streams.values()) {
      const m = s.msg[1 - this.reqDir];
      if (m && this.host.isSse(m)) return true;
    }
    return false;
  }

  feed(d: number, data: Uint8Array): void {
    this.readers[d].feed(data);
  }

  /** Bytes are missing in direction `d`: its frames and HPACK table cannot be followed any more. */
  gap(d: number): void {
    if (this.readers[d].state === 'dead') return;
    this.stopDirection(d, 'hpack_state_lost', 'h2_gap', 'bytes of an HTTP/2 connection were lost: its header compression state is unknown from here on');
  }

  /**
   * The client's preface again: a new connection reuses this stream key (an
   * SSL* address the allocator handed out again). Streams in progress are
   * cut, stream state and both HPACK tables start over.
   */
  private restart(): void {
    for (const [, s] of this.streams) {
      for (const d of [0, 1]) {
        const m = s.msg[d];
        if (m) this.host.abort(d, m, 'gap');
      }
    }
    this.streams.clear();
    this.closed.clear();
    this.readers[1 - this.reqDir].resetForNewConnection();
    this.host.count('h2_connection_restarts');
  }

  /** The connection is going away: messages in progress are cut. */
  close(): void {
    for (const [, s] of this.streams) {
      for (const d of [0, 1]) {
        const m = s.msg[d];
        if (m) this.host.abort(d, m, 'gap');
        s.msg[d] = undefined;
      }
    }
    this.streams.clear();
    this.readers[0].kill();
    this.readers[1].kill();
  }

  private stopDirection(d: number, reason: 'h2_unsupported' | 'hpack_state_lost', counter: string, detail: string, sample?: Uint8Array): void {
    this.readers[d].kill();
    this.host.problem(reason, counter, detail, sample);
    for (const [, s] of this.streams) {
      const m = s.msg[d];
      if (m) this.host.abort(d, m, 'gap');
      s.msg[d] = undefined;
      s.done[d] = true;
    }
  }

  private onFrame(d: number, type: number, flags: number, id: number, payload: Uint8Array): void {
    const r = this.readers[d];
    if (r.block && type !== FrameType.continuation) {
      this.stopDirection(d, 'h2_unsupported', 'h2_protocol_error', `frame type ${type} inside a header block (RFC 9113 §6.10)`);
      return;
    }
    switch (type) {
      case FrameType.data: {
        const body = this.unpad(d, flags, payload, 0);
        if (!body) return;
        this.onData(d, id, body, (flags & Flag.endStream) !== 0);
        return;
      }
      case FrameType.headers: {
        const skip = (flags & Flag.priority) !== 0 ? 5 : 0;
        const frag = this.unpad(d, flags, payload, skip);
        if (!frag) return;
        this.startBlock(d, id, frag, flags, false);
        return;
      }
      case FrameType.pushPromise: {
        // Promised stream id (4 bytes) before the fragment; the block must still go through HPACK.
        const frag = this.unpad(d, flags, payload, 4);
        if (!frag) return;
        const start = (flags & Flag.padded) !== 0 ? 1 : 0;
        const promised = payload.length >= start + 4 ? ((payload[start] & 0x7f) << 24) | (payload[start + 1] << 16) | (payload[start + 2] << 8) | payload[start + 3] : 0;
        if (promised !== 0) this.closed.add(promised);
        this.host.count('h2_push_promises');
        this.startBlock(d, promised, frag, flags, true);
        return;
      }
      case FrameType.continuation: {
        const b = r.block;
        if (!b || b.streamId !== id) {
          this.stopDirection(d, 'h2_unsupported', 'h2_protocol_error', 'CONTINUATION without a header block in progress');
          return;
        }
        this.appendBlock(d, payload);
        if (r.state !== 'dead' && (flags & Flag.endHeaders) !== 0) this.endBlock(d);
        return;
      }
      case FrameType.rstStream:
        this.onReset(id);
        return;
      case FrameType.settings:
        // SETTINGS_MAX_FRAME_SIZE bounds the frames the other direction may send.
        if ((flags & 0x1) === 0) {
          const other = this.readers[1 - d];
          if (other.maxFrame === MAX_FRAME_FIELD) other.maxFrame = DEFAULT_MAX_FRAME;
          for (let i = 0; i + 6 <= payload.length; i += 6) {
            const key = (payload[i] << 8) | payload[i + 1];
            const value = ((payload[i + 2] << 24) >>> 0) + (payload[i + 3] << 16) + (payload[i + 4] << 8) + payload[i + 5];
            if (key === 0x5 && value >= DEFAULT_MAX_FRAME && value < 1 << 24) this.readers[1 - d].maxFrame = value;
          }
        }
        this.host.count('h2_control_frames');
        return;
      case FrameType.ping:
      case FrameType.goaway:
      case FrameType.windowUpdate:
      case FrameType.priority:
        this.host.count('h2_control_frames');
        return;
      default:
        // RFC 9113 §4.1: frames of unknown types are ignored.
        this.host.count('h2_unknown_frames');
    }
  }

  /** Strips PADDED padding and `skip` leading bytes; undefined (direction stopped) when malformed. */
  private unpad(d: number, flags: number, payload: Uint8Array, skip: number): Uint8Array | undefined {
    let start = 0;
    let end = payload.length;
    if ((flags & Flag.padded) !== 0) {
      if (payload.length < 1) {
        this.stopDirection(d, 'h2_unsupported', 'h2_protocol_error', 'PADDED frame without a pad length');
        return undefined;
      }
      start = 1;
      end -= payload[0];
    }
    start += skip;
    if (end < start) {
      this.stopDirection(d, 'h2_unsupported', 'h2_protocol_error', 'padding longer than the frame (RFC 9113 §6.1)');
      return undefined;
    }
    return payload.subarray(start, end);
  }

  private startBlock(d: number, id: number, frag: Uint8Array, flags: number, push: boolean): void {
    const r = this.readers[d];
    r.block = { streamId: id, parts: [], len: 0, endStream: (flags & Flag.endStream) !== 0, push };
    this.appendBlock(d, frag);
    if (r.state !== 'dead' && (flags & Flag.endHeaders) !== 0) this.endBlock(d);
  }

  private appendBlock(d: number, frag: Uint8Array): void {
    const r = this.readers[d];
    const b = r.block!;
    if (b.len + frag.length > MAX_HEADER_BLOCK || this.host.budget.take(frag.length) !== 'ok') {
      this.stopDirection(d, 'h2_unsupported', 'parse_header_too_large', `HTTP/2 header block over ${MAX_HEADER_BLOCK} bytes or the memory bound`);
      return;
    }
    b.parts.push(Buffer.from(frag));
    b.len += frag.length;
  }

  private endBlock(d: number): void {
    const r = this.readers[d];
    const b = r.block!;
    r.block = undefined;
    const block = b.parts.length === 1 ? b.parts[0] : Buffer.concat(b.parts, b.len);
    this.host.budget.give(b.len);
    let fields: [string, string][];
    try {
      fields = r.hpack.decode(block);
    } catch (err) {
      if (!(err instanceof HpackError)) throw err;
      this.stopDirection(d, 'hpack_state_lost', 'h2_hpack_error', `${err.message}: later header blocks cannot be decoded`, block);
      return;
    }
    if (b.push) return;
    this.onHeaders(d, b.streamId, fields, b.endStream);
  }

  private stream(id: number, create: boolean): H2Stream | undefined {
    let s = this.streams.get(id);
    if (!s && create && !this.closed.has(id)) {
      if (this.streams.size >= MAX_OPEN_STREAMS) {
        // Streams never answered must not pile up: the oldest is forgotten, its messages cut.
        const [oldId, old] = this.streams.entries().next().value as [number, H2Stream];
        for (const dd of [0, 1]) if (old.msg[dd]) this.host.abort(dd, old.msg[dd]!, 'reset');
        this.forget(oldId);
        this.host.count('pending_overflow');
      }
      s = { msg: [undefined, undefined], headSeen: [false, false], done: [false, false], pushed: false };
      this.streams.set(id, s);
    }
    return s;
  }

  private onHeaders(d: number, id: number, fields: [string, string][], endStream: boolean): void {
    const isReq = d === this.reqDir;
    if (id === 0) {
      this.host.count('h2_protocol_error');
      return;
    }
    const s = this.stream(id, isReq);
    if (!s || s.done[d]) {
      this.host.count('h2_frames_for_closed_streams');
      return;
    }
    if (s.headSeen[d]) {
      // A second header section is a trailer section (RFC 9113 §8.1): skipped, as in HTTP/1.
      if (endStream) this.finish(d, id, s);
      return;
    }
    const head = toHead(fields, isReq);
    if (!isReq && head.status !== undefined && head.status >= 100 && head.status < 200) {
      // Interim responses precede the final one (RFC 9113 §8.1).
      this.host.count('interim_responses');
      return;
    }
    s.headSeen[d] = true;
    if (isReq) s.req = this.host.newRequest(head);
    else if (!s.req) this.host.count('responses_unpaired');
    s.msg[d] = this.host.open(d, head, s.req, id, !endStream);
    if (endStream) this.finish(d, id, s);
  }

  private onData(d: number, id: number, data: Uint8Array, endStream: boolean): void {
    const s = this.streams.get(id);
    if (!s || s.done[d]) {
      if (!this.closed.has(id)) this.host.count('h2_frames_for_closed_streams');
      return;
    }
    const m = s.msg[d];
    if (m && data.length > 0) this.host.body(m, data);
    if (endStream) this.finish(d, id, s);
  }

  private finish(d: number, id: number, s: H2Stream): void {
    const m = s.msg[d];
    s.msg[d] = undefined;
    s.done[d] = true;
    if (m) this.host.end(d, m);
    if (s.done[0] && s.done[1]) this.forget(id);
  }

  private onReset(id: number): void {
    const s = this.streams.get(id);
    if (!s) return;
    this.host.count('h2_streams_reset');
    for (const d of [0, 1]) {
      const m = s.msg[d];
      s.msg[d] = undefined;
      if (m) this.host.abort(d, m, 'reset');
    }
    this.forget(id);
  }

  private forget(id: number): void {
    this.streams.delete(id);
    this.closed.add(id);
    // Stream ids only grow: old ones need not be remembered for long.
    if (this.closed.size > 4096) {
      const first = this.closed.values().next().value as number;
      this.closed.delete(first);
    }
  }
}

/** A decoded header list as the head HttpStream builds messages from (pseudo-headers taken out). */
function toHead(fields: [string, string][], isReq: boolean): MessageHead {
  const head: MessageHead = { mode: isReq ? 'request' : 'response', versionMajor: 2, versionMinor: 0, headers: {} };
  const h = head.headers;
  for (const [rawName, rawValue] of fields) {
    // HPACK strings are octets (kept as latin1); the contract carries UTF-8 text like HTTP/1 heads.
    const name = rawName.toLowerCase();
    const value = Buffer.from(rawValue, 'latin1').toString('utf8');
    if (name.startsWith(':')) {
      if (name === ':method') head.method = value;
      else if (name === ':path') head.path = value;
      else if (name === ':status') head.status = Number(value);
      else if (name === ':authority' && h.host === undefined) h.host = value;
      continue;
    }
    // RFC 9113 §8.2.3: cookie crumbs are joined with "; ".
    if (h[name] !== undefined) h[name] = `${h[name]}${name === 'cookie' ? '; ' : ', '}${value}`;
    else h[name] = value;
  }
  return head;
}

/** For notices: the first bytes of something that could not be followed. */
export function sampleOf(b: Uint8Array | undefined): string | undefined {
  return b ? visibleBytes(b.subarray(0, 64), 200) : undefined;
}
