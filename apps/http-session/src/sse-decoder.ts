/**
 * Server-Sent Events parsing (WHATWG HTML §9.2.6 "Interpreting an event
 * stream"), fed with body bytes as they arrive: an event is dispatched at
 * its blank line whatever the chunk, call or HTTP chunk boundaries were.
 * Lines end in CRLF, LF or CR, so a CR at the end of one feed must swallow
 * an LF that starts the next.
 */
export interface SseEvent {
  /** Data lines joined with "\n". */
  data: string;
  /** Event type; "message" when the stream gave none. */
  event: string;
  /** Last event ID in force (it persists across events), if any. */
  id?: string;
  /** Bytes of this event were dropped (too large, or lost in capture). */
  truncated: boolean;
}

const BOM = [0xef, 0xbb, 0xbf];

export class SseDecoder {
  private lineParts: Buffer[] = [];
  private lineLen = 0;
  private lineOverflow = false;
  private skipLF = false;
  private firstLine = true;
  private data: string[] = [];
  private dataBytes = 0;
  private eventType = '';
  private lastId = '';
  private truncated = false;
  /** After a gap: lines are dropped up to the next blank line, so no event is built from pieces. */
  private skipping = false;

  constructor(
    private readonly onEvent: (ev: SseEvent) => void,
    private readonly maxEventBytes: number,
  ) {}

  /** Bytes held for the event in progress. */
  get held(): number {
    return this.lineLen + this.dataBytes;
  }

  push(bytes: Uint8Array): void {
    let start = 0;
    if (this.skipLF && bytes.length > 0) {
      if (bytes[0] === 0x0a) start = 1;
      this.skipLF = false;
    }
    // Jump between line ends with indexOf: event data can be megabytes long.
    let lf = bytes.indexOf(0x0a, start);
    let cr = bytes.indexOf(0x0d, start);
    while (lf >= 0 || cr >= 0) {
      const i = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      this.appendLine(bytes, start, i);
      this.endLine();
      start = i + 1;
      if (i === cr) {
        if (i + 1 < bytes.length) {
          if (bytes[i + 1] === 0x0a) start = i + 2;
        } else {
          this.skipLF = true;
        }
        cr = bytes.indexOf(0x0d, start);
      }
      if (lf >= 0 && lf < start) lf = bytes.indexOf(0x0a, start);
    }
    if (start < bytes.length) this.appendLine(bytes, start, bytes.length);
  }

  /** Bytes were lost: the event in progress is dropped, and so is everything up to the next blank line. */
  gap(): void {
    this.clear();
    this.skipping = true;
  }

  /**
   * The bytes that follow start at a likely event boundary (a new call and
   * a new HTTP chunk after a gap): stop skipping, and flag the next event
   * since its first lines may still be missing.
   */
  resumeAtBoundary(): void {
    if (!this.skipping) return;
    this.skipping = false;
    this.truncated = true;
  }

  private clear(): void {
    this.resetEvent();
    this.lineParts = [];
    this.lineLen = 0;
    this.lineOverflow = false;
    this.skipLF = false;
  }

  /** The holder ran out of memory: drop what the event holds, and flag it when it completes. */
  overflow(): void {
    this.data = [];
    this.dataBytes = 0;
    this.lineParts = [];
    this.lineLen = 0;
    this.lineOverflow = true;
    this.truncated = true;
  }

  /** The stream ended; per spec an event without its blank line is discarded. Returns whether one was. */
  end(): boolean {
    const pending = this.data.length > 0 || this.lineLen > 0;
    this.clear();
    this.skipping = false;
    return pending;
  }

  private appendLine(bytes: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    if (this.lineOverflow || this.lineLen + this.dataBytes + (to - from) > this.maxEventBytes) {
      this.lineOverflow = true;
      return;
    }
    this.lineParts.push(Buffer.from(bytes.subarray(from, to)));
    this.lineLen += to - from;
  }

  private endLine(): void {
    let line = this.lineParts.length === 1 ? this.lineParts[0] : Buffer.concat(this.lineParts, this.lineLen);
    const overflow = this.lineOverflow;
    this.lineParts = [];
    this.lineLen = 0;
    this.lineOverflow = false;
    if (this.firstLine) {
      this.firstLine = false;
      if (line.length >= 3 && line[0] === BOM[0] && line[1] === BOM[1] && line[2] === BOM[2]) line = line.subarray(3);
    }
    if (this.skipping) {
      if (line.length === 0 && !overflow) this.skipping = false;
      return;
    }
    if (overflow) {
      this.truncated = true;
      return;
    }
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line[0] === 0x3a /* ':' comment */) return;
    const colon = line.indexOf(0x3a);
    const field = (colon < 0 ? line : line.subarray(0, colon)).toString('utf8');
    let value = '';
    if (colon >= 0) {
      const v = colon + 1 < line.length && line[colon + 1] === 0x20 ? colon + 2 : colon + 1;
      value = line.subarray(v).toString('utf8');
    }
    switch (field) {
      case 'data':
        this.data.push(value);
        this.dataBytes += line.length;
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastId = value;
        break;
      default:
        // retry and unknown fields do not change what MCP carries.
        break;
    }
  }

  private dispatch(): void {
    if (this.data.length === 0 && !this.truncated) {
      // Per spec an event with no data is not dispatched. A truncated one is, so the loss shows.
      this.resetEvent();
      return;
    }
    const ev: SseEvent = {
      data: this.data.join('\n'),
      event: this.eventType === '' ? 'message' : this.eventType,
      truncated: this.truncated,
    };
    if (this.lastId !== '') ev.id = this.lastId;
    this.resetEvent();
    this.onEvent(ev);
  }

  private resetEvent(): void {
    this.data = [];
    this.dataBytes = 0;
    this.eventType = '';
    this.truncated = false;
  }
}
