/**
 * Static console output (`--tui=false`): one line per message in MCPSpy's
 * style, and a multi-line block per security alert.
 */
import type { McpMessageEvent, SecurityAlertEvent } from '@mcpspy/events';
import { alertProcess, clockOf, detailOf, endpointsOf, kindOf, methodOf, targetOf, type Kind } from './message-view';

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
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
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
  const risk = String(a.risk ?? '?').toUpperCase();
  const score = typeof a.score === 'number' ? a.score.toFixed(2) : '?';
  const head =
    paint(c, `${Ansi.bold}${Ansi.red}`, '▲ SECURITY ALERT') +
    ' ' +
    paint(c, `${Ansi.bold}${RISK_COLOR[a.risk] ?? Ansi.red}`, risk) +
    ` ${a.category} score=${score} detector=${a.detector}`;
  const lines = [head, `  summary  ${a.summary}`];
  const msg = a.message;
  if (msg) {
    const kind = msg.type === 'request' ? 'REQ' : msg.type === 'notification' ? 'NOTF' : msg.type === 'error' ? 'ERR' : 'RESP';
    const bits = [clockOf(msg.timestamp), kind, msg.method ?? '', msg.id !== undefined && msg.id !== null ? `id=${msg.id}` : '', alertProcess(a), msg.transport_type, msg.msg_id ? `msg=${msg.msg_id}` : ''];
    lines.push(`  message  ${bits.filter(Boolean).join(' ')}`);
  }
  for (const e of a.evidence ?? []) {
    lines.push(`  evidence ${e.field} [${e.rule}] ${paint(c, Ansi.yellow, JSON.stringify(shorten(e.text ?? '', 120)))}`);
  }
  if (a.details && Object.keys(a.details).length > 0) {
    lines.push(`  details  ${shorten(JSON.stringify(a.details), 200)}`);
  }
  return lines.join('\n');
}
