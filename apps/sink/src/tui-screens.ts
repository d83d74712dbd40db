/**
 * What the TUI paints, as lines of styled segments: the table (two stats
 * lines, column header, rows, key line), the detail view of one row, help.
 * Every segment passes through `visibleText` on its way out (clip), so even
 * text that slipped past the row builders cannot put a control, bidi or
 * zero-width character on the terminal.
 */
import { visibleText, type McpMessageEvent, type SecurityAlertEvent } from '@mcpspy/events';
import type { TuiState } from './tui-state';
import type { Line, Row, RowType } from './tui-types';

const TYPE_COLOR: Record<RowType, string> = { REQ: 'blue', RESP: 'green', NOTF: 'magenta', ERR: 'red', ALRT: 'red', NOTE: 'yellow' };
const RISK_COLOR: Record<string, string> = { low: 'cyan', medium: 'yellow', high: 'red', critical: 'redBright' };

type Column = { key: keyof Row | 'mark' | 'route'; title: string; width: number };

/** The whole screen, `height` lines at most, each at most `width` columns. */
export function renderScreen(s: TuiState): Line[] {
  if (s.mode === 'detail' && s.detail) return detailScreen(s, s.detail);
  if (s.mode === 'help') return helpScreen(s);
  return tableScreen(s);
}

/** Pads or cuts to `w` columns, keeping one blank column as the separator. */
function fit(text: string, w: number): string {
  if (w <= 0) return '';
  const room = w - 1;
  if (text.length > room) return room <= 1 ? '…'.padEnd(w) : `${text.slice(0, room - 1)}… `;
  return text.padEnd(w);
}

/** Escapes what is not visible, then cuts the line to the terminal's width. */
function clip(s: TuiState, line: Line): Line {
  const out: Line = [];
  let left = s.width;
  for (const seg of line) {
    if (left <= 0) break;
    const safe = visibleText(seg.text);
    const text = safe.length > left ? safe.slice(0, left) : safe;
    out.push({ ...seg, text });
    left -= text.length;
  }
  return out;
}

function statsLines(s: TuiState): Line[] {
  const drops = s.probe ? s.probe.ringbuf_full + s.probe.batches_dropped : 0;
  const gaps = s.probe?.gaps ?? 0;
  let stage = 0;
  for (const v of s.stageDrops.values()) stage += v;
  const first: Line = [
    { text: ' mcpspy ', bold: true, inverse: true },
    { text: ` ${s.total} msgs  ${s.rate()} msg/s  ` },
    { text: `alerts ${s.alertCount}`, color: s.alertCount > 0 ? 'red' : undefined, bold: s.alertCount > 0 },
    ...(s.noticeCount > 0 ? [{ text: `  notices ${s.noticeCount}`, color: 'yellow', bold: true }] : []),
    { text: `  drops ${drops}  gaps ${gaps}${stage ? `  stage drops ${stage}` : ''}`, color: drops + gaps + stage > 0 ? 'yellow' : undefined },
    { text: `  ${s.paused ? `PAUSED +${s.backlog.length}` : s.follow ? 'FOLLOW' : 'SCROLL'}`, bold: true, color: s.paused ? 'yellow' : 'green' },
    { text: `  ${s.density}`, dim: true },
  ];
  const f = s.filters;
  const active = [
    f.transport !== 'all' ? `transport=${f.transport}` : '',
    f.type !== 'all' ? `type=${f.type}` : '',
    f.method ? `method~${f.method}` : '',
    f.process ? `process~${f.process}` : '',
    f.alertsOnly ? 'alerts-only' : '',
    f.search ? `search~${f.search}` : '',
  ].filter(Boolean);
  const top = [...s.perMethod.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
  const second: Line = [
    { text: ' ' + (top.map(([m, n]) => `${m} ${n}`).join('  ') || 'no messages yet'), dim: true },
    ...(active.length > 0 ? [{ text: `  [${active.join(' ')}] ${s.visible.length} shown`, color: 'cyan' }] : []),
  ];
  return [first, second].map((l) => clip(s, l));
}

function columns(s: TuiState): Column[] {
  const w = s.width;
  const cols: Column[] = [{ key: 'mark', title: '', width: 3 }];
  cols.push({ key: 'time', title: 'TIME', width: 13 });
  if (s.density !== 'compact') cols.push({ key: 'transport', title: 'TRANS', width: 6 });
  cols.push({ key: 'type', title: 'TYPE', width: 5 });
  const routeW = s.density === 'wide' ? 44 : s.density === 'compact' ? 24 : 31;
  const used = cols.reduce((n, c) => n + c.width, 0);
  const rest = Math.max(10, w - used - routeW);
  const labelW = s.density === 'compact' ? rest : Math.max(10, Math.min(s.density === 'wide' ? 64 : 40, Math.floor(rest * 0.55)));
  cols.push({ key: 'label', title: 'METHOD / TOOL', width: labelW });
  cols.push({ key: 'route', title: 'FROM → TO', width: routeW });
  if (s.density !== 'compact') cols.push({ key: 'details', title: 'DETAILS', width: Math.max(0, w - used - labelW - routeW) });
  return cols;
}

function tableScreen(s: TuiState): Line[] {
  const lines = statsLines(s);
  const cols = columns(s);
  lines.push(clip(s, [{ text: cols.map((c) => fit(c.title, c.width)).join(''), bold: true, inverse: false, dim: true }]));
  const h = s.tableHeight();
  const n = s.visible.length;
  if (s.cursor >= n) s.cursor = n - 1;
  if (s.follow && !s.paused) s.cursor = n - 1;
  // Keep the cursor on screen with the least scrolling.
  if (s.cursor < s.top) s.top = Math.max(0, s.cursor);
  if (s.cursor >= s.top + h) s.top = s.cursor - h + 1;
  if (s.top > Math.max(0, n - h)) s.top = Math.max(0, n - h);
  for (let i = s.top; i < Math.min(n, s.top + h); i++) lines.push(rowLine(s, s.visible[i], cols, i === s.cursor));
  if (n === 0) lines.push([{ text: s.total === 0 ? ' waiting for MCP traffic…' : ' no message matches the filters (c clears them)', dim: true }]);
  while (lines.length < s.height - 1) lines.push([{ text: '' }]);
  lines.push(keyLine(s));
  return lines.slice(0, s.height);
}

function rowLine(s: TuiState, r: Row, cols: Column[], selected: boolean): Line {
  const segs: Line = [];
  for (const c of cols) {
    let text: string;
    let color: string | undefined;
    let bold = false;
    if (c.key === 'mark') {
      // The selection shows as ›, not only as inverse video, so it survives a colourless terminal.
      text = `${selected ? '›' : ' '}${r.alerts.length > 0 ? '▲' : r.type === 'NOTE' ? '⚠' : ' '}`;
      color = r.alerts.length > 0 ? RISK_COLOR[worstRisk(r.alerts)] : r.type === 'NOTE' ? 'yellow' : undefined;
      bold = true;
    } else if (c.key === 'route') text = r.to ? `${r.from} → ${r.to}` : r.from;
    else if (c.key === 'type') {
      text = r.type;
      color = TYPE_COLOR[r.type];
      bold = true;
    } else text = String(r[c.key] ?? '');
    if (r.type === 'ALRT' && c.key !== 'mark' && c.key !== 'type') color = RISK_COLOR[r.alert?.risk ?? 'high'];
    // Row texts are visible already; escaping here too would only shift columns if one were not.
    segs.push({ text: fit(visibleText(text), c.width), color: selected ? undefined : color, bold, inverse: selected });
  }
  return clip(s, segs);
}

function keyLine(s: TuiState): Line {
  if (s.mode === 'prompt' && s.prompt) {
    return clip(s, [
      { text: ` ${s.prompt.field}: `, bold: true, color: 'cyan' },
      { text: `${s.prompt.text}█` },
      { text: '   ⏎ apply  esc cancel', dim: true },
    ]);
  }
  return clip(s, [
    {
      text: ' ↑↓ move  ⏎ detail  / search  t y m p a filter  c clear  ␣ pause  d density  f follow  ? help  q quit',
      dim: true,
    },
  ]);
}

/** Pretty JSON of the row's message (or alert, or notice), its pair, and the alerts that name it; every line visible text. */
export function detailText(s: TuiState, r: Row): string[] {
  const out: string[] = [];
  // JSON.stringify escapes C0 controls; the C1, bidi and zero-width ones it leaves are escaped below.
  const pretty = (v: unknown) => JSON.stringify(v, null, 2).split('\n');
  if (r.notice) {
    out.push('── notice ──', ...pretty(r.notice));
    return out.map((l) => visibleText(l));
  }
  if (r.alert && !r.message) {
    out.push('── security alert ──', ...pretty(r.alert));
    const m = r.alert.message?.msg_id ? s.messageById(r.alert.message.msg_id) : undefined;
    if (m) out.push('', '── message it concerns ──', ...pretty(stripRaw(m)));
    return out.map((l) => visibleText(l));
  }
  const m = r.message;
  if (!m) return out;
  for (const a of r.alerts) {
    out.push(`── alert ${String(a.risk).toUpperCase()} ${a.category} ${a.score.toFixed(2)} (${a.detector}): ${a.summary} ──`);
    for (const e of a.evidence ?? []) out.push(`  ${e.field} [${e.rule}] ${JSON.stringify(e.text)}`);
    out.push('');
  }
  out.push(`── message (${r.type} ${r.label}) ──`, ...pretty(stripRaw(m)));
  const pair = s.pairOf(r);
  if (pair?.message) {
    out.push('', `── paired ${pair.type === 'REQ' ? 'request' : 'response'} ──`, ...pretty(stripRaw(pair.message)));
  } else if (m.request) {
    out.push('', '── paired request ──', ...pretty(m.request));
  } else if (r.type === 'REQ') {
    out.push('', '── no response seen yet ──');
  }
  // The raw text keeps its line breaks as lines; every other control is escaped.
  out.push('', '── raw ──', ...String(m.raw ?? '').split('\n'));
  return out.map((l) => visibleText(l));
}

function detailScreen(s: TuiState, r: Row): Line[] {
  const body = detailText(s, r);
  const h = Math.max(1, s.height - 2);
  s.detailTop = Math.min(s.detailTop, Math.max(0, body.length - h));
  const lines: Line[] = [
    clip(s, [
      { text: ` #${r.seq} `, inverse: true, bold: true },
      { text: ` ${r.time} ${r.type} ${r.label}  ${r.from}${r.to ? ` → ${r.to}` : ''}`, bold: true, color: TYPE_COLOR[r.type] },
    ]),
  ];
  for (const l of body.slice(s.detailTop, s.detailTop + h)) {
    const color = l.startsWith('── alert') || l.startsWith('── security') ? 'red' : l.startsWith('── notice') ? 'yellow' : l.startsWith('──') ? 'cyan' : undefined;
    lines.push(clip(s, [{ text: l, color, bold: color !== undefined }]));
  }
  while (lines.length < s.height - 1) lines.push([{ text: '' }]);
  const end = Math.min(body.length, s.detailTop + h);
  lines.push(clip(s, [{ text: ` lines ${s.detailTop + 1}-${end} of ${body.length}   ↑↓ PgUp PgDn scroll  esc back`, dim: true }]));
  return lines.slice(0, s.height);
}

function helpScreen(s: TuiState): Line[] {
  const help = [
    'Keys',
    '  ↑ ↓ j k        move the selection (leaves follow mode)',
    '  PgUp PgDn      page',
    '  g / G f        first row / last row and follow new messages',
    '  Enter          detail view: pretty JSON, paired request/response, alerts',
    '  Esc            back to the table',
    '  /              search in the whole message text',
    '  t              cycle transport filter: all, stdio, http',
    '  y              cycle type filter: all, REQ, RESP, NOTF, ERR, ALRT, NOTE',
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
  const lines = help.map((t, i) => clip(s, [{ text: t, bold: i === 0 }]));
  while (lines.length < s.height) lines.push([{ text: '' }]);
  return lines.slice(0, s.height);
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
