/**
 * A method or tool name whose visible form differs from its bytes (ESC
 * sequences, C1 controls, bidi overrides, zero-width characters) is worth
 * telling a person about on its own: the screen shows `\x1b[2K…` where a
 * client saw a different name, and a tool named `read\u200bfile` is not
 * `readfile`. The sink raises one `name_not_visible` notice per name, where
 * the message is formatted.
 */
import { hasInvisible, visibleText, type McpMessageEvent, type NoticeEvent } from '@mcpspy/events';
import { rawMethodOf, rawTargetOf } from './message-view';

const MAX_NAMES = 10_000;
const NONE = Object.freeze([]) as unknown as NoticeEvent[];

export class NameWatch {
  private readonly seen = new Map<string, NoticeEvent>();

  /** Notices for names in `m` never reported before (usually none). */
  check(m: McpMessageEvent): NoticeEvent[] {
    const method = rawMethodOf(m);
    const target = rawTargetOf(m);
    // Nearly every message: nothing to report, nothing allocated.
    if ((method === undefined || !hasInvisible(method)) && (target === undefined || !hasInvisible(target))) return NONE;
    let out: NoticeEvent[] | undefined;
    const p = (m.params ?? m.request?.params) as Record<string, unknown> | undefined;
    const names: Array<[string, string | undefined]> = [
      ['method', method],
      [p && typeof p === 'object' && typeof p.name !== 'string' ? 'params.uri' : 'params.name', target],
    ];
    for (const [what, name] of names) {
      if (name === undefined || !hasInvisible(name)) continue;
      const key = `${what}\u0000${name}`;
      const known = this.seen.get(key);
      if (known) {
        known.count++;
        continue;
      }
      // Bounded: past the limit new names are still reported, old ones may be reported again.
      if (this.seen.size >= MAX_NAMES) this.seen.clear();
      const { pid, comm } = processOf(m);
      const visible = visibleText(name, 200);
      const n: NoticeEvent = {
        timestamp: m.timestamp,
        reason: 'name_not_visible',
        stage: 'sink',
        pid,
        comm: comm === undefined ? undefined : visibleText(comm, 64),
        detail: `${what} holds control, bidi or invisible characters (shown escaped)`,
        sample: visible,
        count: 1,
      };
      this.seen.set(key, n);
      (out ??= []).push(n);
    }
    return out ?? [];
  }
}

function processOf(m: McpMessageEvent): { pid?: number; comm?: string } {
  if (m.http_transport) return { pid: m.http_transport.pid, comm: m.http_transport.comm };
  if (m.stdio_transport) return { pid: m.stdio_transport.from_pid, comm: m.stdio_transport.from_comm };
  return {};
}
