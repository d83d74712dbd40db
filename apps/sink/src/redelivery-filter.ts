/**
 * JetStream delivers a message again when the sink wrote it but died before
 * its acknowledgement reached NATS. The filter remembers the msg_ids written
 * lately (seeded from the tail of an appended JSONL file at start) so such a
 * redelivery is not written twice. Bounded: the oldest ids are forgotten.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class RedeliveryFilter {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

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
    return this.seen.has(id);
  }

  add(id: string): void {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value as string;
      this.seen.delete(oldest);
    }
  }
}
