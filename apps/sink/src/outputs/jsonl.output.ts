/**
 * `-o FILE`: every message, alert and notice as one JSON line (MCPSpy's
 * schema and field order, see jsonl-format.ts), through the buffered,
 * rotating, 0600 JsonlWriter.
 */
import { capturedBytesOf, type McpMessageEvent, type NoticeEvent, type SecurityAlertEvent } from '@mcpspy/events';
import type { Counters, Logger } from '@mcpspy/runtime';
import { alertToJsonl, jsonlCut, messageToJsonlHead, messageToJsonlText, noticeToJsonl } from '../jsonl-format';
import { JsonlWriter } from '../jsonl-writer';
import { receivedJsonl } from '../received-line';
import type { FdQueueOptions } from './fd-queue';
import type { SinkOutput } from './output';

export interface JsonlOutputOptions {
  path: string;
  /** Rotate past this many bytes (0 = never). */
  maxSize?: number;
  /** Keep what the file holds (a restarted distributed sink). */
  append?: boolean;
  /** `--output-force` (see openOutputFile). */
  force?: boolean;
  /** JsonlWriter's flushMs. */
  flushMs?: number;
  logger?: Logger;
  /** Receives jsonl_write_errors and jsonl_rotations as they happen. */
  counters?: Counters;
  /** A FIFO, pipe or device at the path: queue bound and stuck detection (outputs/fd-queue.ts). */
  backPressure?: FdQueueOptions;
}

export class JsonlOutput implements SinkOutput {
  readonly name = 'jsonl';
  private readonly writer: JsonlWriter;
  private opened = false;

  constructor(opts: JsonlOutputOptions) {
    this.writer = new JsonlWriter({ path: opts.path, maxSize: opts.maxSize, append: opts.append, force: opts.force, flushMs: opts.flushMs, logger: opts.logger, counters: opts.counters, backPressure: opts.backPressure });
  }

  /** Opens (creates or truncates) the file with mode 0600. Throws OutputOpenError. */
  start(): void {
    this.writer.open();
    this.opened = true;
  }

  message(m: McpMessageEvent): void {
    const received = receivedJsonl(m);
    if (received !== undefined) {
      this.writer.writeLine(received);
      return;
    }
    // Embedded, the parser still holds the bytes `raw` was decoded from: the writer escapes `raw` from them.
    const bytes = capturedBytesOf(m.raw);
    if (bytes !== undefined) {
      const head = messageToJsonlHead(m);
      const tail = jsonlCut.tail;
      if (tail !== undefined) this.writer.writeJsonWithRaw(head, m.raw, bytes, tail);
      else this.writer.writeJsonText(head);
      return;
    }
    this.writer.writeJsonText(messageToJsonlText(m));
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

  /** lines, bytes (merged into the sink's counters as jsonl_lines, jsonl_bytes); dropped_lines, stuck for a FIFO or pipe. */
  stats(): Record<string, number> {
    const q = this.writer.backlog();
    if (!q) return { lines: this.writer.stats.lines, bytes: this.writer.stats.bytes };
    return { lines: q.linesWritten, bytes: q.bytesWritten, dropped_lines: q.droppedLines, stuck: q.stuckEpisodes };
  }
}
