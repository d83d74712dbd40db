/**
 * Store calls with a deadline. A Redis that is away keeps commands in the
 * client's offline queue; waiting on them would stall every message behind
 * one pairing lookup, so past the deadline the parser goes on without the
 * answer (the message is emitted unpaired) and counts it.
 */
export const TIMED_OUT: unique symbol = Symbol('store call timed out');

export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!(ms > 0) || !Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  // A late rejection after the deadline must not surface as unhandled.
  p.catch(() => undefined);
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
