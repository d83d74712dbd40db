/**
 * Store calls with a deadline. A Redis that is away keeps commands in the
 * client's offline queue; waiting on them would stall every message behind
 * one pairing lookup, so past the deadline the parser goes on without the
 * answer (the message is emitted unpaired) and counts it.
 *
 * Every message makes a Store call, so a deadline costs no timer of its own:
 * calls wait in one DeadlineQueue per deadline length (the same for all
 * calls of a parser, so expiry order is arrival order), checked by one timer.
 */
import { DeadlineQueue, Held } from './deadline-queue';

export const TIMED_OUT: unique symbol = Symbol('store call timed out');

interface Waiting extends Held {
  resolve: (v: typeof TIMED_OUT) => void;
}

function expire(w: Waiting): void {
  w.done = true;
  w.resolve(TIMED_OUT);
}

/** One queue per deadline length, so each releases in arrival order. */
const queues = new Map<number, DeadlineQueue<Waiting>>();

/**
 * The last call's promise and its deadline-bound twin: the RedisStore hands
 * every write of one event-loop turn the same promise, and those calls share
 * one outcome, so they share one deadline too (one promise per turn, not per message).
 */
let lastIn: Promise<unknown> | undefined;
let lastMs = 0;
let lastOut: Promise<unknown> | undefined;

export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!(ms > 0) || !Number.isFinite(ms)) return p;
  if (p === lastIn && ms === lastMs) return lastOut as Promise<T | typeof TIMED_OUT>;
  const out = deadlineOf(p, ms);
  lastIn = p;
  lastMs = ms;
  lastOut = out;
  return out;
}

function deadlineOf<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let queue = queues.get(ms);
  if (!queue) queues.set(ms, (queue = new DeadlineQueue<Waiting>(expire)));
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    const w: Waiting = { deadline: Date.now() + ms, done: false, resolve };
    queue.push(w);
    // A late rejection after the deadline is dropped, never unhandled.
    p.then(
      (v) => {
        if (w.done) return;
        w.done = true;
        resolve(v);
      },
      (err: unknown) => {
        if (w.done) return;
        w.done = true;
        reject(err);
      },
    );
  });
}
