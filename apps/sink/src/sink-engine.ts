/**
 * The sink: what a person meets. Consumes MCP messages, security alerts,
 * verdicts, notices, probe and stage counters; hands each to its outputs
 * (JSONL file, console lines or the TUI, and any output the caller adds).
 * The engine only chooses the outputs, runs the verdict gate in sync mode and
 * fans out; each output owns its formatting and resources (outputs/). No Nest
 * imports: the controller calls these methods.
 */
import {
  NOTICE_REASONS,
  type McpMessageEvent,
  type NoticeEvent,
  type ProbeStatsEvent,
  type SecurityAlertEvent,
  type SecurityVerdictEvent,
  type StageStatsEvent,
} from '@mcpspy/events';
import type { Logger } from '@mcpspy/runtime';
import { Counters } from '@mcpspy/runtime';
import { SinkCloseError } from './errors';
import { NameWatch } from './name-watch';
import { ConsoleOutput } from './outputs/console.output';
import { JsonlOutput } from './outputs/jsonl.output';
import type { FdQueueOptions } from './outputs/fd-queue';
import type { SinkOutput } from './outputs/output';
import { TuiOutput } from './outputs/tui.output';
import type { TuiModel } from './tui-model';
import { VerdictGate, type GateItem } from './verdict-gate';

export interface SinkOptions {
  logger: Logger;
  /** JSONL file (`-o`). */
  output?: string;
  /** Rotate the JSONL file past this many bytes (0 = never). */
  outputMaxSize?: number;
  /**
   * Append to an existing JSONL file instead of starting it anew. A `serve
   * sink` that restarts resumes its durable consumer, so it must not erase
   * what it wrote before.
   */
  append?: boolean;
  /** `--output-force`: the JSONL path may be a symlink, another user's file, a FIFO or a device. */
  outputForce?: boolean;
  /** Longest a JSONL line waits in memory, in ms (JsonlWriter's flushMs; 0 = written at the end of this turn of the event loop). */
  outputFlushMs?: number;
  /** One line per message on stdout (ignored while the TUI runs). */
  console: boolean;
  tui: boolean;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Force colours on or off; default: on for a TTY unless NO_COLOR is set. */
  color?: boolean;
  /** Sync security mode: hold analysed messages until their verdict. */
  holdForVerdict?: boolean;
  verdictTimeoutMs?: number;
  /** `q` or Ctrl+C in the TUI. */
  onQuit?: () => void;
  /** More outputs (an OpenTelemetry exporter, a web view), fed after the built-in ones. */
  outputs?: SinkOutput[];
  /**
   * The JSONL file or stdout being a FIFO, pipe or terminal whose reader stops:
   * how many bytes wait before lines are dropped, and after how long without
   * progress it is reported stuck (notice `output_stuck`, counter `output_stuck`).
   */
  backPressure?: { maxPendingBytes?: number; stuckMs?: number };
}

export const DEFAULT_VERDICT_TIMEOUT_MS = 5000;

/** What the engine hands to its outputs. Notices do not wait in the verdict gate: they name no message. */
type SinkItem = GateItem | { kind: 'notice'; notice: NoticeEvent };

const KNOWN_REASONS = new Set<string>(NOTICE_REASONS);

export class SinkEngine {
  readonly counters = new Counters();
  /** `messages_in` and `messages_out`, taken when first counted (Counters.cell). */
  private messagesIn: { n: number } | undefined;
  private messagesOut: { n: number } | undefined;
  /** Every output, in the order they are fed and started. */
  readonly outputs: readonly SinkOutput[];
  private gate: VerdictGate | undefined;
  private readonly names = new NameWatch();
  private started = false;
  private closed = false;
  // Items that came before start() opened the outputs; written by start().
  private preStart: SinkItem[] = [];

  constructor(private readonly opts: SinkOptions) {
    this.outputs = [...SinkEngine.builtinOutputs(opts, this.counters, (name) => this.backPressure(name)), ...(opts.outputs ?? [])];
    if (opts.holdForVerdict) {
      this.gate = new VerdictGate({
        timeoutMs: opts.verdictTimeoutMs ?? DEFAULT_VERDICT_TIMEOUT_MS,
        release: (item) => this.emit(item),
      });
    }
  }

  /** The outputs the options ask for: JSONL with `output`, the TUI with `tui`, else console lines with `console`. */
  private static builtinOutputs(opts: SinkOptions, counters: Counters, bp: (name: string) => FdQueueOptions): SinkOutput[] {
    const out: SinkOutput[] = [];
    if (opts.output) {
      out.push(
        new JsonlOutput({ path: opts.output, maxSize: opts.outputMaxSize, append: opts.append, force: opts.outputForce, flushMs: opts.outputFlushMs, logger: opts.logger, counters, backPressure: bp('jsonl') }),
      );
    }
    if (opts.tui) out.push(new TuiOutput({ stdout: opts.stdout, stdin: opts.stdin, onQuit: () => opts.onQuit?.() }));
    else if (opts.console) out.push(new ConsoleOutput({ stdout: opts.stdout, color: opts.color, backPressure: bp('console') }));
    return out;
  }

  /**
   * An output whose reader stopped reading: one warning and one `output_stuck`
   * notice per episode (to every output: the stuck one queues or drops it, the
   * others show it), and a counter; a line when it moves again.
   */
  private backPressure(name: string): FdQueueOptions {
    const where = name === 'jsonl' ? `the output ${this.opts.output}` : 'standard output';
    return {
      maxPendingBytes: this.opts.backPressure?.maxPendingBytes,
      stuckMs: this.opts.backPressure?.stuckMs,
      onStuck: ({ pendingBytes, stuckMs }) => {
        this.counters.inc('output_stuck');
        const detail = `${where} has accepted nothing for ${(stuckMs / 1000).toFixed(1)} s (its reader stopped reading); ${pendingBytes} bytes wait, further lines are dropped and counted past the bound`;
        this.opts.logger.warn({ output: name, pendingBytes }, detail);
        const notice: NoticeEvent = { timestamp: new Date().toISOString(), reason: 'output_stuck', stage: 'sink', stream: name, detail, count: this.counters.get('output_stuck') };
        // Not from inside the stuck output's own write.
        setImmediate(() => {
          if (!this.closed) this.emit({ kind: 'notice', notice });
        });
      },
      onResumed: ({ droppedLines }) => {
        this.opts.logger.warn({ output: name, droppedLines }, `${where} accepts data again (${droppedLines} lines dropped so far)`);
      },
    };
  }

  /**
   * Starts every output in order (opens the JSONL file, starts the TUI). When
   * one fails, those already started are closed and its error is thrown
   * (OutputOpenError, TuiStartError, or the added output's own).
   */
  async start(): Promise<void> {
    if (this.started) return;
    const running: SinkOutput[] = [];
    for (const o of this.outputs) {
      try {
        await o.start?.();
        running.push(o);
      } catch (err) {
        for (const r of running.reverse()) {
          try {
            await r.close();
          } catch {
            // The start failure is the one to report.
          }
        }
        throw err;
      }
    }
    this.started = true;
    const early = this.preStart;
    this.preStart = [];
    for (const item of early) this.emit(item);
  }

  onMessage(m: McpMessageEvent): void {
    if (!this.accept(m, 'message')) return;
    (this.messagesIn ??= this.counters.cell('messages_in')).n++;
    if (this.gate) this.gate.pushMessage(m);
    else this.emit({ kind: 'message', message: m });
  }

  onAlert(a: SecurityAlertEvent): void {
    if (!this.accept(a, 'alert')) return;
    this.counters.inc('alerts_in');
    if (this.gate) this.gate.pushAlert(a);
    else this.emit({ kind: 'alert', alert: a });
  }

  /** A notice from any stage (`mcpspy.v1.notice`): shown by every output, counted by reason. */
  onNotice(n: NoticeEvent): void {
    if (!this.accept(n, 'notice')) return;
    this.counters.inc('notices_in');
    this.emit({ kind: 'notice', notice: n });
  }

  onVerdict(v: SecurityVerdictEvent): void {
    if (this.closed) return;
    if (!v || typeof v.msg_id !== 'string') {
      this.counters.reject(this.opts.logger, 'invalid_verdicts', 'verdict without msg_id');
      return;
    }
    this.counters.inc('verdicts_in');
    this.gate?.verdict(v.msg_id, v.alerts);
  }

  onProbeStats(s: ProbeStatsEvent): void {
    if (this.closed || !s || typeof s !== 'object') return;
    for (const o of this.outputs) if (o.probeStats) this.guard(o, () => o.probeStats!(s));
  }

  onStageStats(s: StageStatsEvent): void {
    if (this.closed || !s || typeof s !== 'object' || typeof s.stage !== 'string') return;
    for (const o of this.outputs) if (o.stageStats) this.guard(o, () => o.stageStats!(s));
  }

  /**
   * Writes what the outputs buffer now. A distributed sink runs it just
   * before its JetStream acks go out (Bus.beforeAck): a line acknowledged
   * upstream is already in the file, and one write serves many lines.
   */
  flushOutput(): void {
    for (const o of this.outputs) if (o.flush) this.guard(o, () => o.flush!());
  }

  /** The TUI state (undefined unless the TUI runs); for tests and the lead's wiring. */
  get tuiModel(): TuiModel | undefined {
    return this.outputs.find((o): o is TuiOutput => o instanceof TuiOutput)?.model;
  }

  /**
   * Releases held messages, then flushes and closes every output (the JSONL
   * file is fsynced, the TUI stopped). Every failure is collected into one
   * SinkCloseError.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const failures: unknown[] = [];
    const attempt = async (fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        failures.push(err);
      }
    };
    // Items given before a start() that never came have no open output to go to.
    await attempt(() => this.gate?.close());
    this.closed = true;
    for (const o of this.outputs) await attempt(() => o.close());
    for (const o of this.outputs) {
      if (!o.stats) continue;
      await attempt(() => {
        for (const [k, v] of Object.entries(o.stats!())) this.counters.set(`${o.name}_${k}`, v);
      });
    }
    if (this.gate) for (const [k, v] of Object.entries(this.gate.stats)) this.counters.set(`verdict_${k}`, v);
    if (failures.length > 0) throw new SinkCloseError(failures);
  }

  private accept(x: unknown, what: 'message' | 'alert' | 'notice'): boolean {
    if (this.closed) {
      this.counters.inc(`${what}s_after_close`);
      return false;
    }
    const o = x as Record<string, unknown> | null;
    const reason =
      !o || typeof o !== 'object'
        ? 'not an object'
        : typeof o.timestamp !== 'string'
          ? 'no timestamp'
          : what === 'message' && o.transport_type !== 'stdio' && o.transport_type !== 'http'
            ? 'bad transport_type'
            : what === 'message' && typeof o.type !== 'string'
              ? 'no type'
              : what === 'alert' && (typeof o.risk !== 'string' || typeof o.score !== 'number')
                ? 'no risk or score'
                : what === 'notice' && (typeof o.reason !== 'string' || typeof o.detail !== 'string' || typeof o.count !== 'number')
                  ? 'no reason, detail or count'
                  : undefined;
    if (reason) {
      this.counters.reject(this.opts.logger, `invalid_${what}s`, reason);
      return false;
    }
    return true;
  }

  private emit(item: SinkItem): void {
    if (!this.started) {
      this.preStart.push(item);
      return;
    }
    if (item.kind === 'message') {
      // A name that does not look like its bytes is reported before the message that carries it.
      for (const n of this.names.check(item.message)) this.emit({ kind: 'notice', notice: n });
    }
    this.emitTo(this.outputs, item);
  }

  private emitTo(outputs: readonly SinkOutput[], item: SinkItem): void {
    let failed: unknown;
    for (const o of outputs) {
      try {
        if (item.kind === 'message') o.message(item.message);
        else if (item.kind === 'alert') o.alert(item.alert);
        else o.notice?.(item.notice);
      } catch (err) {
        // A message that cannot be serialised (cycles, BigInt) must not stop the others.
        this.counters.inc(`${o.name}_errors`);
        failed ??= err;
      }
    }
    if (failed !== undefined) {
      this.counters.reject(this.opts.logger, 'emit_errors', failed instanceof Error ? failed.message : String(failed));
      return;
    }
    if (item.kind === 'message') (this.messagesOut ??= this.counters.cell('messages_out')).n++;
    else if (item.kind === 'alert') this.counters.inc('alerts_out');
    else {
      this.counters.inc('notices_out');
      const reason = item.notice.reason;
      this.counters.inc(KNOWN_REASONS.has(reason) ? `notices_${reason}` : 'notices_unknown_reason');
    }
  }

  private guard(o: SinkOutput, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.counters.reject(this.opts.logger, `${o.name}_errors`, err instanceof Error ? err.message : String(err));
    }
  }
}
