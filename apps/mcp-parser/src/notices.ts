/**
 * Notices of this stage (`mcpspy.v1.notice`): what a stream does wrong. One
 * notice per (reason, pid, stream) the first time it happens, with `count: 1`;
 * later occurrences only raise the count, published at most every
 * `intervalMs` and once more at flush, so a server logging to stdout in a
 * loop costs one line per few seconds, not one per log line.
 */
import { NoticeEvent, NoticeReason, visibleText } from '@mcpspy/events';

const MAX_KEYS = 10_000;

export interface NoticeSite {
  timestamp: string;
  pid?: number;
  comm?: string;
  stream?: string;
  /** One sentence; traffic text inside must already be escaped. */
  detail: string;
  /** Offending bytes, already escaped and shortened (`visibleBytes`). */
  sample?: string;
}

interface Entry {
  notice: NoticeEvent;
  lastSent: number;
  dirty: boolean;
}

export class Notices {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly emit: ((n: NoticeEvent) => void) | undefined,
    private readonly intervalMs = 5000,
  ) {}

  report(reason: NoticeReason, site: NoticeSite, times = 1): void {
    if (this.bump(reason, site.pid, site.stream, times)) return;
    const key = `${reason}\0${site.pid ?? ''}\0${site.stream ?? ''}`;
    const now = Date.now();
    const notice: NoticeEvent = { timestamp: site.timestamp, reason, stage: 'mcp-parser', detail: site.detail, count: times };
    if (site.pid !== undefined) notice.pid = site.pid;
    if (site.comm !== undefined) notice.comm = visibleText(site.comm, 64);
    if (site.stream !== undefined) notice.stream = site.stream;
    if (site.sample !== undefined) notice.sample = site.sample;
    const entry: Entry = { notice, lastSent: 0, dirty: true };
    this.entries.set(key, entry);
    if (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value as string);
    this.send(entry, now);
  }

  /**
   * Raises the count of a notice already reported (true), else does nothing
   * (false): a caller on a hot path (an eviction per request once a bound is
   * reached) builds the notice's fields only for its first occurrence.
   */
  bump(reason: NoticeReason, pid: number | undefined, stream: string | undefined, times = 1): boolean {
    const e = this.entries.get(`${reason}\0${pid ?? ''}\0${stream ?? ''}`);
    if (!e) return false;
    e.notice.count += times;
    e.dirty = true;
    const now = Date.now();
    if (now - e.lastSent >= this.intervalMs) this.send(e, now);
    return true;
  }

  /** Publishes the counts raised since their last notice. */
  flush(): void {
    const now = Date.now();
    for (const e of this.entries.values()) if (e.dirty) this.send(e, now);
  }

  /** Count of a (reason, pid, stream) so far (tests, metrics). */
  count(reason: NoticeReason, pid?: number, stream?: string): number {
    return this.entries.get(`${reason}\0${pid ?? ''}\0${stream ?? ''}`)?.notice.count ?? 0;
  }

  private send(e: Entry, now: number): void {
    e.dirty = false;
    e.lastSent = now;
    try {
      this.emit?.({ ...e.notice });
    } catch {
      /* a failing publisher must not stop parsing; the publisher counts its own errors */
    }
  }
}
