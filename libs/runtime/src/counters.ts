/**
 * Named counters with log-once reporting of bad input: the first occurrence
 * of each (kind, reason) is logged, later ones are only counted.
 */
import type { Logger } from 'pino';

export class Counters {
  /** One cell per name: a count (several per message on the hot paths) is one map lookup, not a get and a set. */
  private readonly values = new Map<string, { n: number }>();
  private readonly logged = new Set<string>();

  inc(name: string, by = 1): void {
    const cell = this.values.get(name);
    if (cell) cell.n += by;
    else this.values.set(name, { n: by });
  }

  /**
   * A counter's cell, for a caller that counts it on every message: `cell.n += 1` is `inc(name)` without the map
   * lookup. Asking creates the counter at 0 (it then shows in `snapshot`), so a caller asks when it first counts,
   * not before (`(this.x ??= counters.cell('x')).n++`): the counters then read as with `inc`.
   */
  cell(name: string): { n: number } {
    let cell = this.values.get(name);
    if (!cell) this.values.set(name, (cell = { n: 0 }));
    return cell;
  }

  set(name: string, value: number): void {
    const cell = this.values.get(name);
    if (cell) cell.n = value;
    else this.values.set(name, { n: value });
  }

  get(name: string): number {
    return this.values.get(name)?.n ?? 0;
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, cell] of this.values) Object.defineProperty(out, k, { value: cell.n, enumerable: true, writable: true, configurable: true });
    return out;
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
