/**
 * One way the sink shows what it received: a JSONL file, console lines, the
 * TUI, an OpenTelemetry exporter, a web view. The sink engine only fans items
 * out to its outputs (after the verdict gate in sync mode); each output owns
 * its formatting, buffering and resources. Adding an output is one new file
 * implementing this, passed in `SinkOptions.outputs` (or one line in
 * `SinkEngine.builtinOutputs` when an option turns it on).
 *
 * Every method is called on the Bus's thread and must not block: an output
 * that writes somewhere slow buffers, and counts what it has to drop.
 * Strings inside the events come from traffic: an output that shows them to
 * a person escapes them (`visibleText` of @mcpspy/events).
 */
import type { McpMessageEvent, NoticeEvent, ProbeStatsEvent, SecurityAlertEvent, StageStatsEvent } from '@mcpspy/events';

export interface SinkOutput {
  /** Short name for counters and errors (`jsonl`, `console`, `tui`, `otlp`, `web`). */
  readonly name: string;
  /** Opens files, starts screens or exporters. A failure stops the monitor with the error's message. */
  start?(): Promise<void> | void;
  /** An MCP message, in the order the sink releases them (a response comes after its request when both were seen). */
  message(m: McpMessageEvent): void;
  alert(a: SecurityAlertEvent): void;
  notice?(n: NoticeEvent): void;
  probeStats?(s: ProbeStatsEvent): void;
  stageStats?(s: StageStatsEvent): void;
  /** Writes what is buffered now (a distributed sink calls it just before its acknowledgements leave). */
  flush?(): void;
  /** Flushes and releases everything; throws with every failure it met. */
  close(): Promise<void> | void;
  /** Counters to merge into the sink's (`<name>_<counter>`). */
  stats?(): Record<string, number>;
}
