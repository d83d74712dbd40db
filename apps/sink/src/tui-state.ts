/**
 * What the TUI knows, as plain data: bounded history of rows (messages,
 * alerts, notices), request/response pairs, filters, the selection and
 * scroll positions, pause, and the figures of the stats bar. Keys
 * (tui-keys.ts) change it, screens (tui-screens.ts) read it; costs nothing per
 * message beyond building a row, an append and one filter test.
 */
import { visibleText, type McpMessageEvent, type NoticeEvent, type ProbeStatsEvent, type SecurityAlertEvent, type StageStatsEvent } from '@mcpspy/events';
import { alertProcess, clockOf, detailOf, endpoint, endpointsOf, kindOf, methodOf, targetOf } from './message-view';
import { emptyFilters, type Density, type Filters, type Mode, type PromptField, type Row } from './tui-types';

export interface TuiStateOptions {
  maxRows?: number;
  now?: () => number;
}

export class TuiState {
  rows: Row[] = [];
  visible: Row[] = [];
  backlog: Row[] = [];
  private nextSeq = 1;
  private readonly byMsgId = new Map<string, Row>();
  private readonly pairs = new Map<string, { req?: Row; resp?: Row }>();
  // The row of each notice (reason, stage, pid, stream), so a raised count updates it instead of adding one.
  private readonly noticeRows = new Map<string, Row>();
  readonly filters: Filters = emptyFilters();
  mode: Mode = 'table';
  density: Density = 'normal';
  paused = false;
  follow = true;
  /** Index of the selected row in the visible list. */
  cursor = -1;
  /** First visible row on screen. */
  top = 0;
  detail: Row | undefined;
  detailTop = 0;
  prompt: { field: PromptField; text: string } | undefined;
  width = 100;
  height = 24;
  private version = 0;
  private readonly listeners = new Set<() => void>();

  // Stats bar.
  total = 0;
  alertCount = 0;
  noticeCount = 0;
  readonly perMethod = new Map<string, number>();
  private rateBucket = 0;
  private rateCount = 0;
  private lastRate = 0;
  probe: ProbeStatsEvent | undefined;
  readonly stageDrops = new Map<string, number>();

  private readonly maxRows: number;
  private readonly now: () => number;

  constructor(opts: TuiStateOptions = {}) {
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

  changed(): void {
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
      transport: visibleText(String(m.transport_type)),
      type: kind,
      label: target ? `${method} (${target})` : method,
      from,
      to,
      // The id leads so it survives truncation: it is what pairs a response with its request.
      details: (m.id !== undefined && m.id !== null ? `id=${visibleText(String(m.id))} ` : '') + detailOf(m),
      message: m,
      alerts: [],
    };
    if (m.msg_id) this.byMsgId.set(m.msg_id, row);
    if (m.id !== undefined && m.id !== null && (kind === 'REQ' || kind === 'RESP' || kind === 'ERR')) {
      const key = pairKey(m);
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
      transport: visibleText(String(a.message?.transport_type ?? '-')),
      type: 'ALRT',
      label: visibleText(`${String(a.risk).toUpperCase()} ${a.category}${a.message?.method ? ` ${a.message.method}` : ''}`),
      from: alertProcess(a),
      to: '',
      details: visibleText(`${a.score.toFixed(2)} ${a.summary}`),
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

  /** A notice gets a row of its own; a later notice of the same (reason, stage, pid, stream) with a higher count updates it. */
  addNotice(n: NoticeEvent): void {
    const key = noticeKey(n);
    const known = this.noticeRows.get(key);
    if (known?.notice && typeof n.count === 'number' && n.count > known.notice.count) {
      known.notice = n;
      known.details = noticeDetails(n);
      known.haystack = undefined;
      this.changed();
      return;
    }
    this.noticeCount++;
    const row: Row = {
      seq: this.nextSeq++,
      time: clockOf(n.timestamp),
      transport: '-',
      type: 'NOTE',
      label: visibleText(String(n.reason)),
      from: n.pid || n.comm ? endpoint(n.comm, n.pid) : visibleText(String(n.stage ?? '?')),
      to: '',
      details: noticeDetails(n),
      notice: n,
      alerts: [],
    };
    if (this.noticeRows.size >= this.maxRows) this.noticeRows.clear();
    this.noticeRows.set(key, row);
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
      // An evicted notice row must not swallow later counts of its notice: the next one gets a new row.
      if (r.notice) {
        const key = noticeKey(r.notice);
        if (this.noticeRows.get(key) === r) this.noticeRows.delete(key);
      }
      const m = r.message;
      if (!m) continue;
      if (m.msg_id && this.byMsgId.get(m.msg_id) === r) this.byMsgId.delete(m.msg_id);
      if (m.id !== undefined && m.id !== null) {
        const key = pairKey(m);
        const p = this.pairs.get(key);
        if (p && (p.req === r || p.resp === r)) {
          if (p.req === r) p.req = undefined;
          if (p.resp === r) p.resp = undefined;
          if (!p.req && !p.resp) this.pairs.delete(key);
        }
      }
    }
  }

  // ---- filters and selection --------------------------------------------

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
      r.haystack ??= [
        r.label,
        r.from,
        r.to,
        r.details,
        r.message?.raw ?? '',
        r.alert ? JSON.stringify(r.alert) : '',
        r.notice ? JSON.stringify(r.notice) : '',
      ]
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

  selected(): Row | undefined {
    return this.cursor >= 0 ? this.visible[this.cursor] : undefined;
  }

  move(delta: number): void {
    if (this.visible.length === 0) return;
    this.cursor = Math.min(this.visible.length - 1, Math.max(0, this.cursor + delta));
    this.follow = this.cursor === this.visible.length - 1 && delta > 0 ? this.follow : false;
  }

  togglePause(): void {
    this.paused = !this.paused;
    if (!this.paused) {
      const rows = this.backlog;
      this.backlog = [];
      for (const r of rows) this.admit(r);
    }
  }

  /** Rows of the table body: the terminal less two stats lines, the column header and the key line. */
  tableHeight(): number {
    return Math.max(1, this.height - 4);
  }

  /** The request of a response, or the response of a request, when both are still in history. */
  pairOf(r: Row): Row | undefined {
    const m = r.message;
    if (!m || m.id === undefined || m.id === null) return undefined;
    const p = this.pairs.get(pairKey(m));
    if (!p) return undefined;
    return r.type === 'REQ' ? p.resp : p.req;
  }

  messageById(msgId: string): McpMessageEvent | undefined {
    return this.byMsgId.get(msgId)?.message;
  }
}

function noticeKey(n: NoticeEvent): string {
  return `${n.reason}\u0000${n.stage}\u0000${n.pid ?? ''}\u0000${n.stream ?? ''}`;
}

function noticeDetails(n: NoticeEvent): string {
  const sample = n.sample ? ` [${visibleText(String(n.sample), 200)}]` : '';
  const count = typeof n.count === 'number' && n.count > 1 ? ` ×${n.count}` : '';
  return `${visibleText(String(n.detail ?? ''), 300)}${sample}${count}`;
}

// Pairs requests with responses inside one conversation; ids repeat across conversations.
function conversationOf(m: McpMessageEvent): string {
  if (m.session) return m.session;
  if (m.http_transport) return `http:${m.http_transport.pid}:${m.http_transport.host}`;
  const s = m.stdio_transport;
  if (!s) return '?';
  const [a, b] = s.from_pid < s.to_pid ? [s.from_pid, s.to_pid] : [s.to_pid, s.from_pid];
  return `stdio:${a}:${b}`;
}

function pairKey(m: McpMessageEvent): string {
  return `${conversationOf(m)}#${typeof m.id}:${m.id}`;
}
