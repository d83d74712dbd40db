/**
 * What the probe knows about processes: name, parent and executable per pid,
 * fed by exec/exit records. Bounded: exits remove entries, and a cap guards
 * against missed exits (ring buffer full).
 */
import type { ProcEvent } from '@mcpspy/events';

export interface ProcessInfo {
  pid: number;
  ppid?: number;
  comm: string;
  filename?: string;
}

export class ProcessTable {
  private readonly byPid = new Map<number, ProcessInfo>();

  constructor(private readonly max = 65536) {}

  get size(): number {
    return this.byPid.size;
  }

  get(pid: number): ProcessInfo | undefined {
    return this.byPid.get(pid);
  }

  /** Applies an event; returns it for chaining into a publisher. */
  apply(ev: ProcEvent): ProcEvent {
    if (ev.kind === 'exit') {
      this.byPid.delete(ev.pid);
      return ev;
    }
    const prev = this.byPid.get(ev.pid);
    if (!prev && this.byPid.size >= this.max) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.byPid.keys().next().value;
      if (oldest !== undefined) this.byPid.delete(oldest);
    }
    this.byPid.set(ev.pid, {
      pid: ev.pid,
      ppid: ev.ppid ?? prev?.ppid,
      comm: ev.comm,
      filename: ev.filename ?? prev?.filename,
    });
    return ev;
  }
}
