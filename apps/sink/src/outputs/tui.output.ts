/**
 * The interactive TUI (default on a terminal): a TuiModel fed with every
 * item and counter, painted by ink (tui.ts, tui-view.tsx).
 */
import type { McpMessageEvent, NoticeEvent, ProbeStatsEvent, SecurityAlertEvent, StageStatsEvent } from '@mcpspy/events';
import { startTui, type TuiHandle } from '../tui';
import { TuiModel } from '../tui-model';
import type { SinkOutput } from './output';

export interface TuiOutputOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** `q` or Ctrl+C. */
  onQuit?: () => void;
}

export class TuiOutput implements SinkOutput {
  readonly name = 'tui';
  readonly model: TuiModel;
  private handle: TuiHandle | undefined;

  constructor(private readonly opts: TuiOutputOptions = {}) {
    this.model = new TuiModel({ onQuit: () => opts.onQuit?.() });
  }

  /** Starts ink on the terminal. Throws TuiStartError. */
  async start(): Promise<void> {
    this.handle = await startTui(this.model, { stdout: this.opts.stdout, stdin: this.opts.stdin });
  }

  message(m: McpMessageEvent): void {
    this.model.addMessage(m);
  }

  alert(a: SecurityAlertEvent): void {
    this.model.addAlert(a);
  }

  notice(n: NoticeEvent): void {
    this.model.addNotice(n);
  }

  probeStats(s: ProbeStatsEvent): void {
    this.model.setProbeStats(s);
  }

  stageStats(s: StageStatsEvent): void {
    this.model.setStageStats(s);
  }

  close(): void {
    this.handle?.close();
    this.handle = undefined;
  }
}
