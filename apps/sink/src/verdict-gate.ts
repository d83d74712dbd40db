/**
 * Sync security mode (`--security-async=false`): a message the security stage
 * analyses is held until its verdict (or an alert naming it) arrives, or a
 * timeout passes; everything behind it waits too, so outputs keep arrival
 * order. An alert is written right after the message it concerns: it rides in
 * that message's slot. The verdict says how many alerts the message raised,
 * so the message waits for all of them (alerts and verdicts travel on
 * different subjects and may arrive in either order).
 */
import { judgedMethod, type McpMessageEvent, type SecurityAlertEvent } from '@mcpspy/events';

/** True when the security stage judges this message (the one method table decides, for both stages). */
export function awaitsVerdict(m: McpMessageEvent): boolean {
  return Boolean(m.msg_id) && judgedMethod(m) !== undefined;
}

export type GateItem = { kind: 'message'; message: McpMessageEvent } | { kind: 'alert'; alert: SecurityAlertEvent };

interface Slot {
  item: GateItem;
  /** msg_id still waiting for a verdict; undefined when ready. */
  waitingFor?: string;
  deadline: number;
  /** Alerts about this message, written right after it. */
  followers: GateItem[];
  /** Alerts the verdict announced; the slot is ready once that many arrived. */
  expectedAlerts?: number;
}

export interface VerdictGateOptions {
  timeoutMs: number;
  /** Called for each item in arrival order once nothing before it is held. */
  release: (item: GateItem) => void;
  /** Held items beyond this are released early (counted) so a dead security stage cannot exhaust memory. */
  maxHeld?: number;
  /** Which messages to hold; default awaitsVerdict. */
  holds?: (m: McpMessageEvent) => boolean;
  now?: () => number;
}

export interface VerdictGateStats {
  held: number;
  released_by_verdict: number;
  released_by_alert: number;
  timeouts: number;
  overflow: number;
  early_verdicts: number;
}

const EARLY_VERDICTS_MAX = 10_000;

export class VerdictGate {
  private queue: Slot[] = [];
  private head = 0;
  private readonly waiting = new Map<string, Slot>();
  /** Message slots still queued, by msg_id: where their alerts go. */
  private readonly queued = new Map<string, Slot>();
  // Verdicts (with their alert counts) that beat their message here.
  private readonly early = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor: Slot | undefined;
  private closed = false;
  readonly stats: VerdictGateStats = { held: 0, released_by_verdict: 0, released_by_alert: 0, timeouts: 0, overflow: 0, early_verdicts: 0 };
  private readonly now: () => number;
  private readonly maxHeld: number;
  private readonly holds: (m: McpMessageEvent) => boolean;

  constructor(private readonly opts: VerdictGateOptions) {
    this.now = opts.now ?? Date.now;
    this.maxHeld = opts.maxHeld ?? 200_000;
    this.holds = opts.holds ?? awaitsVerdict;
  }

  /** Items currently queued (held or behind a held one). */
  get size(): number {
    return this.queue.length - this.head;
  }

  pushMessage(m: McpMessageEvent): void {
    const slot: Slot = { item: { kind: 'message', message: m }, deadline: this.now() + this.opts.timeoutMs, followers: [] };
    if (m.msg_id) this.queued.set(m.msg_id, slot);
    if (!this.closed && this.holds(m) && m.msg_id) {
      const announced = this.early.get(m.msg_id);
      if (announced !== undefined) {
        this.early.delete(m.msg_id);
        slot.expectedAlerts = announced;
      }
      if (announced === 0) this.stats.released_by_verdict++;
      else {
        slot.waitingFor = m.msg_id;
        this.waiting.set(m.msg_id, slot);
        this.stats.held++;
      }
    }
    this.enqueue(slot);
  }

  pushAlert(a: SecurityAlertEvent): void {
    const id = a.message?.msg_id;
    const item: GateItem = { kind: 'alert', alert: a };
    const slot = id ? this.queued.get(id) : undefined;
    if (!slot) {
      this.enqueue({ item, deadline: 0, followers: [] });
      return;
    }
    slot.followers.push(item);
    // Alerts and the verdict arrive on separate subjects in any order: only the
    // verdict says how many alerts to wait for, so an alert alone releases nothing.
    if (slot.waitingFor && slot.expectedAlerts !== undefined && slot.followers.length >= slot.expectedAlerts) {
      if (this.resolve(slot.waitingFor)) this.stats.released_by_alert++;
    }
    this.drain();
  }

  /** The verdict of a message: `alerts` is how many alerts it raised (they may still be on their way). */
  verdict(msgId: string, alerts = 0): void {
    const slot = this.queued.get(msgId);
    if (slot) {
      slot.expectedAlerts = alerts;
      if (slot.waitingFor && slot.followers.length >= alerts && this.resolve(msgId)) {
        this.stats.released_by_verdict++;
        this.drain();
      }
    } else if (!this.closed) {
      if (this.early.size >= EARLY_VERDICTS_MAX) this.early.clear();
      this.early.set(msgId, alerts);
      this.stats.early_verdicts++;
    }
  }

  /** Releases everything now, in order (shutdown). */
  flushAll(): void {
    for (const slot of this.waiting.values()) slot.waitingFor = undefined;
    this.waiting.clear();
    this.drain();
  }

  close(): void {
    this.closed = true;
    this.flushAll();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.early.clear();
    this.queued.clear();
  }

  private resolve(msgId: string): boolean {
    const slot = this.waiting.get(msgId);
    if (!slot) return false;
    this.waiting.delete(msgId);
    slot.waitingFor = undefined;
    return true;
  }

  private enqueue(slot: Slot): void {
    this.queue.push(slot);
    if (this.size > this.maxHeld) {
      const first = this.queue[this.head];
      if (first.waitingFor) {
        this.waiting.delete(first.waitingFor);
        first.waitingFor = undefined;
        this.stats.overflow++;
      }
    }
    this.drain();
  }

  private drain(): void {
    while (this.head < this.queue.length) {
      const slot = this.queue[this.head];
      if (slot.waitingFor) {
        if (this.now() < slot.deadline) break;
        this.waiting.delete(slot.waitingFor);
        slot.waitingFor = undefined;
        this.stats.timeouts++;
      }
      this.head++;
      if (slot.item.kind === 'message' && slot.item.message.msg_id) this.queued.delete(slot.item.message.msg_id);
      this.opts.release(slot.item);
      for (const f of slot.followers) this.opts.release(f);
    }
    // Compact in bulk so the released prefix does not cost a shift per item.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.arm();
  }

  private arm(): void {
    const first = this.head < this.queue.length && !this.closed ? this.queue[this.head] : undefined;
    // The head only changes when something is released; re-arming per message would cost a timer each.
    if (this.timer && first === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = first;
    if (!first) return;
    const wait = Math.max(0, first.deadline - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait + 1);
    this.timer.unref();
  }
}
