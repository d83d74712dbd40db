/**
 * Embedded-mode Bus: subjects routed inside one process with NATS matching
 * rules (`*`, `>`) and queue groups, payloads passed by reference. Each
 * subscription drains its own bounded queue, so a slow stage slows its
 * producers (backpressure) instead of growing memory.
 */
import { Counters } from '../counters';
import { subjectMatches } from '@mcpspy/events';
import { Bus, BusContextInfo, BusHandler, BusSubscribeOptions, BusSubscription } from './bus';
import { SerialQueue } from './serial-queue';

interface Sub {
  pattern: string;
  queue?: string;
  queueWork: SerialQueue<{ payload: unknown; info: BusContextInfo }>;
}

/** What publish returns when every subscription took the message at once: nothing to wait for, nothing to catch. */
export const PUBLISHED: Promise<void> = Promise.resolve();

/** Where one subject goes, worked out once per subject (cleared when subscriptions change). */
interface Route {
  /** Subscriptions without a queue group: each gets every message. */
  plain: Sub[];
  /** Queue groups: one member per message, in turn. */
  groups: Array<{ members: Sub[]; turn: { n: number } }>;
  /** The context every delivery on this subject carries (never changed by a handler). */
  info: BusContextInfo;
}

export class InProcessBus implements Bus {
  readonly counters = new Counters();
  readonly description = 'in-process';
  private subs: Sub[] = [];
  private readonly routes = new Map<string, Route>();
  /** Whose turn it is in each (queue group, subject); kept when the routes are rebuilt. */
  private readonly roundRobin = new Map<string, { n: number }>();
  private closed = false;
  /** `published`, taken when first counted (Counters.cell). */
  private publishedCell: { n: number } | undefined;

  constructor(private readonly highWater = 10_000) {}

  publish(subject: string, payload: unknown): Promise<void> {
    try {
      return this.route(subject, payload);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private routeOf(subject: string): Route {
    let r = this.routes.get(subject);
    if (r) return r;
    const plain: Sub[] = [];
    const byQueue = new Map<string, Sub[]>();
    for (const s of this.subs) {
      if (!subjectMatches(s.pattern, subject)) continue;
      if (!s.queue) plain.push(s);
      else {
        const g = byQueue.get(s.queue);
        if (g) g.push(s);
        else byQueue.set(s.queue, [s]);
      }
    }
    const groups: Route['groups'] = [];
    for (const [name, members] of byQueue) {
      const key = `${name}\u0000${subject}`;
      let turn = this.roundRobin.get(key);
      if (!turn) this.roundRobin.set(key, (turn = { n: 0 }));
      groups.push({ members, turn });
    }
    r = { plain, groups, info: { subject, redelivered: false } };
    if (this.routes.size > 10_000) this.routes.clear();
    this.routes.set(subject, r);
    return r;
  }

  // Runs once per message: no object, array or promise but the queue item, unless a full queue needs one.
  private route(subject: string, payload: unknown): Promise<void> {
    if (this.closed) {
      this.counters.inc('published_after_close');
      return PUBLISHED;
    }
    (this.publishedCell ??= this.counters.cell('published')).n++;
    const r = this.routeOf(subject);
    let waits: Promise<void>[] | undefined;
    for (let i = 0; i < r.plain.length; i++) {
      const w = r.plain[i].queueWork.push({ payload, info: r.info });
      if (w) (waits ??= []).push(w);
    }
    for (let i = 0; i < r.groups.length; i++) {
      const g = r.groups[i];
      const n = g.turn.n++;
      const w = g.members[n % g.members.length].queueWork.push({ payload, info: r.info });
      if (w) (waits ??= []).push(w);
    }
    if (!waits) return PUBLISHED;
    this.counters.inc('backpressure_waits');
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }

  async subscribe(pattern: string, handler: BusHandler, options: BusSubscribeOptions = {}): Promise<BusSubscription> {
    // In one process a durable consumer is a queue group: one member handles each message.
    const queue = options.queue ?? options.durable;
    const sub: Sub = {
      pattern,
      queue,
      queueWork: new SerialQueue(({ payload, info }) => {
        // A handler that finishes synchronously costs no promise.
        let r: Promise<void> | void;
        try {
          r = handler(payload, info);
        } catch {
          this.counters.inc('handler_errors');
          return undefined;
        }
        if (r && typeof r.then === 'function') {
          return r.then(undefined, () => {
            this.counters.inc('handler_errors');
          });
        }
        return undefined;
      }, this.highWater),
    };
    this.subs.push(sub);
    this.routes.clear();
    return {
      pattern,
      unsubscribe: async () => {
        this.subs = this.subs.filter((s) => s !== sub);
        this.routes.clear();
        await sub.queueWork.idle();
      },
    };
  }

  async settle(): Promise<boolean> {
    await this.flush();
    return true;
  }

  async flush(): Promise<void> {
    // Draining one queue can fill another downstream: repeat until all are idle.
    for (let round = 0; round < 100; round++) {
      if (this.subs.every((s) => s.queueWork.length === 0)) {
        await Promise.all(this.subs.map((s) => s.queueWork.idle()));
        if (this.subs.every((s) => s.queueWork.length === 0)) return;
      }
      await Promise.all(this.subs.map((s) => s.queueWork.idle()));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const s of this.subs) s.queueWork.close();
    this.subs = [];
    this.routes.clear();
  }
}
