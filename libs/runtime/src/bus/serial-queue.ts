/**
 * A bounded FIFO drained by one async pump: handlers of one subscription run
 * one at a time, in arrival order. `push` resolves at once while the queue is
 * below its high-water mark and otherwise waits for room (backpressure).
 */
export class SerialQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private running = false;
  private waiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly work: (item: T) => Promise<void> | void,
    private readonly highWater = 10_000,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (!this.running && this.head === this.items.length) {
      // Idle: handle it now, inside the publisher's call. Nothing is ahead of it, so the order is kept, and a
      // synchronous handler is done before the publisher goes on: what one message allocates dies young
      // instead of waiting (and surviving garbage collections) behind a whole batch of others.
      this.runInline(item);
      return undefined;
    }
    this.items.push(item);
    if (!this.running) void this.pump();
    if (this.length < this.highWater) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when the queue is empty and no item is being handled. */
  idle(): Promise<void> {
    if (!this.running && this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    this.head = 0;
    this.release(true);
  }

  private runInline(item: T): void {
    this.running = true;
    let r: Promise<void> | void;
    try {
      r = this.work(item);
    } catch {
      r = undefined;
    }
    if (r && typeof r.then === 'function') {
      // An async handler: the queue stays busy until it is done, then goes on with what came meanwhile.
      void r.then(
        () => this.pump(),
        () => this.pump(),
      );
      return;
    }
    // Items pushed by the handler itself (or while it ran) are handled now too.
    if (this.head < this.items.length) {
      void this.pump();
      return;
    }
    this.running = false;
    this.release(true);
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.head < this.items.length) {
        const item = this.items[this.head];
        this.items[this.head] = undefined as T;
        this.head++;
        if (this.head > 4096 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        try {
          const r = this.work(item);
          if (r && typeof r.then === 'function') await r;
        } catch {
          // The work function reports its own failures; the queue must go on.
        }
        this.release(false);
      }
    } finally {
      this.running = false;
      this.release(true);
    }
  }

  private release(all: boolean): void {
    if (this.waiters.length && (all || this.length < this.highWater)) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    }
    if (!this.running && this.length === 0 && this.idleWaiters.length) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }
}
