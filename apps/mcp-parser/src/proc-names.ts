/** Process names from `raw.proc` events, to fill in a blank `comm` (bounded, oldest forgotten first). */
const MAX_PROC_COMMS = 65_536;

export interface Endpoint {
  pid: number;
  comm: string;
}

/** An end of a pipe or connection that was not seen. */
export const NOBODY: Endpoint = { pid: 0, comm: '' };

export class ProcNames {
  private readonly comms = new Map<number, string>();

  set(pid: number, comm: string): void {
    this.comms.delete(pid);
    this.comms.set(pid, comm);
    if (this.comms.size > MAX_PROC_COMMS) this.comms.delete(this.comms.keys().next().value as number);
  }

  forget(pid: number): void {
    this.comms.delete(pid);
  }

  /**
   * The event's own comm is the name at the time of the call (a process may
   * rename itself after exec); the process table only fills in a blank.
   */
  commOf(ep: Endpoint): string {
    if (ep.pid === 0 || ep.comm) return ep.comm;
    return this.comms.get(ep.pid) ?? ep.comm;
  }
}
