/**
 * The sink: what a person meets. Consumes MCP messages, security alerts and
 * verdicts, probe and stage counters; produces the JSONL file, console lines
 * or the TUI. No Nest imports: the lead's controller calls these methods.
 */
import type {
  McpMessageEvent,
  ProbeStatsEvent,
  SecurityAlertEvent,
  SecurityVerdictEvent,
  StageStatsEvent,
} from '@mcpspy/events';
import type { Logger } from '@mcpspy/runtime';
import { Counters } from '@mcpspy/runtime';
import { formatAlertBlock, formatConsoleLine } from './console-format';
import { SinkCloseError } from './errors';
import { alertToJsonl, messageToJsonl } from './jsonl-format';
import { JsonlWriter } from './jsonl-writer';
import { startTui, type TuiHandle } from './tui';
import { TuiModel } from './tui-model';
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
}

export const DEFAULT_VERDICT_TIMEOUT_MS = 5000;

export class SinkEngine {
  readonly counters = new Counters();
  private writer: JsonlWriter | undefined;
  private gate: VerdictGate | undefined;
  private model: TuiModel | undefined;
  private tui: TuiHandle | undefined;
  private readonly out: NodeJS.WriteStream;
  private readonly color: boolean;
  private readonly consoleOn: boolean;
  private consoleBuf: string[] = [];
  private consoleScheduled = false;
  private started = false;
  private closed = false;
  // Items that came before start() opened the outputs; written by start().
  private preStart: GateItem[] = [];

  constructor(private readonly opts: SinkOptions) {
    this.out = opts.stdout ?? process.stdout;
    const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
    this.color = opts.color ?? (Boolean(this.out.isTTY) && !noColor);
    this.consoleOn = opts.console && !opts.tui;
    if (opts.holdForVerdict) {
      this.gate = new VerdictGate({
        timeoutMs: opts.verdictTimeoutMs ?? DEFAULT_VERDICT_TIMEOUT_MS,
        release: (item) => this.emit(item),
      });
    }
  }

  /** Opens the JSONL file and starts the TUI. Throws OutputOpenError / TuiStartError. */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.opts.output) {
      this.writer = new JsonlWriter({
        path: this.opts.output,
        maxSize: this.opts.outputMaxSize,
        append: this.opts.append,
        logger: this.opts.logger,
        counters: this.counters,
      });
      this.writer.open();
    }
    if (this.opts.tui) {
      this.model = new TuiModel({ onQuit: () => this.opts.onQuit?.() });
      try {
        this.tui = await startTui(this.model, { stdout: this.opts.stdout, stdin: this.opts.stdin });
      } catch (err) {
        this.writer?.close();
        throw err;
      }
    }
    this.started = true;
    const early = this.preStart;
    this.preStart = [];
    for (const item of early) this.emit(item);
  }

  onMessage(m: McpMessageEvent): void {
    if (!this.accept(m, 'message') ) return;
    this.counters.inc('messages_in');
    if (this.gate) this.gate.pushMessage(m);
    else this.emit({ kind: 'message', message: m });
  }

  onAlert(a: SecurityAlertEvent): void {
    if (!this.accept(a, 'alert')) return;
    this.counters.inc('alerts_in');
    if (this.gate) this.gate.pushAlert(a);
    else this.emit({ kind: 'alert', alert: a });
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
    this.model?.setProbeStats(s);
  }

  onStageStats(s: StageStatsEvent): void {
    if (this.closed || !s || typeof s !== 'object' || typeof s.stage !== 'string') return;
    this.model?.setStageStats(s);
  }

  /**
   * Writes the buffered JSONL lines now. A distributed sink runs it just
   * before its JetStream acks go out (Bus.beforeAck): a line acknowledged
   * upstream is already in the file, and one write serves many lines.
   */
  flushOutput(): void {
    this.writer?.flush();
  }

  /** The TUI state (undefined unless the TUI runs); for tests and the lead's wiring. */
  get tuiModel(): TuiModel | undefined {
    return this.model;
  }

  /**
   * Releases held messages, writes everything buffered, fsyncs and closes the
   * file, stops the TUI. Every failure is collected into one SinkCloseError.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const failures: unknown[] = [];
    const attempt = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        failures.push(err);
      }
    };
    // Items given before start() still belong in the outputs when the file is open.
    if (!this.started && this.preStart.length > 0 && this.writer) attempt(() => this.preStart.forEach((i) => this.emit(i)));
    this.started = true;
    attempt(() => this.gate?.close());
    this.closed = true;
    attempt(() => this.flushConsole());
    attempt(() => this.writer?.close());
    attempt(() => this.tui?.close());
    this.tui = undefined;
    if (this.writer) {
      this.counters.set('jsonl_lines', this.writer.stats.lines);
      this.counters.set('jsonl_bytes', this.writer.stats.bytes);
    }
    if (this.gate) for (const [k, v] of Object.entries(this.gate.stats)) this.counters.set(`verdict_${k}`, v);
    if (failures.length > 0) throw new SinkCloseError(failures);
  }

  private accept(x: unknown, what: 'message' | 'alert'): boolean {
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
                : undefined;
    if (reason) {
      this.counters.reject(this.opts.logger, `invalid_${what}s`, reason);
      return false;
    }
    return true;
  }

  private emit(item: GateItem): void {
    if (!this.started) {
      this.preStart.push(item);
      return;
    }
    try {
      if (item.kind === 'message') {
        const m = item.message;
        this.writer?.writeLine(messageToJsonl(m));
        if (this.consoleOn) this.print(formatConsoleLine(m, { color: this.color }));
        this.model?.addMessage(m);
        this.counters.inc('messages_out');
      } else {
        const a = item.alert;
        this.writer?.writeLine(alertToJsonl(a));
        if (this.consoleOn) this.print(formatAlertBlock(a, { color: this.color }));
        this.model?.addAlert(a);
        this.counters.inc('alerts_out');
      }
    } catch (err) {
      // A message that cannot be serialised (cycles, BigInt) must not stop the others.
      this.counters.reject(this.opts.logger, 'emit_errors', err instanceof Error ? err.message : String(err));
    }
  }

  // Lines are joined per event-loop turn: one write() per burst instead of one per message.
  private print(text: string): void {
    this.consoleBuf.push(text);
    if (this.consoleScheduled) return;
    this.consoleScheduled = true;
    setImmediate(() => this.flushConsole());
  }

  private flushConsole(): void {
    this.consoleScheduled = false;
    if (this.consoleBuf.length === 0) return;
    const text = `${this.consoleBuf.join('\n')}\n`;
    this.consoleBuf = [];
    this.out.write(text);
  }
}
