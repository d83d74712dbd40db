/**
 * Byte accounting for what the engine holds between batches: a total across
 * streams and a share per stream. Callers ask before they keep bytes; a
 * refusal turns into a truncated message and a counter, never into growth.
 */
export class MemoryBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

export type TakeResult = 'ok' | 'stream' | 'total';

export class StreamBudget {
  used = 0;
  constructor(
    private readonly total: MemoryBudget,
    readonly limit: number,
  ) {}

  take(n: number): TakeResult {
    if (this.used + n > this.limit) return 'stream';
    if (this.total.used + n > this.total.limit) return 'total';
    this.used += n;
    this.total.used += n;
    return 'ok';
  }

  give(n: number): void {
    const k = Math.min(n, this.used);
    this.used -= k;
    this.total.used -= k;
  }

  releaseAll(): void {
    this.give(this.used);
  }
}
