/**
 * A first-in first-out list with O(1) shift. `Array.prototype.shift` moves
 * every element once an array is large (V8 cannot trim arrays in large-object
 * space): a channel holding the 641,695 messages of one 64.7 MB JSON-RPC batch
 * line spent minutes in shift() releasing them one by one, the monitor at 100%
 * of a core and deaf to signals. Items leave from a head index; the array is
 * compacted once the consumed head is more than half of it.
 */
export class FifoQueue<T> implements Iterable<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head >= this.items.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The oldest item, left in place. */
  first(): T | undefined {
    return this.length > 0 ? this.items[this.head] : undefined;
  }

  /** The newest item. */
  last(): T | undefined {
    return this.length > 0 ? this.items[this.items.length - 1] : undefined;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i];
  }
}
