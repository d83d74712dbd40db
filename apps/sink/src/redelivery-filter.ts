/**
 * JetStream delivers a message again when the sink wrote it but died before
 * its acknowledgement reached NATS. The filter remembers the msg_ids written
 * lately (seeded from the tail of an appended JSONL file at start) so such a
 * redelivery is not written twice. Bounded: the oldest ids are forgotten.
 *
 * Lookups are rare (only for messages JetStream marks as redelivered) and adds
 * come with every message, so the ids go into a ring, and the Set that answers
 * lookups is built from the ring at the first lookup and kept up to date only
 * while lookups keep coming (a Set add and delete per message were 5% of the
 * sink's CPU through NATS). While no Set is kept, an id added twice takes two
 * slots of the ring (JetStream marks real redeliveries, which are looked up,
 * not added; a repeat without the mark is the publisher's own).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class RedeliveryFilter {
  private readonly seen = new Set<string>();
  /**
   * The ids in the order they were added, in a ring: the oldest is the one
   * overwritten next. (`seen.values().next()` walked every deleted hole from
   * the Set's start: 11–55 µs per message once 100,000 ids were kept.)
   */
  private readonly order: (string | undefined)[];
  private at = 0;
  /** Whether `seen` holds exactly the ids of the ring. */
  private live = false;
  /** Adds since the last lookup: after a ring's worth the Set is let go. */
  private addsSinceLookup = 0;

  constructor(private readonly capacity = 100_000) {
    this.order = new Array<string | undefined>(Math.max(1, capacity)).fill(undefined);
  }

  /** Reads the msg_id (and alert ids) of the last `tailBytes` of a JSONL file. */
  seedFromFile(path: string, tailBytes = 4 * 1024 * 1024): number {
    let fd = -1;
    try {
      fd = openSync(path, 'r');
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - tailBytes);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8');
      // The first line of a tail read is usually cut: skip it unless the read began at 0.
      const lines = text.split('\n').slice(start > 0 ? 1 : 0);
      let n = 0;
      for (const line of lines) {
        const id = RedeliveryFilter.idOfLine(line);
        if (id) {
          this.add(id);
          n++;
        }
      }
      return n;
    } catch {
      return 0;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** Key of a JSONL line: msg_id for messages; alert lines key on their message and category. */
  static idOfLine(line: string): string | undefined {
    const m = /"msg_id":"([^"]+)"/.exec(line);
    if (!m) return undefined;
    if (line.startsWith('{"type":"security_alert"')) {
      const c = /"category":"([^"]+)"/.exec(line);
      return `alert:${m[1]}:${c?.[1] ?? ''}`;
    }
    return m[1];
  }

  has(id: string): boolean {
    this.addsSinceLookup = 0;
    if (!this.live) this.build();
    return this.seen.has(id);
  }

  add(id: string): void {
    if (this.live && ++this.addsSinceLookup > this.order.length) {
      this.live = false;
      this.seen.clear();
    }
    if (!this.live) {
      this.order[this.at] = id;
      this.at = this.at + 1 === this.order.length ? 0 : this.at + 1;
      return;
    }
    if (this.seen.has(id)) return;
    const oldest = this.order[this.at];
    if (oldest !== undefined) this.seen.delete(oldest);
    this.order[this.at] = id;
    this.at = this.at + 1 === this.order.length ? 0 : this.at + 1;
    this.seen.add(id);
  }

  /** The Set of the ring's ids; of an id the ring holds twice, the newest slot is kept and the older emptied. */
  private build(): void {
    this.seen.clear();
    const n = this.order.length;
    for (let i = 1; i <= n; i++) {
      const slot = (this.at - i + n) % n;
      const id = this.order[slot];
      if (id === undefined) continue;
      if (this.seen.has(id)) this.order[slot] = undefined;
      else this.seen.add(id);
    }
    this.live = true;
  }
}
