/**
 * Items held until a deadline, released in arrival order by one timer. The
 * stdio reader wait and the HTTP twin wait both hold messages this way: an
 * item is released when its deadline passes (`onExpire`), or earlier by its
 * owner (which marks it `done`); the timer always waits for the oldest item
 * still held. Deadlines are measured on the wall clock (`Date.now()`).
 */
export interface Held {
  deadline: number;
  done: boolean;
}

export class DeadlineQueue<T extends Held> {
  private items: T[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly onExpire: (item: T, now: number) => void) {}

  push(item: T): void {
    this.items.push(item);
    this.arm();
  }

  /** The head may have been released by its owner: wait for the new head's deadline instead. */
  rearm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.arm();
  }

  /** Every item not yet done, oldest first, taken out of the queue (flush). */
  drain(release: (item: T) => void): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head++];
      if (!item.done) release(item);
    }
    this.compact();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    while (this.head < this.items.length && this.items[this.head].done) this.head++;
    if (this.head >= this.items.length) {
      this.compact();
      return;
    }
    const wait = Math.max(0, this.items[this.head].deadline - Date.now());
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    const now = Date.now();
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      if (!item.done) {
        if (item.deadline > now) break;
        this.onExpire(item, now);
      }
      this.head++;
    }
    this.compact();
    this.arm();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}
