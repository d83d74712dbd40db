/**
 * Named counters with log-once reporting of bad input: the first occurrence
 * of each (kind, reason) is logged, later ones are only counted.
 */
import type { Logger } from 'pino';

export class Counters {
  private readonly values = new Map<string, number>();
  private readonly logged = new Set<string>();

  inc(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  set(name: string, value: number): void {
    this.values.set(name, value);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values);
  }

  /** Counts `name` and logs a warning the first time this reason is seen. */
  reject(logger: Logger | undefined, name: string, reason: string, context: Record<string, unknown> = {}): void {
    this.inc(name);
    const key = `${name}\u0000${reason}`;
    if (this.logged.has(key) || this.logged.size > 10_000) return;
    this.logged.add(key);
    logger?.warn({ counter: name, ...context }, `${name}: ${reason} (logged once; further cases are only counted)`);
  }
}
