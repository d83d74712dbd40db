/**
 * `--tui=false`: one line per message, a block per alert, a line per notice
 * on stdout (console-format.ts). Lines are joined per event-loop turn: one
 * write() per burst instead of one per message.
 */
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';
import { formatAlertBlock, formatConsoleLine, formatNoticeLine } from '../console-format';
import type { SinkOutput } from './output';

export interface ConsoleOutputOptions {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force colours on or off; default: on for a TTY unless NO_COLOR is set. */
  color?: boolean;
}

export class ConsoleOutput implements SinkOutput {
  readonly name = 'console';
  private readonly out: NodeJS.WritableStream;
  private readonly color: boolean;
  private buf: string[] = [];
  private scheduled = false;
  private closed = false;

  constructor(opts: ConsoleOutputOptions = {}) {
    const out = opts.stdout ?? process.stdout;
    this.out = out;
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
    this.buf = [];
    this.out.write(text);
  }

  close(): void {
    this.closed = true;
    this.flush();
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
