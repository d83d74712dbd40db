/**
 * Store calls with a deadline. A Redis that is away keeps commands in the
 * client's offline queue; waiting on them would stall every message behind
 * one pairing lookup, so past the deadline the parser goes on without the
 * answer (the message is emitted unpaired) and counts it.
 *
 * Every message makes a Store call, so a deadline costs no timer of its own:
 * calls wait in one list per deadline length (the same for all calls of a
 * parser, so expiry order is arrival order), checked by one timer.
 */
export const TIMED_OUT: unique symbol = Symbol('store call timed out');

interface Waiting {
  at: number;
  settled: boolean;
  resolve: (v: typeof TIMED_OUT) => void;
}

class DeadlineList {
  private items: Waiting[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  add(w: Waiting): void {
    this.items.push(w);
    if (!this.timer) this.arm(this.ms);
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(1, delay));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.items.length) {
      const w = this.items[this.head];
      if (!w.settled && w.at > now) break;
      this.items[this.head++] = undefined as unknown as Waiting;
      if (!w.settled) {
        w.settled = true;
        w.resolve(TIMED_OUT);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.items.length) this.arm(this.items[this.head].at - now);
    else {
      this.items = [];
      this.head = 0;
    }
  }
}

const lists = new Map<number, DeadlineList>();

export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!(ms > 0) || !Number.isFinite(ms)) return p;
  let list = lists.get(ms);
  if (!list) lists.set(ms, (list = new DeadlineList(ms)));
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    const w: Waiting = { at: performance.now() + ms, settled: false, resolve };
    list.add(w);
    // A late rejection after the deadline is dropped, never unhandled.
    p.then(
      (v) => {
        if (w.settled) return;
        w.settled = true;
        resolve(v);
      },
      (err: unknown) => {
        if (w.settled) return;
        w.settled = true;
        reject(err);
      },
    );
  });
}
