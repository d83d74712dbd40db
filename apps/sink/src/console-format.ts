/**
 * Static console output (`--tui=false`): one line per message in MCPSpy's
 * style, a multi-line block per security alert, one line per notice. Every
 * string that came from traffic goes through `visibleText` (here or in
 * message-view.ts) before it is coloured: the only escape sequences in the
 * output are our own colours.
 */
import { visibleText, type McpMessageEvent, type NoticeEvent, type SecurityAlertEvent } from '@mcpspy/events';
import { alertProcess, clockOf, detailOf, endpoint, endpointsOf, kindOf, methodOf, targetOf, type Kind } from './message-view';

export interface FormatOptions {
  /** ANSI colours; off unless asked (the engine turns it on for a TTY without NO_COLOR). */
  color?: boolean;
}

const ESC = '\u001b[';
export const Ansi = {
  reset: `${ESC}0m`,
  bold: `${ESC}1m`,
  dim: `${ESC}2m`,
  red: `${ESC}31m`,
  green: `${ESC}32m`,
  yellow: `${ESC}33m`,
  blue: `${ESC}34m`,
  magenta: `${ESC}35m`,
  cyan: `${ESC}36m`,
  inverseRed: `${ESC}41;97m`,
} as const;

function paint(on: boolean | undefined, code: string, text: string): string {
  return on && text ? `${code}${text}${Ansi.reset}` : text;
}

const KIND_COLOR: Record<Kind, string> = { REQ: Ansi.blue, RESP: Ansi.green, NOTF: Ansi.magenta, ERR: Ansi.red };

/**
 * `12:34:56.789 python[12345] → python[12346] REQ tools/call (get_weather) Execute a tool`.
 * Responses name the method of their paired request after the status, so a
 * reader does not need to look back for the request.
 */
export function formatConsoleLine(m: McpMessageEvent, opts: FormatOptions = {}): string {
  const c = opts.color;
  const kind = kindOf(m);
  const { from, to } = endpointsOf(m);
  const method = methodOf(m);
  const target = targetOf(m);
  const parts = [paint(c, Ansi.dim, clockOf(m.timestamp)), `${paint(c, Ansi.cyan, from)} → ${paint(c, Ansi.cyan, to)}`];
  const what = [method ?? '', target ? `(${target})` : ''].filter(Boolean).join(' ');
  if (kind === 'REQ' || kind === 'NOTF') {
    parts.push(paint(c, KIND_COLOR[kind], kind));
    if (what) parts.push(paint(c, Ansi.bold, what));
    const d = detailOf(m);
    if (d) parts.push(d);
  } else {
    parts.push(paint(c, KIND_COLOR[kind], kind));
    const d = detailOf(m);
    if (d) parts.push(kind === 'ERR' ? paint(c, Ansi.red, d) : d);
    if (what) parts.push(paint(c, Ansi.dim, what));
  }
  return parts.join(' ');
}

const RISK_COLOR: Record<string, string> = {
  low: Ansi.cyan,
  medium: Ansi.yellow,
  high: Ansi.red,
  critical: Ansi.inverseRed,
};

function shorten(s: string, max: number): string {
  const one = String(s).replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A string from an alert or notice (any type a producer sent), safe for a terminal. */
function show(v: unknown, max = Infinity): string {
  return visibleText(v === undefined || v === null ? '' : String(v), max);
}

/**
 * A block that stands out from the message lines:
 * ```
 * ▲ SECURITY ALERT HIGH prompt_injection score=0.93 detector=rules
 *   summary  Instruction override in tool arguments
 *   message  12:34:56.789 REQ tools/call id=7 python[12345] msg=a:1
 *   evidence params.arguments.query [ignore-previous] "ignore all previous…"
 * ```
 */
export function formatAlertBlock(a: SecurityAlertEvent, opts: FormatOptions = {}): string {
  const c = opts.color;
  const risk = show(a.risk ?? '?').toUpperCase();
  const score = typeof a.score === 'number' ? a.score.toFixed(2) : '?';
  const head =
    paint(c, `${Ansi.bold}${Ansi.red}`, '▲ SECURITY ALERT') +
    ' ' +
    paint(c, `${Ansi.bold}${RISK_COLOR[a.risk] ?? Ansi.red}`, risk) +
    ` ${show(a.category)} score=${score} detector=${show(a.detector)}`;
  const lines = [head, `  summary  ${show(a.summary)}`];
  const msg = a.message;
  if (msg) {
    const kind = msg.type === 'request' ? 'REQ' : msg.type === 'notification' ? 'NOTF' : msg.type === 'error' ? 'ERR' : 'RESP';
    const bits = [
      clockOf(msg.timestamp),
      kind,
      show(msg.method),
      msg.id !== undefined && msg.id !== null ? `id=${show(msg.id)}` : '',
      alertProcess(a),
      show(msg.transport_type),
      msg.msg_id ? `msg=${show(msg.msg_id)}` : '',
    ];
    lines.push(`  message  ${bits.filter(Boolean).join(' ')}`);
  }
  for (const e of a.evidence ?? []) {
    // JSON.stringify escapes C0 controls; visibleText the C1, bidi and zero-width ones it leaves.
    lines.push(`  evidence ${show(e.field)} [${show(e.rule)}] ${paint(c, Ansi.yellow, show(JSON.stringify(shorten(e.text ?? '', 120))))}`);
  }
  if (a.details && Object.keys(a.details).length > 0) {
    lines.push(`  details  ${show(shorten(JSON.stringify(a.details), 200))}`);
  }
  return lines.join('\n');
}

/**
 * `⚠ NOTICE stdio_non_jsonrpc python[12346] 3 bytes before a JSON-RPC object on stdout [banner\n] ×4`:
 * what a stage saw but could not show, or saw done wrong. The count shows
 * from the second time on.
 */
export function formatNoticeLine(n: NoticeEvent, opts: FormatOptions = {}): string {
  const c = opts.color;
  const parts = [paint(c, `${Ansi.bold}${Ansi.yellow}`, '⚠ NOTICE'), paint(c, Ansi.yellow, show(n.reason))];
  if (n.pid || n.comm) parts.push(paint(c, Ansi.cyan, endpoint(n.comm, n.pid)));
  if (n.detail) parts.push(show(n.detail, 300));
  if (n.sample) parts.push(paint(c, Ansi.dim, `[${show(n.sample, 200)}]`));
  if (typeof n.count === 'number' && n.count > 1) parts.push(`×${n.count}`);
  return parts.join(' ');
}
