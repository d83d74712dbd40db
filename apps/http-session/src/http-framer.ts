/**
 * Incremental HTTP/1.x framing of one byte direction: finds each message's
 * head, then its body as Content-Length, chunked (RFC 9112 §7.1) or
 * read-until-close, across any split of the bytes. Only the head and the
 * current chunk-size line are buffered here; body bytes go straight to the
 * hooks. After a framing error or a capture gap it scans for the next start
 * line instead of guessing.
 */
import { HttpFramingError } from './errors';
import { BodyFraming, MessageHead, MessageMode, parseHead } from './http-head';
import type { StreamBudget } from './memory-budget';
import { StartLineScanner } from './wire-scan';

export interface FramerHooks {
  /** A complete head; returns how its body is delimited (may throw HttpFramingError). */
  onHead(head: MessageHead): BodyFraming;
  /** Body bytes: a view into transient memory, copy to keep. */
  onBody(data: Uint8Array): void;
  onEnd(): void;
  /** The message in progress cannot complete. `err` is set for framing errors. */
  onAbort(reason: 'gap' | 'error', err?: HttpFramingError): void;
  /**
   * A gap hit the body: return true to keep the message (an event stream)
   * and have the framer look for the next chunk boundary instead of the
   * next message.
   */
  keepThroughGap?(): boolean;
  /** After keepThroughGap: the chunk framing was found again at the start of a call. */
  onChunkResync?(): void;
  /** Bytes after the connection switched protocols (101): another protocol's, such as h2c's first frames. */
  onTunnel?(rest: Uint8Array): void;
}

type State = 'resync' | 'chunk_resync' | 'head' | 'length' | 'chunk_size' | 'chunk_data' | 'chunk_end' | 'trailers' | 'eof' | 'tunnel';

const MAX_CHUNK_LINE = 4096;
const MAX_TRAILERS = 16 * 1024;
const CHUNK_SIZE_LINE = /^([0-9a-fA-F]{1,13})[ \t]*(?:;.*)?$/;
const CHUNK_START = /^[0-9a-fA-F]{1,8}[ \t]*(?:;[^\r\n]*)?\r?\n/;

function isTokenByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b));
}

export class HttpFramer {
  private state: State = 'resync';
  private readonly scanner: StartLineScanner;
  private headParts: Buffer[] = [];
  private headLen = 0;
  private lineLen = 0;
  private lastByte = -1;
  private remaining = 0;
  private line = '';
  private sawCR = false;
  private trailerBytes = 0;

  constructor(
    readonly mode: MessageMode,
    private readonly hooks: FramerHooks,
    private readonly budget: StreamBudget,
    private readonly maxHeadBytes: number,
  ) {
    this.scanner = new StartLineScanner([mode]);
  }

  /** True while a head or body is partly seen. */
  get inMessage(): boolean {
    return (this.state === 'head' && this.headLen > 0) || (this.state !== 'head' && this.state !== 'resync' && this.state !== 'tunnel');
  }

  get resyncing(): boolean {
    return this.state === 'resync';
  }

  get tunnel(): boolean {
    return this.state === 'tunnel';
  }

  get readingUntilClose(): boolean {
    return this.state === 'eof';
  }

  /** Stops parsing for good: the connection switched protocols. */
  enterTunnel(): void {
    this.dropHead();
    this.state = 'tunnel';
  }

  /** Bytes are missing before the next feed. */
  gap(): void {
    if (this.state === 'tunnel') return;
    const chunked = this.state === 'chunk_size' || this.state === 'chunk_data' || this.state === 'chunk_end' || this.state === 'chunk_resync';
    if ((chunked || this.state === 'eof') && this.hooks.keepThroughGap?.()) {
      // Writers of event streams send a whole HTTP chunk per call, so the next call likely starts one.
      if (chunked) {
        this.line = '';
        this.state = 'chunk_resync';
      }
      return;
    }
    if (this.inMessage) this.hooks.onAbort('gap');
    this.dropHead();
    this.state = 'resync';
    this.scanner.reset(true);
  }

  /** The connection is gone (eviction): a read-until-close body is complete. */
  finish(): void {
    if (this.state === 'eof') {
      this.state = 'head';
      this.hooks.onEnd();
    } else if (this.inMessage) {
      this.hooks.onAbort('gap');
      this.dropHead();
      this.state = 'resync';
    }
  }

  /** `callStart`: these bytes begin a new read/write call (used only while resynchronising). */
  feed(data: Uint8Array, callStart = false): void {
    if (callStart && this.state === 'resync') this.scanner.callStart();
    let buf = data;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'tunnel':
          this.hooks.onTunnel?.(pos === 0 ? buf : buf.subarray(pos));
          return;
        case 'resync': {
          const found = this.scanner.scan(pos === 0 ? buf : buf.subarray(pos));
          if (!found) return;
          buf = found.rest;
          pos = 0;
          this.state = 'head';
          break;
        }
        case 'chunk_resync': {
          if (!callStart || pos !== 0) return;
          const probe = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, 64)).toString('latin1');
          if (!CHUNK_START.test(probe)) return;
          this.state = 'chunk_size';
          this.hooks.onChunkResync?.();
          break;
        }
        case 'head': {
          const r = this.feedHead(buf, pos);
          if (typeof r === 'number') {
            pos = r;
          } else {
            // Bytes taken as a head may still hold the next start line: rescan them.
            buf = r;
            pos = 0;
          }
          break;
        }
        case 'length': {
          const n = Math.min(this.remaining, buf.length - pos);
          this.hooks.onBody(buf.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.endMessage();
          break;
        }
        case 'chunk_size': {
          const nl = buf.indexOf(0x0a, pos);
          const end = nl < 0 ? buf.length : nl;
          this.line += Buffer.from(buf.buffer, buf.byteOffset + pos, end - pos).toString('latin1');
          pos = nl < 0 ? buf.length : nl + 1;
          if (this.line.length > MAX_CHUNK_LINE) {
            buf = this.fail(new HttpFramingError('bad_chunk', 'chunk-size line too long'), buf, pos);
            pos = 0;
            break;
          }
          if (nl < 0) break;
          const text = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          const m = CHUNK_SIZE_LINE.exec(text);
          if (!m) {
            buf = this.fail(new HttpFramingError('bad_chunk', `bad chunk size ${JSON.stringify(text.slice(0, 40))}`), buf, pos);
            pos = 0;
            break;
          }
          this.remaining = parseInt(m[1], 16);
          if (this.remaining === 0) {
            this.trailerBytes = 0;
            this.lineLen = 0;
            this.state = 'trailers';
          } else {
            this.state = 'chunk_data';
          }
          break;
        }
        case 'chunk_data': {
          const n = Math.min(this.remaining, buf.length - pos);
          this.hooks.onBody(buf.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.sawCR = false;
            this.state = 'chunk_end';
          }
          break;
        }
        case 'chunk_end': {
          const b = buf[pos++];
          if (b === 0x0d && !this.sawCR) {
            this.sawCR = true;
          } else if (b === 0x0a) {
            this.state = 'chunk_size';
          } else {
            buf = this.fail(new HttpFramingError('bad_chunk', 'chunk data not followed by CRLF'), buf, pos - 1);
            pos = 0;
          }
          break;
        }
        case 'trailers': {
          // Trailer fields are skipped: MCP does not use them. The section ends at an empty line.
          const nl = buf.indexOf(0x0a, pos);
          const end = nl < 0 ? buf.length : nl;
          const lineBytes = this.lineLen + (end - pos);
          const before = end > pos ? buf[end - 1] : this.lastByte;
          this.trailerBytes += end - pos;
          pos = nl < 0 ? buf.length : nl + 1;
          if (nl < 0) {
            this.lineLen = lineBytes;
            this.lastByte = before;
          } else {
            this.lineLen = 0;
            this.lastByte = 0x0a;
            if (lineBytes === 0 || (lineBytes === 1 && before === 0x0d)) {
              this.endMessage();
              break;
            }
          }
          if (this.trailerBytes > MAX_TRAILERS) {
            buf = this.fail(new HttpFramingError('bad_chunk', 'trailer section too large'), buf, pos);
            pos = 0;
          }
          break;
        }
        case 'eof':
          this.hooks.onBody(pos === 0 ? buf : buf.subarray(pos));
          return;
      }
    }
  }

  /** Consumes head bytes; returns the new position, or a buffer to restart from after an error. */
  private feedHead(buf: Uint8Array, pos: number): number | Uint8Array {
    if (this.headLen === 0) {
      // RFC 9112 §2.2: ignore empty lines received before a start line.
      while (pos < buf.length && (buf[pos] === 0x0d || buf[pos] === 0x0a)) pos++;
      if (pos === buf.length) return pos;
      const b = buf[pos];
      const ok = this.mode === 'request' ? isTokenByte(b) : b === 0x48; /* 'H' */
      if (!ok) return this.fail(new HttpFramingError('bad_start_line', 'message does not start with a start line'), buf, pos + 1);
    }
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      const end = nl < 0 ? buf.length : nl + 1;
      const seg = buf.subarray(pos, end);
      if (this.headLen + seg.length > this.maxHeadBytes || this.budget.take(seg.length) !== 'ok') {
        return this.fail(new HttpFramingError('header_too_large', `head larger than ${this.maxHeadBytes} bytes or memory bound`), buf, end);
      }
      this.headParts.push(Buffer.from(seg));
      this.headLen += seg.length;
      if (nl < 0) {
        this.lineLen += seg.length;
        this.lastByte = seg[seg.length - 1];
        return buf.length;
      }
      const lineBytes = this.lineLen + (nl - pos);
      const before = nl > pos ? buf[nl - 1] : this.lastByte;
      const empty = this.headLen > lineBytes + 1 && (lineBytes === 0 || (lineBytes === 1 && before === 0x0d));
      this.lineLen = 0;
      this.lastByte = 0x0a;
      pos = end;
      if (empty) {
        this.completeHead();
        return pos;
      }
    }
    return pos;
  }

  private completeHead(): void {
    const bytes = Buffer.concat(this.headParts, this.headLen);
    this.dropHead();
    let framing: BodyFraming;
    try {
      const head = parseHead(bytes.toString('utf8'), this.mode);
      framing = this.hooks.onHead(head);
    } catch (err) {
      const e = err instanceof HttpFramingError ? err : new HttpFramingError('internal', 'head rejected', { cause: err });
      this.hooks.onAbort('error', e);
      this.state = 'resync';
      this.scanner.reset(true);
      return;
    }
    switch (framing.type) {
      case 'none':
        this.endMessage();
        break;
      case 'length':
        this.remaining = framing.length;
        this.state = 'length';
        break;
      case 'chunked':
        this.line = '';
        this.state = 'chunk_size';
        break;
      case 'eof':
        this.state = 'eof';
        break;
      case 'tunnel':
        this.state = 'tunnel';
        this.hooks.onEnd();
        break;
    }
  }

  private endMessage(): void {
    this.state = 'head';
    this.hooks.onEnd();
  }

  /** Reports the error, drops the message and resumes scanning at `from` (head bytes first). */
  private fail(err: HttpFramingError, buf: Uint8Array, from: number): Uint8Array {
    const held = this.headLen > 1 ? Buffer.concat(this.headParts, this.headLen).subarray(1) : undefined;
    this.hooks.onAbort('error', err);
    this.dropHead();
    this.line = '';
    this.state = 'resync';
    this.scanner.reset(false);
    const rest = buf.subarray(from);
    return held ? Buffer.concat([held, rest]) : rest;
  }

  private dropHead(): void {
    this.budget.give(this.headLen);
    this.headParts = [];
    this.headLen = 0;
    this.lineLen = 0;
    this.lastByte = -1;
  }
}
