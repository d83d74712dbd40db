/**
 * `-o FILE`: every message, alert and notice as one JSON line (MCPSpy's
 * schema and field order, see jsonl-format.ts), through the buffered,
 * rotating, 0600 JsonlWriter.
 */
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';
import type { Counters, Logger } from '@mcpspy/runtime';
import { alertToJsonl, messageToJsonl, noticeToJsonl } from '../jsonl-format';
import { JsonlWriter } from '../jsonl-writer';
import type { SinkOutput } from './output';

export interface JsonlOutputOptions {
  path: string;
  /** Rotate past this many bytes (0 = never). */
  maxSize?: number;
  /** Keep what the file holds (a restarted distributed sink). */
  append?: boolean;
  /** `--output-force` (see openOutputFile). */
  force?: boolean;
  logger?: Logger;
  /** Receives jsonl_write_errors and jsonl_rotations as they happen. */
  counters?: Counters;
}

export class JsonlOutput implements SinkOutput {
  readonly name = 'jsonl';
  private readonly writer: JsonlWriter;
  private opened = false;

  constructor(opts: JsonlOutputOptions) {
    this.writer = new JsonlWriter({ path: opts.path, maxSize: opts.maxSize, append: opts.append, force: opts.force, logger: opts.logger, counters: opts.counters });
  }

  /** Opens (creates or truncates) the file with mode 0600. Throws OutputOpenError. */
  start(): void {
    this.writer.open();
    this.opened = true;
  }

  message(m: McpMessageEvent): void {
    this.writer.writeLine(messageToJsonl(m));
  }

  alert(a: SecurityAlertEvent): void {
    this.writer.writeLine(alertToJsonl(a));
  }

  notice(n: NoticeEvent): void {
    this.writer.writeLine(noticeToJsonl(n));
  }

  flush(): void {
    this.writer.flush();
  }

  close(): void {
    if (this.opened) this.writer.close();
  }

  /** lines, bytes (merged into the sink's counters as jsonl_lines, jsonl_bytes). */
  stats(): Record<string, number> {
    return { lines: this.writer.stats.lines, bytes: this.writer.stats.bytes };
  }
}
