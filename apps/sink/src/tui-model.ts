/**
 * The TUI as plain state behind one face: the ink component (tui-view.tsx)
 * only paints `screen()` and forwards keys to `key()`, so everything here is
 * tested without a terminal. The work is in three files of one idea each:
 * tui-state.ts (history, filters, selection, figures), tui-keys.ts (what a
 * key does in each mode), tui-screens.ts (the lines painted).
 */
import type { McpMessageEvent, NoticeEvent, ProbeStatsEvent, SecurityAlertEvent, StageStatsEvent } from '@mcpspy/events';
import { applyKey } from './tui-keys';
import { detailText, renderScreen } from './tui-screens';
import { TuiState } from './tui-state';
import type { Density, Filters, KeyInfo, Line, Mode, Row } from './tui-types';

export type { Filters, KeyInfo, Line, Row, RowType, Seg, Density } from './tui-types';
export { TRANSPORTS, TYPES, DENSITIES } from './tui-types';

export interface TuiModelOptions {
  maxRows?: number;
  now?: () => number;
  onQuit?: () => void;
}

export class TuiModel {
  readonly state: TuiState;

  constructor(private readonly opts: TuiModelOptions = {}) {
    this.state = new TuiState({ maxRows: opts.maxRows, now: opts.now });
  }

  /** Called after any change; the view throttles its repaints. */
  subscribe(fn: () => void): () => void {
    return this.state.subscribe(fn);
  }

  get changes(): number {
    return this.state.changes;
  }

  setSize(width: number, height: number): void {
    this.state.setSize(width, height);
  }

  addMessage(m: McpMessageEvent): void {
    this.state.addMessage(m);
  }

  addAlert(a: SecurityAlertEvent): void {
    this.state.addAlert(a);
  }

  addNotice(n: NoticeEvent): void {
    this.state.addNotice(n);
  }

  setProbeStats(s: ProbeStatsEvent): void {
    this.state.setProbeStats(s);
  }

  setStageStats(s: StageStatsEvent): void {
    this.state.setStageStats(s);
  }

  key(input: string, k: KeyInfo = {}): void {
    applyKey(this.state, input, k, () => this.opts.onQuit?.());
  }

  /** The whole screen, `height` lines at most, each at most `width` columns. */
  screen(): Line[] {
    return renderScreen(this.state);
  }

  /** The screen as plain text (tests, README samples). */
  text(): string {
    return this.screen()
      .map((l) => l.map((s) => s.text).join('').trimEnd())
      .join('\n');
  }

  /** Pretty JSON of the row's message (or alert, or notice), its pair, and the alerts that name it. */
  detailText(r: Row): string[] {
    return detailText(this.state, r);
  }

  matches(r: Row): boolean {
    return this.state.matches(r);
  }

  refilter(): void {
    this.state.refilter();
  }

  clearFilters(): void {
    this.state.clearFilters();
  }

  togglePause(): void {
    this.state.togglePause();
  }

  /** Messages per second over the last whole second. */
  rate(): number {
    return this.state.rate();
  }

  visibleRows(): readonly Row[] {
    return this.state.visible;
  }

  selected(): Row | undefined {
    return this.state.selected();
  }

  get filters(): Filters {
    return this.state.filters;
  }
  get mode(): Mode {
    return this.state.mode;
  }
  get density(): Density {
    return this.state.density;
  }
  get paused(): boolean {
    return this.state.paused;
  }
  get follow(): boolean {
    return this.state.follow;
  }
  get width(): number {
    return this.state.width;
  }
  get height(): number {
    return this.state.height;
  }
  get total(): number {
    return this.state.total;
  }
  get alertCount(): number {
    return this.state.alertCount;
  }
  get noticeCount(): number {
    return this.state.noticeCount;
  }
  get probe(): ProbeStatsEvent | undefined {
    return this.state.probe;
  }
}
