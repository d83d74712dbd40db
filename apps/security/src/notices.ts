/**
 * Notices of the security stage (`mcpspy.v1.notice`), once per (reason,
 * pid, stream): the first occurrence at once, later ones only as a higher
 * `count`, at most every `intervalMs` per key.
 */
import type { McpMessageEvent, NoticeEvent, NoticeReason } from '@mcpspy/events';

const MAX_KEYS = 10_000;

export class NoticeThrottle {
  private readonly seen = new Map<string, { count: number; last: number }>();

  constructor(
    private readonly publish: (n: NoticeEvent) => void,
    private readonly intervalMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one occurrence about the process and stream of `msg`; publishes when due. */
  raise(reason: NoticeReason, msg: McpMessageEvent | undefined, detail: string): void {
    const { pid, comm, stream } = whereOf(msg);
    const key = `${reason}\u0000${pid ?? ''}\u0000${stream ?? ''}`;
    const t = this.now();
    let e = this.seen.get(key);
    if (!e) {
      // Bounded: past MAX_KEYS the oldest key is forgotten (it notices again if it comes back).
      if (this.seen.size >= MAX_KEYS) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(key, (e = { count: 0, last: -Infinity }));
    }
    e.count++;
    if (t - e.last < this.intervalMs) return;
    e.last = t;
    this.publish({
      timestamp: new Date(t).toISOString(),
      reason,
      stage: 'security',
      ...(pid !== undefined ? { pid } : {}),
      ...(comm !== undefined ? { comm } : {}),
      ...(stream !== undefined ? { stream } : {}),
      detail,
      count: e.count,
    });
  }
}

/** The process that sent a message and the stream it came on, as far as the message says. */
function whereOf(msg: McpMessageEvent | undefined): { pid?: number; comm?: string; stream?: string } {
  if (!msg || typeof msg !== 'object') return {};
  const stdio = msg.stdio_transport;
  const http = msg.http_transport;
  const pid = stdio ? stdio.from_pid : http?.pid;
  const comm = stdio ? stdio.from_comm : http?.comm;
  return { pid: Number.isInteger(pid) ? pid : undefined, comm: typeof comm === 'string' ? comm : undefined, stream: typeof msg.session === 'string' ? msg.session : undefined };
}
