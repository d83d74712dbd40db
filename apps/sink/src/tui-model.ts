/**
 * Everything the TUI shows, as plain state: bounded history, filters, the
 * selection, the detail view, and the screen as lines of styled segments.
 * The ink component only paints `screen()` and forwards keys to `key()`, so
 * this file is tested without a terminal and costs nothing per message
 * beyond an append and one filter test.
 */
import type { McpMessageEvent, ProbeStatsEvent, SecurityAlertEvent, StageStatsEvent } from '@mcpspy/events';
import { clockOf, detailOf, endpointsOf, kindOf, methodOf, targetOf, alertProcess, type Kind } from './message-view';

export type RowType = Kind | 'ALRT';

export interface Row {
  /** Arrival number; increases, so rows stay sorted by it. */
  seq: number;
  time: string;
  transport: string;
  type: RowType;
  label: string;
  from: string;
  to: string;
  details: string;
  message?: McpMessageEvent;
  alert?: SecurityAlertEvent;
  /** Alerts that name this message (by msg_id). */
  alerts: SecurityAlertEvent[];
  /** Lower-cased text searched by `/`, built on first search. */
  haystack?: string;
}

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Seg[];

/** Key as ink reports it; only the fields used here. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
  tab?: boolean;
}

export const TRANSPORTS = ['all', 'stdio', 'http'] as const;
export const TYPES = ['all', 'REQ', 'RESP', 'NOTF', 'ERR', 'ALRT'] as const;
export const DENSITIES = ['normal', 'compact', 'wide'] as const;
export type Density = (typeof DENSITIES)[number];

export interface Filters {
  transport: (typeof TRANSPORTS)[number];
  type: (typeof TYPES)[number];
  /** Substring of the method/tool label. */
  method: string;
  /** Substring of comm or pid at either end. */
  process: string;
  alertsOnly: boolean;
  /** Substring anywhere in the message (raw text included). */
  search: string;
}

type PromptField = 'method' | 'process' | 'search';
type Mode = 'table' | 'detail' | 'prompt' | 'help';

export interface TuiModelOptions {
  maxRows?: number;
  now?: () => number;
  onQuit?: () => void;
}

const TYPE_COLOR: Record<RowType, string> = { REQ: 'blue', RESP: 'green', NOTF: 'magenta', ERR: 'red', ALRT: 'red' };
const RISK_COLOR: Record<string, string> = { low: 'cyan', medium: 'yellow', high: 'red', critical: 'redBright' };

/** Pads or cuts to `w` columns, keeping one blank column as the separator. */
function fit(s: string, w: number): string {
  if (w <= 0) return '';
  const room = w - 1;
  if (s.length > room) return room <= 1 ? '…'.padEnd(w) : `${s.slice(0, room - 1)}… `;
  return s.padEnd(w);
}

function emptyFilters(): Filters {
  return { transport: 'all', type: 'all', method: '', process: '', alertsOnly: false, search: '' };
}

export class TuiModel {
  private rows: Row[] = [];
  private visible: Row[] = [];
  private backlog: Row[] = [];
  private nextSeq = 1;
  private readonly byMsgId = new Map<string, Row>();
  private readonly pairs = new Map<string, { req?: Row; resp?: Row }>();
  readonly filters: Filters = emptyFilters();
  mode: Mode = 'table';
  density: Density = 'normal';
  paused = false;
  follow = true;
  /** Index of the selected row in the visible list. */
  private cursor = -1;
  private top = 0;
  private detail: Row | undefined;
  private detailTop = 0;
  private prompt: { field: PromptField; text: string } | undefined;
  width = 100;
  height = 24;
  private version = 0;
  private readonly listeners = new Set<() => void>();

  // Stats bar.
  total = 0;
  alertCount = 0;
  private readonly perMethod = new Map<string, number>();
  private rateBucket = 0;
  private rateCount = 0;
  private lastRate = 0;
  probe: ProbeStatsEvent | undefined;
  private readonly stageDrops = new Map<string, number>();

  private readonly maxRows: number;
  private readonly now: () => number;

  constructor(private readonly opts: TuiModelOptions = {}) {
    this.maxRows = opts.maxRows ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Called after any change; the view throttles its repaints. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get changes(): number {
    return this.version;
  }

  private changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  setSize(width: number, height: number): void {
    if (width > 0) this.width = width;
    if (height > 0) this.height = height;
    this.changed();
  }

  // ---- ingest ------------------------------------------------------------

  addMessage(m: McpMessageEvent): void {
    this.total++;
    const method = methodOf(m) ?? '?';
    this.perMethod.set(method, (this.perMethod.get(method) ?? 0) + 1);
    this.countRate();
    const { from, to } = endpointsOf(m);
    const target = targetOf(m);
    const kind = kindOf(m);
    const row: Row = {
      seq: this.nextSeq++,
      time: clockOf(m.timestamp),
      transport: m.transport_type,
      type: kind,
      label: target ? `${method} (${target})` : method,
      from,
      to,
      // The id leads so it survives truncation: it is what pairs a response with its request.
      details: (m.id !== undefined && m.id !== null ? `id=${m.id} ` : '') + detailOf(m),
      message: m,
      alerts: [],
    };
    if (m.msg_id) this.byMsgId.set(m.msg_id, row);
    if (m.id !== undefined && m.id !== null && (kind === 'REQ' || kind === 'RESP' || kind === 'ERR')) {
      const key = `${this.conversationOf(m)}#${typeof m.id}:${m.id}`;
      const p = this.pairs.get(key) ?? {};
      if (kind === 'REQ') p.req = row;
      else p.resp = row;
      this.pairs.set(key, p);
    }
    this.append(row);
  }

  addAlert(a: SecurityAlertEvent): void {
    this.alertCount++;
    const target = a.message?.msg_id ? this.byMsgId.get(a.message.msg_id) : undefined;
    const row: Row = {
      seq: this.nextSeq++,
      time: clockOf(a.timestamp),
      transport: a.message?.transport_type ?? '-',
      type: 'ALRT',
      label: `${a.risk.toUpperCase()} ${a.category}${a.message?.method ? ` ${a.message.method}` : ''}`,
      from: alertProcess(a),
      to: '',
      details: `${a.score.toFixed(2)} ${a.summary}`,
      alert: a,
      alerts: [a],
    };
    if (target) {
      target.alerts.push(a);
      // An alert can arrive after filters hid its message; alerts-only must now show it.
      if (this.filters.alertsOnly && !this.paused) this.refilter();
    }
    this.append(row);
  }

  setProbeStats(s: ProbeStatsEvent): void {
    this.probe = s;
    this.changed();
  }

  setStageStats(s: StageStatsEvent): void {
    let drops = 0;
    for (const [k, v] of Object.entries(s.counters ?? {})) if (/drop|invalid|overflow/.test(k) && typeof v === 'number') drops += v;
    this.stageDrops.set(s.stage, drops);
    this.changed();
  }

  /** Messages per second over the last whole second. */
  rate(): number {
    const bucket = Math.floor(this.now() / 1000);
    if (bucket === this.rateBucket) return this.lastRate;
    return bucket === this.rateBucket + 1 ? this.rateCount : 0;
  }

  private countRate(): void {
    const bucket = Math.floor(this.now() / 1000);
    if (bucket !== this.rateBucket) {
      this.lastRate = bucket === this.rateBucket + 1 ? this.rateCount : 0;
      this.rateBucket = bucket;
      this.rateCount = 0;
    }
    this.rateCount++;
  }

  // Pairs requests with responses inside one conversation; ids repeat across conversations.
  private conversationOf(m: McpMessageEvent): string {
    if (m.session) return m.session;
    if (m.http_transport) return `http:${m.http_transport.pid}:${m.http_transport.host}`;
    const s = m.stdio_transport;
    if (!s) return '?';
    const [a, b] = s.from_pid < s.to_pid ? [s.from_pid, s.to_pid] : [s.to_pid, s.from_pid];
    return `stdio:${a}:${b}`;
  }

  private append(row: Row): void {
    if (this.paused) {
      this.backlog.push(row);
      if (this.backlog.length > this.maxRows) this.backlog.splice(0, this.backlog.length - this.maxRows);
    } else this.admit(row);
    this.changed();
  }

  private admit(row: Row): void {
    this.rows.push(row);
    if (this.matches(row)) this.visible.push(row);
    // Trim in bulk (at 10 % over the bound) so eviction is not a shift per message.
    if (this.rows.length > this.maxRows + Math.max(1, this.maxRows >> 3)) this.evict(this.rows.length - this.maxRows);
    if (this.follow) this.cursor = this.visible.length - 1;
  }

  private evict(n: number): void {
    const gone = this.rows.splice(0, n);
    const lastGone = gone[gone.length - 1].seq;
    let cut = 0;
    while (cut < this.visible.length && this.visible[cut].seq <= lastGone) cut++;
    if (cut > 0) {
      this.visible.splice(0, cut);
      this.cursor = Math.max(0, this.cursor - cut);
      this.top = Math.max(0, this.top - cut);
    }
    for (const r of gone) {
      const m = r.message;
      if (!m) continue;
      if (m.msg_id && this.byMsgId.get(m.msg_id) === r) this.byMsgId.delete(m.msg_id);
      if (m.id !== undefined && m.id !== null) {
        const key = `${this.conversationOf(m)}#${typeof m.id}:${m.id}`;
        const p = this.pairs.get(key);
        if (p && (p.req === r || p.resp === r)) {
          if (p.req === r) p.req = undefined;
          if (p.resp === r) p.resp = undefined;
          if (!p.req && !p.resp) this.pairs.delete(key);
        }
      }
    }
  }

  // ---- filters -----------------------------------------------------------

  matches(r: Row): boolean {
    const f = this.filters;
    if (f.transport !== 'all' && r.transport !== f.transport) return false;
    if (f.type !== 'all' && r.type !== f.type) return false;
    if (f.alertsOnly && r.alerts.length === 0) return false;
    if (f.method && !r.label.toLowerCase().includes(f.method.toLowerCase())) return false;
    if (f.process) {
      const p = f.process.toLowerCase();
      if (!r.from.toLowerCase().includes(p) && !r.to.toLowerCase().includes(p)) return false;
    }
    if (f.search) {
      r.haystack ??= [r.label, r.from, r.to, r.details, r.message?.raw ?? '', r.alert ? JSON.stringify(r.alert) : '']
        .join('\n')
        .toLowerCase();
      if (!r.haystack.includes(f.search.toLowerCase())) return false;
    }
    return true;
  }

  /** Rebuilds the visible list after a filter change, keeping the selected row when it still shows. */
  refilter(): void {
    const keep = this.selected()?.seq;
    this.visible = this.rows.filter((r) => this.matches(r));
    if (this.follow || keep === undefined) this.cursor = this.visible.length - 1;
    else {
      const i = this.indexOfSeq(keep);
      this.cursor = i >= 0 ? i : Math.min(this.visible.length - 1, Math.max(0, this.cursor));
    }
    this.changed();
  }

  private indexOfSeq(seq: number): number {
    let lo = 0;
    let hi = this.visible.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.visible[mid].seq;
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  clearFilters(): void {
    Object.assign(this.filters, emptyFilters());
    this.refilter();
  }

  visibleRows(): readonly Row[] {
    return this.visible;
  }

  selected(): Row | undefined {
    return this.cursor >= 0 ? this.visible[this.cursor] : undefined;
  }

  // ---- keys --------------------------------------------------------------

  key(input: string, k: KeyInfo = {}): void {
    if (k.ctrl && input === 'c') return this.quit();
    // Keys typed faster than the terminal is read arrive as one chunk; outside a prompt each is a command.
    if (this.mode !== 'prompt' && input.length > 1 && !k.ctrl && !k.meta) {
      for (const ch of input) this.key(ch, {});
      return;
    }
    switch (this.mode) {
      case 'prompt':
        this.promptKey(input, k);
        break;
      case 'detail':
        this.detailKey(input, k);
        break;
      case 'help':
        this.mode = 'table';
        break;
      default:
        this.tableKey(input, k);
    }
    this.changed();
  }

  private quit(): void {
    this.opts.onQuit?.();
  }

  private pageSize(): number {
    return Math.max(1, this.tableHeight() - 1);
  }

  private move(delta: number): void {
    if (this.visible.length === 0) return;
    this.cursor = Math.min(this.visible.length - 1, Math.max(0, this.cursor + delta));
    this.follow = this.cursor === this.visible.length - 1 && delta > 0 ? this.follow : false;
  }

  private tableKey(input: string, k: KeyInfo): void {
    if (k.upArrow || input === 'k') return this.move(-1);
    if (k.downArrow || input === 'j') return this.move(1);
    if (k.pageUp) return this.move(-this.pageSize());
    if (k.pageDown) return this.move(this.pageSize());
    if (k.home || input === 'g') {
      this.follow = false;
      this.cursor = this.visible.length > 0 ? 0 : -1;
      return;
    }
    if (k.end || input === 'G' || input === 'f') {
      this.follow = true;
      this.cursor = this.visible.length - 1;
      return;
    }
    if (k.return) {
      const r = this.selected();
      if (r) {
        this.detail = r;
        this.detailTop = 0;
        this.mode = 'detail';
      }
      return;
    }
    switch (input) {
      case 'q':
        return this.quit();
      case '?':
        this.mode = 'help';
        return;
      case ' ':
        return this.togglePause();
      case 't':
        this.filters.transport = TRANSPORTS[(TRANSPORTS.indexOf(this.filters.transport) + 1) % TRANSPORTS.length];
        return this.refilter();
      case 'y':
        this.filters.type = TYPES[(TYPES.indexOf(this.filters.type) + 1) % TYPES.length];
        return this.refilter();
      case 'a':
        this.filters.alertsOnly = !this.filters.alertsOnly;
        return this.refilter();
      case 'c':
        return this.clearFilters();
      case 'd':
        this.density = DENSITIES[(DENSITIES.indexOf(this.density) + 1) % DENSITIES.length];
        return;
      case 'm':
        this.prompt = { field: 'method', text: this.filters.method };
        this.mode = 'prompt';
        return;
      case 'p':
        this.prompt = { field: 'process', text: this.filters.process };
        this.mode = 'prompt';
        return;
      case '/':
        this.prompt = { field: 'search', text: '' };
        this.mode = 'prompt';
        return;
    }
  }

  togglePause(): void {
    this.paused = !this.paused;
    if (!this.paused) {
      const rows = this.backlog;
      this.backlog = [];
      for (const r of rows) this.admit(r);
    }
  }

  private promptKey(input: string, k: KeyInfo): void {
    const p = this.prompt;
    if (!p) {
      this.mode = 'table';
      return;
    }
    if (k.escape) {
      this.prompt = undefined;
      this.mode = 'table';
      return;
    }
    if (k.return) {
      this.filters[p.field] = p.text.trim();
      this.prompt = undefined;
      this.mode = 'table';
      this.refilter();
      return;
    }
    if (k.backspace || k.delete) {
      p.text = p.text.slice(0, -1);
      return;
    }
    if (!k.ctrl && input && !/[\u0000-\u001f]/.test(input)) p.text += input;
  }

  private detailKey(input: string, k: KeyInfo): void {
    if (k.escape || k.backspace || input === 'q' || k.leftArrow) {
      this.mode = 'table';
      this.detail = undefined;
      return;
    }
    const page = Math.max(1, this.height - 3);
    if (k.upArrow || input === 'k') this.detailTop = Math.max(0, this.detailTop - 1);
    else if (k.downArrow || input === 'j') this.detailTop++;
    else if (k.pageUp) this.detailTop = Math.max(0, this.detailTop - page);
    else if (k.pageDown || input === ' ') this.detailTop += page;
    else if (k.home || input === 'g') this.detailTop = 0;
  }

  // ---- screen ------------------------------------------------------------

  private tableHeight(): number {
    // Two stats lines, the column header, the key line.
    return Math.max(1, this.height - 4);
  }

  /** The whole screen, `height` lines at most, each at most `width` columns. */
  screen(): Line[] {
    if (this.mode === 'detail' && this.detail) return this.detailScreen(this.detail);
    if (this.mode === 'help') return this.helpScreen();
    return this.tableScreen();
  }

  /** The screen as plain text (tests, README samples). */
  text(): string {
    return this.screen()
      .map((l) => l.map((s) => s.text).join('').trimEnd())
      .join('\n');
  }

  private statsLines(): Line[] {
    const drops = this.probe ? this.probe.ringbuf_full + this.probe.batches_dropped : 0;
    const gaps = this.probe?.gaps ?? 0;
    let stage = 0;
    for (const v of this.stageDrops.values()) stage += v;
    const first: Line = [
      { text: ' mcpspy ', bold: true, inverse: true },
      { text: ` ${this.total} msgs  ${this.rate()} msg/s  ` },
      { text: `alerts ${this.alertCount}`, color: this.alertCount > 0 ? 'red' : undefined, bold: this.alertCount > 0 },
      { text: `  drops ${drops}  gaps ${gaps}${stage ? `  stage drops ${stage}` : ''}`, color: drops + gaps + stage > 0 ? 'yellow' : undefined },
      { text: `  ${this.paused ? `PAUSED +${this.backlog.length}` : this.follow ? 'FOLLOW' : 'SCROLL'}`, bold: true, color: this.paused ? 'yellow' : 'green' },
      { text: `  ${this.density}`, dim: true },
    ];
    const f = this.filters;
    const active = [
      f.transport !== 'all' ? `transport=${f.transport}` : '',
      f.type !== 'all' ? `type=${f.type}` : '',
      f.method ? `method~${f.method}` : '',
      f.process ? `process~${f.process}` : '',
      f.alertsOnly ? 'alerts-only' : '',
      f.search ? `search~${f.search}` : '',
    ].filter(Boolean);
    const top = [...this.perMethod.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
    const second: Line = [
      { text: ' ' + (top.map(([m, n]) => `${m} ${n}`).join('  ') || 'no messages yet'), dim: true },
      ...(active.length > 0 ? [{ text: `  [${active.join(' ')}] ${this.visible.length} shown`, color: 'cyan' }] : []),
    ];
    return [first, second].map((l) => this.clip(l));
  }

  private columns(): { key: keyof Row | 'mark' | 'route'; title: string; width: number }[] {
    const w = this.width;
    const cols: { key: keyof Row | 'mark' | 'route'; title: string; width: number }[] = [{ key: 'mark', title: '', width: 3 }];
    cols.push({ key: 'time', title: 'TIME', width: 13 });
    if (this.density !== 'compact') cols.push({ key: 'transport', title: 'TRANS', width: 6 });
    cols.push({ key: 'type', title: 'TYPE', width: 5 });
    const routeW = this.density === 'wide' ? 44 : this.density === 'compact' ? 24 : 31;
    const used = cols.reduce((n, c) => n + c.width, 0);
    const rest = Math.max(10, w - used - routeW);
    const labelW = this.density === 'compact' ? rest : Math.max(10, Math.min(this.density === 'wide' ? 64 : 40, Math.floor(rest * 0.55)));
    cols.push({ key: 'label', title: 'METHOD / TOOL', width: labelW });
    cols.push({ key: 'route', title: 'FROM → TO', width: routeW });
    if (this.density !== 'compact') cols.push({ key: 'details', title: 'DETAILS', width: Math.max(0, w - used - labelW - routeW) });
    return cols;
  }

  private tableScreen(): Line[] {
    const lines = this.statsLines();
    const cols = this.columns();
    lines.push(this.clip([{ text: cols.map((c) => fit(c.title, c.width)).join(''), bold: true, inverse: false, dim: true }]));
    const h = this.tableHeight();
    const n = this.visible.length;
    if (this.cursor >= n) this.cursor = n - 1;
    if (this.follow && !this.paused) this.cursor = n - 1;
    // Keep the cursor on screen with the least scrolling.
    if (this.cursor < this.top) this.top = Math.max(0, this.cursor);
    if (this.cursor >= this.top + h) this.top = this.cursor - h + 1;
    if (this.top > Math.max(0, n - h)) this.top = Math.max(0, n - h);
    for (let i = this.top; i < Math.min(n, this.top + h); i++) lines.push(this.rowLine(this.visible[i], cols, i === this.cursor));
    if (n === 0) lines.push([{ text: this.total === 0 ? ' waiting for MCP traffic…' : ' no message matches the filters (c clears them)', dim: true }]);
    while (lines.length < this.height - 1) lines.push([{ text: '' }]);
    lines.push(this.keyLine());
    return lines.slice(0, this.height);
  }

  private rowLine(r: Row, cols: ReturnType<TuiModel['columns']>, selected: boolean): Line {
    const segs: Line = [];
    for (const c of cols) {
      let text: string;
      let color: string | undefined;
      let bold = false;
      if (c.key === 'mark') {
        // The selection shows as ›, not only as inverse video, so it survives a colourless terminal.
        text = `${selected ? '›' : ' '}${r.alerts.length > 0 ? '▲' : ' '}`;
        color = r.alerts.length > 0 ? RISK_COLOR[worstRisk(r.alerts)] : undefined;
        bold = true;
      } else if (c.key === 'route') text = r.to ? `${r.from} → ${r.to}` : r.from;
      else if (c.key === 'type') {
        text = r.type;
        color = TYPE_COLOR[r.type];
        bold = true;
      } else text = String(r[c.key] ?? '');
      if (r.type === 'ALRT' && c.key !== 'mark' && c.key !== 'type') color = RISK_COLOR[r.alert?.risk ?? 'high'];
      segs.push({ text: fit(text, c.width), color: selected ? undefined : color, bold, inverse: selected });
    }
    return this.clip(segs);
  }

  private keyLine(): Line {
    if (this.mode === 'prompt' && this.prompt) {
      return this.clip([
        { text: ` ${this.prompt.field}: `, bold: true, color: 'cyan' },
        { text: `${this.prompt.text}█` },
        { text: '   ⏎ apply  esc cancel', dim: true },
      ]);
    }
    return this.clip([
      {
        text: ' ↑↓ move  ⏎ detail  / search  t y m p a filter  c clear  ␣ pause  d density  f follow  ? help  q quit',
        dim: true,
      },
    ]);
  }

  private clip(line: Line): Line {
    const out: Line = [];
    let left = this.width;
    for (const s of line) {
      if (left <= 0) break;
      const text = s.text.length > left ? s.text.slice(0, left) : s.text;
      out.push({ ...s, text });
      left -= text.length;
    }
    return out;
  }

  /** Pretty JSON of the row's message (or alert), its pair, and the alerts that name it. */
  detailText(r: Row): string[] {
    const out: string[] = [];
    const pretty = (v: unknown) => JSON.stringify(v, null, 2).split('\n');
    if (r.alert && !r.message) {
      out.push('── security alert ──', ...pretty(r.alert));
      const m = r.alert.message?.msg_id ? this.byMsgId.get(r.alert.message.msg_id)?.message : undefined;
      if (m) out.push('', '── message it concerns ──', ...pretty(stripRaw(m)));
      return out;
    }
    const m = r.message;
    if (!m) return out;
    for (const a of r.alerts) {
      out.push(`── alert ${a.risk.toUpperCase()} ${a.category} ${a.score.toFixed(2)} (${a.detector}): ${a.summary} ──`);
      for (const e of a.evidence ?? []) out.push(`  ${e.field} [${e.rule}] ${JSON.stringify(e.text)}`);
      out.push('');
    }
    out.push(`── message (${r.type} ${r.label}) ──`, ...pretty(stripRaw(m)));
    const pair = this.pairOf(r);
    if (pair?.message) {
      out.push('', `── paired ${pair.type === 'REQ' ? 'request' : 'response'} ──`, ...pretty(stripRaw(pair.message)));
    } else if (m.request) {
      out.push('', '── paired request ──', ...pretty(m.request));
    } else if (r.type === 'REQ') {
      out.push('', '── no response seen yet ──');
    }
    out.push('', '── raw ──', ...m.raw.split('\n'));
    return out;
  }

  private pairOf(r: Row): Row | undefined {
    const m = r.message;
    if (!m || m.id === undefined || m.id === null) return undefined;
    const p = this.pairs.get(`${this.conversationOf(m)}#${typeof m.id}:${m.id}`);
    if (!p) return undefined;
    return r.type === 'REQ' ? p.resp : p.req;
  }

  private detailScreen(r: Row): Line[] {
    const body = this.detailText(r);
    const h = Math.max(1, this.height - 2);
    this.detailTop = Math.min(this.detailTop, Math.max(0, body.length - h));
    const lines: Line[] = [
      this.clip([
        { text: ` #${r.seq} `, inverse: true, bold: true },
        { text: ` ${r.time} ${r.type} ${r.label}  ${r.from}${r.to ? ` → ${r.to}` : ''}`, bold: true, color: TYPE_COLOR[r.type] },
      ]),
    ];
    for (const l of body.slice(this.detailTop, this.detailTop + h)) {
      const color = l.startsWith('── alert') || l.startsWith('── security') ? 'red' : l.startsWith('──') ? 'cyan' : undefined;
      lines.push(this.clip([{ text: l, color, bold: color !== undefined }]));
    }
    while (lines.length < this.height - 1) lines.push([{ text: '' }]);
    const end = Math.min(body.length, this.detailTop + h);
    lines.push(this.clip([{ text: ` lines ${this.detailTop + 1}-${end} of ${body.length}   ↑↓ PgUp PgDn scroll  esc back`, dim: true }]));
    return lines.slice(0, this.height);
  }

  private helpScreen(): Line[] {
    const help = [
      'Keys',
      '  ↑ ↓ j k        move the selection (leaves follow mode)',
      '  PgUp PgDn      page',
      '  g / G f        first row / last row and follow new messages',
      '  Enter          detail view: pretty JSON, paired request/response, alerts',
      '  Esc            back to the table',
      '  /              search in the whole message text',
      '  t              cycle transport filter: all, stdio, http',
      '  y              cycle type filter: all, REQ, RESP, NOTF, ERR, ALRT',
      '  m              filter by method or tool name',
      '  p              filter by process (comm or pid)',
      '  a              alerts only',
      '  c              clear every filter',
      '  space          pause (new messages are kept and shown on resume)',
      '  d              density: normal, compact, wide',
      '  q Ctrl+C       quit',
      '',
      'Any key returns.',
    ];
    const lines = help.map((t, i) => this.clip([{ text: t, bold: i === 0 }]));
    while (lines.length < this.height) lines.push([{ text: '' }]);
    return lines.slice(0, this.height);
  }
}

function stripRaw(m: McpMessageEvent): Omit<McpMessageEvent, 'raw'> {
  const { raw: _raw, ...rest } = m;
  return rest;
}

const RISK_ORDER = ['low', 'medium', 'high', 'critical'];
function worstRisk(alerts: SecurityAlertEvent[]): string {
  let best = 0;
  for (const a of alerts) best = Math.max(best, RISK_ORDER.indexOf(a.risk));
  return RISK_ORDER[best];
}
