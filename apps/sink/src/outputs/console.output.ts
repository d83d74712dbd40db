/**
 * `--tui=false`: one line per message, a block per alert, a line per notice
 * on stdout (console-format.ts). Lines are joined per event-loop turn: one
 * write() per burst instead of one per message.
 */
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';
import { formatAlertBlock, formatConsoleLine, formatNoticeLine } from '../console-format';
import { FdQueue, reopenNonBlocking, type FdQueueOptions } from './fd-queue';
import type { SinkOutput } from './output';

export interface ConsoleOutputOptions {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force colours on or off; default: on for a TTY unless NO_COLOR is set. */
  color?: boolean;
  /** stdout a pipe, FIFO or terminal: written without blocking, bounded (outputs/fd-queue.ts). */
  backPressure?: FdQueueOptions;
}

export class ConsoleOutput implements SinkOutput {
  readonly name = 'console';
  private readonly out: NodeJS.WritableStream;
  private readonly color: boolean;
  private buf: string[] = [];
  private scheduled = false;
  private closed = false;
  // Our own stdout (not a stream handed in): a non-blocking fd of it, so a reader that stops cannot freeze us
  // (Node queues a pipe's writes without bound, and writes a terminal synchronously).
  private queue: FdQueue | undefined;

  constructor(opts: ConsoleOutputOptions = {}) {
    const out = opts.stdout ?? process.stdout;
    this.out = out;
    if (out === process.stdout) {
      const fd = reopenNonBlocking(1);
      if (fd !== undefined) this.queue = new FdQueue(fd, opts.backPressure);
    }
    const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
    this.color = opts.color ?? (Boolean(out.isTTY) && !noColor);
  }

  message(m: McpMessageEvent): void {
    this.print(formatConsoleLine(m, { color: this.color }));
  }

  alert(a: SecurityAlertEvent): void {
    this.print(formatAlertBlock(a, { color: this.color }));
  }

  notice(n: NoticeEvent): void {
    this.print(formatNoticeLine(n, { color: this.color }));
  }

  flush(): void {
    this.scheduled = false;
    if (this.buf.length === 0) return;
    const text = `${this.buf.join('\n')}\n`;
    const lines = this.buf.length;
    this.buf = [];
    if (this.queue) {
      try {
        this.queue.push(Buffer.from(text, 'utf8'), lines);
        return;
      } catch {
        // EPIPE: the reader is gone. The stream's own 'error' is how the command stops quietly (cli main.ts).
        this.queue = undefined;
      }
    }
    this.out.write(text);
  }

  close(): void {
    this.closed = true;
    this.flush();
    this.queue?.close();
  }

  /** Only for our own stdout: lines written and dropped, stuck episodes. */
  stats(): Record<string, number> {
    const q = this.queue?.stats;
    return q ? { lines: q.linesWritten, dropped_lines: q.droppedLines, stuck: q.stuckEpisodes } : {};
  }

  private print(text: string): void {
    this.buf.push(text);
    if (this.scheduled || this.closed) {
      if (this.closed) this.flush();
      return;
    }
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
