/**
 * One yield per turn of the event loop for a stage whose handler would otherwise run a whole poll's messages in
 * microtasks ahead of the sink's JSONL flush (a `setImmediate`). The first message of a turn waits; the messages
 * the serial queue hands over in the same microtask chain after it go on without waiting.
 *
 * The wait is two hops: a `setImmediate` that queues the opening one. The sink's flush, queued in this turn,
 * therefore runs first whichever of the two stages received the poll's first message first (one hop queued ahead
 * of the flush would let the whole poll be judged ahead of it). The gate closes again with a third immediate
 * queued right after the opening one: Node drains the microtasks between the two, so the chain of verdicts served
 * in microtasks passes, and a message that arrives later (the next poll, or after a verdict that waited for the
 * offline worker) waits again.
 */
export class TurnGate {
  private open = false;
  private pending?: Promise<void>;
  /** Hops taken (turns waited), for specs and counters. */
  waits = 0;

  /** Undefined when the gate is open (go on now), otherwise a promise that resolves after the sink's flush. */
  pass(): Promise<void> | undefined {
    if (this.open) return undefined;
    if (this.pending) return this.pending;
    this.waits++;
    this.pending = new Promise<void>((resolve) => {
      setImmediate(() => {
        setImmediate(() => {
          this.pending = undefined;
          this.open = true;
          resolve();
        });
        setImmediate(() => {
          this.open = false;
        });
      });
    });
    return this.pending;
  }
}
